namespace Portcullis.Model.Manifests;

using System.Text.Json.Nodes;

/// <summary>
/// What the API server does to an object before accepting it, run on the JSON tree before typed reading:
/// name rules for every kind; for Gateway API kinds, structural defaulting and validation against the embedded
/// CRD schema plus hand-written equivalents of the important CEL rules (<see cref="GatewayApiRules"/>); for core
/// kinds, small hand validators (<see cref="CoreRules"/>). Each error names a field path.
/// </summary>
internal static class ManifestValidation
{
    /// <summary>Defaults <paramref name="json"/> in place and adds one error per violation.</summary>
    public static void Validate(string apiVersion, string kind, JsonObject json, List<(string Path, string Message)> errors)
    {
        CoreRules.ValidateMetadata(kind, json, errors);

        var schema = CrdSchemas.Find(apiVersion, kind);
        if (schema is null)
        {
            CoreRules.Validate(kind, json, errors);
            return;
        }

        // The status subresource ignores status on create, and Portcullis computes status itself; the CRD's
        // status defaults ("Waiting for controller") are therefore not applied either.
        json.Remove("status");

        SchemaValidator.ApplyDefaults(json, schema);
        json.Remove("status");
        var schemaErrors = new List<(string Path, string Message)>();
        SchemaValidator.Validate(json, schema, "", schemaErrors);
        errors.AddRange(schemaErrors);

        // The CEL rules assume a schema-valid object, as the API server's do.
        if (schemaErrors.Count == 0)
        {
            GatewayApiRules.Validate(kind, json, errors);
        }
    }
}
