namespace Portcullis.Translation.Routing;

using System.Globalization;

/// <summary>
/// Gateway API Duration strings (GEP-2257): one to four "number unit" pairs, 1-5 digits each, units
/// h, m, s, ms, summed ("1h30m", "500ms", "0s"). Anything else is invalid.
/// </summary>
internal static class GatewayDuration
{
    public static bool TryParse(string value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var pairs = 0;
        var i = 0;
        while (i < value.Length)
        {
            var start = i;
            while (i < value.Length && char.IsAsciiDigit(value[i]))
            {
                i++;
            }

            var digits = i - start;
            if (digits is < 1 or > 5 || i == value.Length)
            {
                return false;
            }

            var number = long.Parse(value.AsSpan(start, digits), NumberStyles.None, CultureInfo.InvariantCulture);
            TimeSpan unit;
            if (value[i] == 'h')
            {
                unit = TimeSpan.FromHours(1);
                i++;
            }
            else if (value[i] == 'm' && i + 1 < value.Length && value[i + 1] == 's')
            {
                unit = TimeSpan.FromMilliseconds(1);
                i += 2;
            }
            else if (value[i] == 'm')
            {
                unit = TimeSpan.FromMinutes(1);
                i++;
            }
            else if (value[i] == 's')
            {
                unit = TimeSpan.FromSeconds(1);
                i++;
            }
            else
            {
                return false;
            }

            duration += unit * number;
            if (++pairs > 4)
            {
                return false;
            }
        }

        return pairs > 0;
    }
}
