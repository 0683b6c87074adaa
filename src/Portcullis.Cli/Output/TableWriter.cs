namespace Portcullis.Cli.Output;

using System.Text;

/// <summary>
/// Aligns columns as kubectl does (Go tabwriter with minwidth 6, padding 3): every column but the last is
/// padded to max(widest cell + 3, 6); the last is not padded, so lines carry no trailing spaces.
/// </summary>
internal static class TableWriter
{
    public static string Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        var widths = new int[headers.Count];
        for (var c = 0; c < headers.Count; c++)
        {
            var max = headers[c].Length;
            foreach (var row in rows)
            {
                max = Math.Max(max, c < row.Count ? row[c].Length : 0);
            }

            widths[c] = Math.Max(max + 3, 6);
        }

        var sb = new StringBuilder();
        Line(sb, headers, widths);
        foreach (var row in rows)
        {
            Line(sb, row, widths);
        }

        return sb.ToString();
    }

    private static void Line(StringBuilder sb, IReadOnlyList<string> cells, int[] widths)
    {
        for (var c = 0; c < widths.Length; c++)
        {
            var cell = c < cells.Count ? cells[c] : "";
            if (c == widths.Length - 1)
            {
                sb.Append(cell);
            }
            else
            {
                sb.Append(cell.PadRight(widths[c]));
            }
        }

        sb.Append('\n');
    }
}
