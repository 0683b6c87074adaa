namespace Portcullis.Cli.Output;

/// <summary>The arguments of one `portcullis get` invocation.</summary>
internal sealed record GetRequest(
    string Resource,
    string? Name,
    string? Namespace,
    bool AllNamespaces,
    string? Output,
    string Admin);
