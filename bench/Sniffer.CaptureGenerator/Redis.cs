using System.Globalization;
using System.Text;

namespace Sniffer.CaptureGenerator;

/// <summary>
/// Redis RESP2: a few commands a client library sends first (AUTH, SELECT, CLIENT SETNAME, PING, INFO, SET) with
/// their replies ("+OK", "+PONG", INFO's bulk string from a real redis-server), then a bulk value read with GET
/// or written with pipelined SETs.
/// </summary>
internal static class Redis
{
    private static readonly string[] Versions = ["7.0.15", "7.2.4", "7.2.5", "6.2.14", "6.0.16", "7.4.1", "5.0.14"];

    public static Conversation Build(Rng r, int bulkLength, ushort port)
    {
        var c = new Conversation();
        bool any = false;
        if (r.Chance(0.4))
        {
            c.Client(r.Chance(0.7) ? Command("AUTH", r.Hex(12)) : Command("AUTH", r.Pick(Names.Words), r.Hex(12)));
            c.Server("+OK\r\n");
            any = true;
        }

        if (r.Chance(0.2))
        {
            c.Client(Command("CLIENT", "SETNAME", $"{r.Pick(Names.Words)}-{r.Next(1, 64)}"));
            c.Server("+OK\r\n");
        }

        if (r.Chance(0.3))
        {
            c.Client(Command("SELECT", r.Next(0, 16).ToString(CultureInfo.InvariantCulture)));
            c.Server("+OK\r\n");
            any = true;
        }

        if (r.Chance(0.3))
        {
            c.Client(Command("PING"));
            c.Server("+PONG\r\n");
        }

        if (r.Chance(0.35))
        {
            c.Client(r.Chance(0.5) ? Command("INFO") : Command("INFO", "server"));
            c.Server(Info(r, port));
            any = true;
        }

        if (!any)
        {
            c.Client(Command("SET", $"{r.Pick(Names.Words)}:{r.Next(1, 100_000)}", r.Label(r.Next(1, 60))));
            c.Server("+OK\r\n");
        }

        c.BulkFromClient = r.Chance(0.3);
        string key = $"{r.Pick(Names.Words)}:{r.Pick(Names.Words)}:{r.Next(1, 1_000_000)}";
        if (c.BulkFromClient)
        {
            c.Bulk = PipelinedSets(r, bulkLength);
        }
        else
        {
            c.Client(Command("GET", key));
            c.Bulk = BulkString(r, bulkLength);
        }

        c.ClientClosesFirst = r.Chance(0.9);
        return c;
    }

    private static byte[] Command(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (string a in args)
        {
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>INFO's reply from the recorded redis-server, with this flow's version, pid, run id, port and uptime.</summary>
    private static byte[] Info(Rng r, ushort port)
    {
        string template = Encoding.ASCII.GetString(Templates.RedisInfo);
        int start = template.IndexOf("\r\n", StringComparison.Ordinal) + 2;
        string text = template[start..^2];
        long uptime = (long)r.LogUniform(10, 40_000_000);
        var lines = text.Split("\r\n");
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i];
            int colon = l.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string value = l[..colon] switch
            {
                "redis_version" => r.Pick(Versions),
                "process_id" => r.Next(2, 4_000_000).ToString(CultureInfo.InvariantCulture),
                "run_id" => r.Hex(20),
                "tcp_port" => port.ToString(CultureInfo.InvariantCulture),
                "uptime_in_seconds" => uptime.ToString(CultureInfo.InvariantCulture),
                "uptime_in_days" => (uptime / 86400).ToString(CultureInfo.InvariantCulture),
                "hz" or "configured_hz" => "10",
                "lru_clock" => r.Next(0, 16_777_215).ToString(CultureInfo.InvariantCulture),
                _ => l[(colon + 1)..],
            };
            lines[i] = l[..(colon + 1)] + value;
        }

        string body = string.Join("\r\n", lines);
        return Encoding.ASCII.GetBytes($"${body.Length}\r\n{body}\r\n");
    }

    /// <summary>"$N\r\n" + N bytes + "\r\n", exactly <paramref name="length"/> bytes in all.</summary>
    private static byte[] BulkString(Rng r, int length)
    {
        int n = length - 5;
        while (1 + Digits(n) + 2 + n + 2 > length)
        {
            n--;
        }

        string head = $"${n}\r\n";
        var b = r.Chance(0.5) ? Filler.Text(r, "json", length, head + "{\"items\":[", "{}]}\r\n") : r.Bytes(length);
        Encoding.ASCII.GetBytes(head).CopyTo(b, 0);
        b[^2] = (byte)'\r';
        b[^1] = (byte)'\n';
        return b;
    }

    /// <summary>Pipelined SET commands filling exactly <paramref name="length"/> bytes (the last value sized to fit).</summary>
    private static byte[] PipelinedSets(Rng r, int length)
    {
        var ms = new MemoryStream(length);
        while (ms.Length < length)
        {
            string key = $"{r.Pick(Names.Words)}:{r.Next(1, 1_000_000)}";
            int remaining = length - (int)ms.Length;
            string head = $"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n";
            int overhead = head.Length + 1 + 2 + 2; // "$" N "\r\n" value "\r\n"
            int value = r.Next(64, 1200);
            if (remaining - (overhead + Digits(value) + value) < 64)
            {
                // last command: size the value to what is left
                value = remaining - overhead - 1;
                while (value > 0 && overhead + Digits(value) + value > remaining)
                {
                    value--;
                }

                if (value <= 0)
                {
                    ms.Write(r.Bytes(remaining)); // too little room for a command: trailing garbage, never hit in practice
                    break;
                }

                int pad = remaining - (overhead + Digits(value) + value);
                value += pad; // absorbs the rounding of Digits()
            }

            ms.Write(Encoding.ASCII.GetBytes(head + "$" + value.ToString(CultureInfo.InvariantCulture) + "\r\n"));
            var v = new byte[value];
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = (byte)('a' + r.Next(26));
            }

            ms.Write(v);
            ms.Write("\r\n"u8);
        }

        var result = ms.ToArray();
        return result.Length == length ? result : result[..length];
    }

    private static int Digits(int n) => n.ToString(CultureInfo.InvariantCulture).Length;
}
