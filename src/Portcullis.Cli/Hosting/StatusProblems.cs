namespace Portcullis.Cli.Hosting;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation;

/// <summary>Conditions in a status report that tell a user something is wrong, as one line each.</summary>
internal static class StatusProblems
{
    public static IEnumerable<string> From(StatusReport status)
    {
        foreach (var (key, s) in status.GatewayClasses.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            foreach (var c in Bad(s.Conditions))
            {
                yield return $"{key}: {Describe(c)}";
            }
        }

        foreach (var (key, s) in status.Gateways.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            foreach (var c in Bad(s.Conditions))
            {
                yield return $"{key}: {Describe(c)}";
            }

            foreach (var listener in s.Listeners)
            {
                foreach (var c in Bad(listener.Conditions))
                {
                    yield return $"{key} listener {listener.Name}: {Describe(c)}";
                }
            }
        }

        var routes = status.HttpRoutes.Select(p => (p.Key, p.Value.Parents))
            .Concat(status.GrpcRoutes.Select(p => (p.Key, p.Value.Parents)))
            .Concat(status.TlsRoutes.Select(p => (p.Key, p.Value.Parents)))
            .Concat(status.TcpRoutes.Select(p => (p.Key, p.Value.Parents)))
            .Concat(status.UdpRoutes.Select(p => (p.Key, p.Value.Parents)));
        foreach (var (key, parents) in routes.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            foreach (var parent in parents)
            {
                foreach (var c in Bad(parent.Conditions))
                {
                    var section = parent.ParentRef.SectionName is null ? "" : "/" + parent.ParentRef.SectionName;
                    yield return $"{key} parent {parent.ParentRef.Name}{section}: {Describe(c)}";
                }
            }
        }
    }

    // Conflicted is the one condition type whose True means trouble.
    private static IEnumerable<Condition> Bad(IEnumerable<Condition> conditions) =>
        conditions.Where(c => c.Type == "Conflicted" ? c.Status == "True" : c.Status == "False");

    private static string Describe(Condition c) => $"{c.Type}={c.Status} ({c.Reason}): {c.Message}";
}
