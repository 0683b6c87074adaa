using System.Globalization;
using System.Text.RegularExpressions;

namespace Portcullis.Kubernetes.TestServer.Storage;

/// <summary>
/// Kubernetes' version priority: GA before beta before alpha, higher numbers first (v2 &gt; v1 &gt; v1beta2 &gt; v1beta1 &gt; v1alpha1),
/// then anything else alphabetically. The first served version in this order is the group's preferred version.
/// </summary>
internal sealed partial class KubeVersionComparer : IComparer<string>
{
    public static KubeVersionComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        var (rx, mx, nx) = Rank(x ?? "");
        var (ry, my, ny) = Rank(y ?? "");
        if (rx != ry)
        {
            return rx.CompareTo(ry);
        }

        if (rx == 3)
        {
            return string.CompareOrdinal(x, y);
        }

        return mx != my ? my.CompareTo(mx) : ny.CompareTo(nx);
    }

    // Rank 0 GA, 1 beta, 2 alpha, 3 not a Kubernetes version.
    private static (int Rank, int Major, int Minor) Rank(string version)
    {
        var match = VersionPattern().Match(version);
        if (!match.Success)
        {
            return (3, 0, 0);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        var rank = match.Groups[2].Value switch
        {
            "" => 0,
            "beta" => 1,
            _ => 2,
        };
        return (rank, major, minor);
    }

    [GeneratedRegex("^v([0-9]+)(?:(alpha|beta)([0-9]+))?$")]
    private static partial Regex VersionPattern();
}
