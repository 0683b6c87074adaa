namespace Portcullis.Translation.Status;

/// <summary>GatewayClass condition reasons (GatewayClassConditionReason in the spec).</summary>
internal static class GatewayClassReasons
{
    public const string Accepted = "Accepted";
    public const string InvalidParameters = "InvalidParameters";
}

/// <summary>Gateway condition reasons (GatewayConditionReason in the spec).</summary>
internal static class GatewayReasons
{
    public const string Accepted = "Accepted";
    public const string ListenersNotValid = "ListenersNotValid";
    public const string InvalidParameters = "InvalidParameters";
    public const string UnsupportedAddress = "UnsupportedAddress";
    public const string Programmed = "Programmed";
    public const string Invalid = "Invalid";
    public const string AddressNotAssigned = "AddressNotAssigned";
    public const string ConfigurationChanged = "ConfigurationChanged";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string InvalidClientCertificateRef = "InvalidClientCertificateRef";
    public const string RefNotPermitted = "RefNotPermitted";
}

/// <summary>Listener condition reasons (ListenerConditionReason in the spec).</summary>
internal static class ListenerReasons
{
    public const string Accepted = "Accepted";
    public const string UnsupportedProtocol = "UnsupportedProtocol";
    public const string Programmed = "Programmed";
    public const string Invalid = "Invalid";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string InvalidCertificateRef = "InvalidCertificateRef";
    public const string InvalidRouteKinds = "InvalidRouteKinds";
    public const string RefNotPermitted = "RefNotPermitted";
    public const string NoConflicts = "NoConflicts";
    public const string ProtocolConflict = "ProtocolConflict";
    public const string HostnameConflict = "HostnameConflict";
    public const string NoValidCACertificate = "NoValidCACertificate";
    public const string InvalidCACertificateRef = "InvalidCACertificateRef";
    public const string InvalidCACertificateKind = "InvalidCACertificateKind";
}

/// <summary>Route condition reasons (RouteConditionReason in the spec).</summary>
internal static class RouteReasons
{
    public const string Accepted = "Accepted";
    public const string NotAllowedByListeners = "NotAllowedByListeners";
    public const string NoMatchingListenerHostname = "NoMatchingListenerHostname";
    public const string NoMatchingParent = "NoMatchingParent";
    public const string UnsupportedValue = "UnsupportedValue";
    public const string IncompatibleFilters = "IncompatibleFilters";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string RefNotPermitted = "RefNotPermitted";
    public const string InvalidKind = "InvalidKind";
    public const string BackendNotFound = "BackendNotFound";
    public const string UnsupportedProtocol = "UnsupportedProtocol";
}

/// <summary>ListenerSet condition reasons (ListenerSetConditionReason in the spec).</summary>
internal static class ListenerSetReasons
{
    public const string Accepted = "Accepted";
    public const string NotAllowed = "NotAllowed";
    public const string ParentNotAccepted = "ParentNotAccepted";
    public const string ListenersNotValid = "ListenersNotValid";
    public const string Programmed = "Programmed";
    public const string Invalid = "Invalid";
}

/// <summary>Policy condition reasons (PolicyConditionReason and BackendTLSPolicy's own in the spec).</summary>
internal static class PolicyReasons
{
    public const string Accepted = "Accepted";
    public const string Conflicted = "Conflicted";
    public const string NoValidCACertificate = "NoValidCACertificate";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string InvalidCACertificateRef = "InvalidCACertificateRef";
    public const string InvalidKind = "InvalidKind";
}
