using System.Globalization;
using System.Text;
using Sniffer.Output;

namespace Sniffer.Cli;

/// <summary>
/// The end-of-run answer on stderr, for a person: per watched port, the protocols found with their flows and
/// bytes, the top servers and products, and what the unknown flows look like (guess, entropy, first bytes, shape
/// hash). Rendered from <see cref="PortSummary.Snapshot"/> — the data of the port_summary records, not recomputed.
/// </summary>
internal static class SummaryTable
{
    /// <summary>Servers, products and unknown shapes shown per protocol (the record lists up to 16).</summary>
    public const int TopServers = 3;
    public const int TopProducts = 3;
    public const int TopUnknownShapes = 5;
    /// <summary>Characters of an unknown flow's first bytes (escaped text) shown.</summary>
    public const int FirstBytesShown = 40;
    /// <summary>Ports shown (the ones with the most flows); --any-port may find hundreds.</summary>
    public const int TopPorts = 20;

    public static string Render(IReadOnlyList<PortView> ports)
    {
        var sb = new StringBuilder();
        if (ports.Count == 0)
        {
            return "sniffer: summary: no flow ended on a watched port\n";
        }

        var shown = ports.Count <= TopPorts ? ports : [.. ports.OrderByDescending(p => p.Flows).Take(TopPorts).OrderBy(p => p.Port)];
        foreach (var port in shown)
        {
            sb.Append(CultureInfo.InvariantCulture, $"sniffer: port {port.Port}");
            if (port.Registration is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $" (registered: {port.Registration})");
            }

            sb.Append(CultureInfo.InvariantCulture, $": {Flows(port.Flows)}, {Span(port.FirstNs, port.LastNs)}\n");
            int nameWidth = Math.Max(8, port.Protocols.Max(p => p.Name.Length) + 1);
            foreach (var p in port.Protocols)
            {
                sb.Append("  ").Append(p.Name.PadRight(nameWidth)).Append(Flows(p.Flows).PadLeft(12))
                  .Append(", ").Append(ProgressLine.Size(p.Bytes).PadLeft(10));
                if (p.Servers.Count > 0)
                {
                    sb.Append("; servers ").Append(Top(p.Servers, TopServers, p.Servers.Count));
                }

                if (p.Products.Count > 0)
                {
                    sb.Append("; products ").Append(Top(p.Products.Select(x => $"{x.Value} ({x.Flows})").ToList(), TopProducts, p.Products.Count));
                }

                if (p.Inner.Count > 0)
                {
                    sb.Append("; inside ").Append(Top(p.Inner.Select(x => $"{x.Value} ({x.Flows})").ToList(), TopProducts, p.Inner.Count));
                }

                sb.Append('\n');
                foreach (var u in p.UnknownShapes.Take(TopUnknownShapes))
                {
                    sb.Append("    ").Append(Flows(u.Flows)).Append(": ");
                    if (u.Example is { } e)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"{e.Guess}, entropy {e.Entropy:0.00}");
                        if (e.FirstBytesText is { } text)
                        {
                            sb.Append(", first bytes \"").Append(Cut(text, FirstBytesShown)).Append('"');
                        }

                        sb.Append("; shape ");
                    }

                    sb.Append(u.Shape).Append('\n');
                }

                if (p.UnknownShapes.Count > TopUnknownShapes)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"    (+{p.UnknownShapes.Count - TopUnknownShapes} more shapes)\n");
                }
            }
        }

        if (ports.Count > shown.Count)
        {
            var rest = ports.Except(shown).ToList();
            sb.Append(CultureInfo.InvariantCulture, $"sniffer: ... and {rest.Count} more ports with {Flows(rest.Sum(p => p.Flows))} (the port_summary records list them all)\n");
        }

        return sb.ToString();
    }

    private static string Flows(long n) => n == 1 ? "1 flow" : string.Create(CultureInfo.InvariantCulture, $"{n:#,0} flows");

    /// <summary>The first values; "(+N more)", or "(+N or more)" when the record's list was full (more were not kept).</summary>
    private static string Top(IReadOnlyList<string> values, int shown, int total) =>
        string.Join(", ", values.Take(shown)) + (total <= shown ? "" : total >= PortSummary.MaxListed
            ? string.Create(CultureInfo.InvariantCulture, $" (+{total - shown} or more)")
            : string.Create(CultureInfo.InvariantCulture, $" (+{total - shown} more)"));

    /// <summary>Cuts escaped text (<c>\xHH</c>, <c>\r</c>, <c>\\</c>…) at about <paramref name="max"/> characters, never inside an escape.</summary>
    public static string Cut(string escaped, int max)
    {
        if (escaped.Length <= max)
        {
            return escaped;
        }

        int i = 0;
        while (i < escaped.Length)
        {
            int width = escaped[i] != '\\' ? 1 : i + 1 < escaped.Length && escaped[i + 1] == 'x' ? 4 : 2;
            if (i + width > max)
            {
                break;
            }

            i += width;
        }

        return escaped[..i] + "...";
    }

    /// <summary>"2026-11-26 22:35:26 to 22:35:27 UTC" (the date again only when it changed).</summary>
    private static string Span(long firstNs, long lastNs)
    {
        var first = DateTime.UnixEpoch.AddTicks(Math.Clamp(firstNs / 100, 0, DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks));
        var last = DateTime.UnixEpoch.AddTicks(Math.Clamp(lastNs / 100, 0, DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks));
        string lastText = last.Date == first.Date ? last.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : last.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return $"{first.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} to {lastText} UTC";
    }
}
