namespace Portcullis.Cli.Echo;

using System.Globalization;

/// <summary>Go's time.ParseDuration ("250ms", "1.5s", "1m30s"), which echo-basic's ?delay= accepts.</summary>
internal static class GoDuration
{
    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", 0.01),
        ("us", 10),
        ("\u00b5s", 10),
        ("\u03bcs", 10),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = $"time: invalid duration \"{text}\"";
            return false;
        }

        double ticks = 0;
        while (!s.IsEmpty)
        {
            var numberEnd = 0;
            while (numberEnd < s.Length && (char.IsAsciiDigit(s[numberEnd]) || s[numberEnd] == '.'))
            {
                numberEnd++;
            }

            if (numberEnd == 0 || !double.TryParse(s[..numberEnd], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"time: invalid duration \"{text}\"";
                return false;
            }

            s = s[numberEnd..];
            var unitEnd = 0;
            while (unitEnd < s.Length && s[unitEnd] != '.' && !char.IsAsciiDigit(s[unitEnd]))
            {
                unitEnd++;
            }

            if (unitEnd == 0)
            {
                error = $"time: missing unit in duration \"{text}\"";
                return false;
            }

            var unit = s[..unitEnd].ToString();
            var found = Array.FindIndex(Units, u => u.Unit == unit);
            if (found < 0)
            {
                error = $"time: unknown unit \"{unit}\" in duration \"{text}\"";
                return false;
            }

            ticks += number * Units[found].Ticks;
            s = s[unitEnd..];
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            error = $"time: invalid duration \"{text}\"";
            return false;
        }

        duration = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }
}
