namespace Portcullis.Translation.Sessions;

using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;
using Portcullis.Translation.Routing;

/// <summary>
/// Turns a sessionPersistence stanza (route rule, BackendLBPolicy or XBackendTrafficPolicy) into the IR's
/// <see cref="SessionConfig"/> for one rule, or says what is wrong with it.
/// </summary>
internal static class SessionSettings
{
    /// <returns>Null when the stanza is valid; otherwise why not, in the words of a status message.</returns>
    public static string? Validate(SessionPersistence session)
    {
        var type = session.Type ?? SessionPersistenceTypes.Cookie;
        if (type is not (SessionPersistenceTypes.Cookie or SessionPersistenceTypes.Header))
        {
            return $"sessionPersistence type {type} is not supported (Cookie or Header)";
        }

        if (session.CookieConfig is not null && type != SessionPersistenceTypes.Cookie)
        {
            return "sessionPersistence cookieConfig can only be set with type Cookie";
        }

        var lifetime = session.CookieConfig?.LifetimeType ?? CookieLifetimeTypes.Session;
        if (lifetime is not (CookieLifetimeTypes.Session or CookieLifetimeTypes.Permanent))
        {
            return $"sessionPersistence cookieConfig.lifetimeType {lifetime} is not supported (Session or Permanent)";
        }

        if (lifetime == CookieLifetimeTypes.Permanent && session.AbsoluteTimeout is null)
        {
            return "sessionPersistence absoluteTimeout must be specified when cookie lifetimeType is Permanent";
        }

        if (session.SessionName is { } name && !IsToken(name))
        {
            return $"sessionPersistence sessionName \"{name}\" is not a valid {type.ToLowerInvariant()} name (an HTTP token)";
        }

        return Duration(session.AbsoluteTimeout, "absoluteTimeout", out _) ?? Duration(session.IdleTimeout, "idleTimeout", out _);
    }

    /// <summary>The IR config of a stanza that <see cref="Validate"/> accepted.</summary>
    /// <param name="ruleKey">"Kind/namespace/route/rule/N", the session's scope.</param>
    public static SessionConfig ToConfig(SessionPersistence session, string ruleKey)
    {
        Duration(session.AbsoluteTimeout, "absoluteTimeout", out var absolute);
        Duration(session.IdleTimeout, "idleTimeout", out var idle);
        var type = session.Type == SessionPersistenceTypes.Header ? SessionType.Header : SessionType.Cookie;
        var name = string.IsNullOrEmpty(session.SessionName) ? GeneratedName(ruleKey) : session.SessionName;
        var permanent = type == SessionType.Cookie && session.CookieConfig?.LifetimeType == CookieLifetimeTypes.Permanent;
        return new SessionConfig(ruleKey, type, name, absolute, idle, permanent);
    }

    /// <summary>Stable across translations and unique per rule: a short hash of the rule's key.</summary>
    internal static string GeneratedName(string ruleKey) => ProvisionedNames.WithHash("portcullis-session", ruleKey, maxLength: 64);

    private static string? Duration(string? value, string field, out TimeSpan? duration)
    {
        duration = null;
        if (value is null)
        {
            return null;
        }

        if (!GatewayDuration.TryParse(value, out var d))
        {
            return $"sessionPersistence {field} \"{value}\" is not a Gateway API duration";
        }

        if (d <= TimeSpan.Zero)
        {
            return $"sessionPersistence {field} must be longer than 0s";
        }

        duration = d;
        return null;
    }

    /// <summary>RFC 9110 token: what both a cookie name and a header name must be.</summary>
    private static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
