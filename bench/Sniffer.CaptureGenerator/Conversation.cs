namespace Sniffer.CaptureGenerator;

/// <summary>What one TCP flow says: the protocol exchange, then the bulk transfer, then who closes first.</summary>
internal sealed class Conversation
{
    public List<(bool FromClient, byte[] Data)> Messages { get; } = [];

    public bool BulkFromClient { get; set; }

    /// <summary>Exactly as many bytes as the bulk segments carry.</summary>
    public byte[] Bulk { get; set; } = [];

    public bool ClientClosesFirst { get; set; } = true;

    public void Client(byte[] data) => Messages.Add((true, data));

    public void Server(byte[] data) => Messages.Add((false, data));

    public void Client(string text) => Client(System.Text.Encoding.ASCII.GetBytes(text));

    public void Server(string text) => Server(System.Text.Encoding.ASCII.GetBytes(text));
}

/// <summary>Fills a buffer with protocol-shaped text to an exact length.</summary>
internal static class Filler
{
    private static readonly Dictionary<string, byte[][]> Corpora = [];

    /// <summary>A fixed corpus of lines (built from a fixed seed: identical in every run).</summary>
    private static byte[][] Corpus(string kind)
    {
        lock (Corpora)
        {
            if (Corpora.TryGetValue(kind, out var lines))
            {
                return lines;
            }

            var r = new Rng(0x5EED_0000UL + (ulong)kind.Length);
            lines = new byte[512][];
            for (int i = 0; i < lines.Length; i++)
            {
                string text = kind switch
                {
                    "html" => $"<div class=\"{r.Pick(Names.Words)}\"><p>{Sentence(r)}</p><a href=\"/{r.Pick(Names.Words)}/{r.Next(1, 9999)}\">{r.Pick(Names.Words)}</a></div>\n",
                    "json" => $"{{\"id\":{r.Next(1, 1_000_000)},\"{r.Pick(Names.Words)}\":\"{Sentence(r)}\",\"{r.Pick(Names.Words)}\":{r.Next(0, 100000)}.{r.Next(0, 99):00},\"active\":{(r.Chance(0.5) ? "true" : "false")}}},",
                    _ => $"{Sentence(r)}.\n",
                };
                lines[i] = System.Text.Encoding.ASCII.GetBytes(text);
            }

            Corpora[kind] = lines;
            return lines;
        }
    }

    private static string Sentence(Rng r)
    {
        int n = r.Next(4, 14);
        var words = new string[n];
        for (int i = 0; i < n; i++)
        {
            words[i] = r.Pick(Names.Words);
        }

        return string.Join(' ', words);
    }

    /// <summary>prefix + corpus lines from a random start + padding + suffix, exactly <paramref name="length"/> bytes
    /// (just prefix and suffix, cut, when they alone are longer).</summary>
    public static byte[] Text(Rng r, string kind, int length, string prefix, string suffix, byte pad = (byte)' ')
    {
        var buffer = new byte[length];
        var head = System.Text.Encoding.ASCII.GetBytes(prefix);
        var tail = System.Text.Encoding.ASCII.GetBytes(suffix);
        int o = Math.Min(head.Length, length);
        head.AsSpan(0, o).CopyTo(buffer);
        int end = Math.Max(o, length - tail.Length);
        var lines = Corpus(kind);
        int i = r.Next(lines.Length);
        while (o + lines[i].Length <= end)
        {
            lines[i].CopyTo(buffer, o);
            o += lines[i].Length;
            i = (i + 1) % lines.Length;
        }

        buffer.AsSpan(o, end - o).Fill(pad);
        tail.AsSpan(0, length - end).CopyTo(buffer.AsSpan(end));
        return buffer;
    }
}
