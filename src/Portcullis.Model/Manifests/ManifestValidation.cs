namespace Portcullis.Model.Manifests;

using System.Text.Json.Nodes;

/// <summary>
/// Schema checks the API server would make before accepting an object (types, required fields, ranges,
/// enums). Each error names a field path. Runs on the JSON tree before typed reading.
/// </summary>
internal static class ManifestValidation
{
    public static void Validate(string kind, JsonObject json, List<(string Path, string Message)> errors)
    {
        // Deliberately small for now; schema-driven validation from the CRDs replaces it.
        _ = kind;
        _ = json;
        _ = errors;
    }
}
