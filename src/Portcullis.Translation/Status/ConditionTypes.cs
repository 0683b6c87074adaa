namespace Portcullis.Translation.Status;

/// <summary>Condition types of the Gateway API objects the translator reports on.</summary>
internal static class ConditionTypes
{
    public const string Accepted = "Accepted";
    public const string Programmed = "Programmed";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Conflicted = "Conflicted";

    /// <summary>Routes only: some rules were dropped as invalid while the rest are served.</summary>
    public const string PartiallyInvalid = "PartiallyInvalid";

    /// <summary>Gateways only, present (True) while spec.tls.frontend allows insecure fallback anywhere.</summary>
    public const string InsecureFrontendValidationMode = "InsecureFrontendValidationMode";
}

/// <summary>Condition status values.</summary>
internal static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
}
