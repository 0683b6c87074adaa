namespace Portcullis.Model.Manifests;

public enum DiagnosticSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One finding about a manifest: where it is (file, 0-based document index, object, field path) and why.
/// Errors mean the document was left out; infos mean it was skipped on purpose (e.g. a kind we do not serve).
/// </summary>
public sealed record ManifestDiagnostic(
    DiagnosticSeverity Severity,
    string Source,
    int DocumentIndex,
    string? Object,
    string? FieldPath,
    string Message)
{
    public override string ToString()
    {
        var where = $"{Source} (document {DocumentIndex})";
        var what = Object is null ? "" : $" {Object}";
        var field = string.IsNullOrEmpty(FieldPath) ? "" : $": {FieldPath}";
        return $"{Severity.ToString().ToLowerInvariant()}: {where}{what}{field}: {Message}";
    }
}

/// <summary>The objects a manifest file held and what was found wrong or skipped in it.</summary>
public sealed record ManifestReadResult(
    IReadOnlyList<Core.KubernetesObject> Objects,
    IReadOnlyList<ManifestDiagnostic> Diagnostics)
{
    /// <summary>For each of <see cref="Objects"/>, the 0-based index of the document it came from.</summary>
    public IReadOnlyList<int> DocumentIndexes { get; init; } = [];
}
