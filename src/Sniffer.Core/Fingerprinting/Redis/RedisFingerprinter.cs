using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Redis;

/// <summary>
/// Redis RESP2/RESP3: the client sends an array of bulk strings ("*1\r\n$4\r\nPING\r\n") whose first element is a
/// command name, or an inline command ("PING\r\n"); the server answers "+PONG", "+OK", "-ERR ...", ":1", "$n",
/// "*n", "%n" (RESP3 map, e.g. the HELLO reply). The server never speaks first.
/// </summary>
public sealed class RedisFingerprinter : IFingerprinter
{
    public static readonly RedisFingerprinter Instance = new();

    /// <summary>Largest array element count accepted in a client command.</summary>
    public const int MaxArgs = 1024 * 1024;
    /// <summary>Longest command name accepted.</summary>
    public const int MaxCommandLength = 32;
    /// <summary>Longest "*n" / "$n" header line (sign, digits).</summary>
    public const int MaxHeaderDigits = 10;

    public string Name => "redis";

    /// <summary>Commands clients commonly open with (lowercase).</summary>
    private static readonly byte[][] Commands =
    [
        "ping"u8.ToArray(), "auth"u8.ToArray(), "hello"u8.ToArray(), "info"u8.ToArray(), "get"u8.ToArray(), "set"u8.ToArray(),
        "config"u8.ToArray(), "client"u8.ToArray(), "command"u8.ToArray(), "select"u8.ToArray(), "keys"u8.ToArray(),
        "scan"u8.ToArray(), "del"u8.ToArray(), "exists"u8.ToArray(), "expire"u8.ToArray(), "incr"u8.ToArray(),
        "hget"u8.ToArray(), "hset"u8.ToArray(), "hgetall"u8.ToArray(), "lpush"u8.ToArray(), "rpush"u8.ToArray(),
        "lpop"u8.ToArray(), "rpop"u8.ToArray(), "blpop"u8.ToArray(), "brpop"u8.ToArray(), "sadd"u8.ToArray(),
        "smembers"u8.ToArray(), "zadd"u8.ToArray(), "zrange"u8.ToArray(), "publish"u8.ToArray(), "subscribe"u8.ToArray(),
        "psubscribe"u8.ToArray(), "multi"u8.ToArray(), "exec"u8.ToArray(), "eval"u8.ToArray(), "evalsha"u8.ToArray(),
        "script"u8.ToArray(), "dbsize"u8.ToArray(), "flushall"u8.ToArray(), "flushdb"u8.ToArray(), "monitor"u8.ToArray(),
        "quit"u8.ToArray(), "mget"u8.ToArray(), "mset"u8.ToArray(), "setex"u8.ToArray(), "xadd"u8.ToArray(),
        "xread"u8.ToArray(), "type"u8.ToArray(), "ttl"u8.ToArray(), "replconf"u8.ToArray(), "psync"u8.ToArray(),
        "sync"u8.ToArray(), "slaveof"u8.ToArray(), "replicaof"u8.ToArray(), "cluster"u8.ToArray(), "readonly"u8.ToArray(),
        "echo"u8.ToArray(), "time"u8.ToArray(), "module"u8.ToArray(), "acl"u8.ToArray(), "memory"u8.ToArray(),
    ];

    /// <summary>Inline commands (telnet style) that no other text protocol opens with.</summary>
    private static readonly byte[][] InlineCommands =
    [
        "ping"u8.ToArray(), "info"u8.ToArray(), "hello"u8.ToArray(), "config"u8.ToArray(), "client"u8.ToArray(),
        "command"u8.ToArray(), "dbsize"u8.ToArray(), "keys"u8.ToArray(), "monitor"u8.ToArray(), "flushall"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A RESP array or an inline command from the client (a bare CR or a leading
    /// space is an empty partial word, still undecided); a RESP type byte from the server.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        new(ByteSet.LettersAnyCase("pihcdkmf"u8).With((byte)'*').With((byte)' ').With((byte)'\r'), ByteSet.Of((byte)'+', (byte)'-', (byte)':', (byte)'$', (byte)'*', (byte)'%', (byte)'_'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete, out _), ServerVerdict(context.Server, context.ServerComplete),
            "redis.command_and_reply", "redis.command", "redis.reply");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<RedisMetadata>(context, ref metadata);

    /// <summary>Reads "&lt;prefix&gt;&lt;int&gt;\r\n" at <paramref name="pos"/>; -1 incomplete, -2 invalid.</summary>
    internal static long ReadHeader(ReadOnlySpan<byte> s, ref int pos, byte prefix)
    {
        if (pos >= s.Length)
        {
            return -1;
        }

        if (s[pos] != prefix)
        {
            return -2;
        }

        long value = 0;
        int i = pos + 1;
        bool negative = i < s.Length && s[i] == '-';
        if (negative)
        {
            i++;
        }

        int digits = 0;
        for (; i < s.Length && TextLine.IsDigit(s[i]); i++)
        {
            if (++digits > MaxHeaderDigits)
            {
                return -2;
            }

            value = (value * 10) + (s[i] - '0');
        }

        if (i >= s.Length)
        {
            return -1;
        }

        if (digits == 0 || s[i] != '\r')
        {
            return -2;
        }

        if (i + 1 >= s.Length)
        {
            return -1;
        }

        if (s[i + 1] != '\n')
        {
            return -2;
        }

        pos = i + 2;
        return negative ? (value == 1 ? -3 : -2) : value; // "-1" is a null bulk/array: -3
    }

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete, out ReadOnlySpan<byte> command)
    {
        command = default;
        if (client.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        if (client[0] == '*')
        {
            int pos = 0;
            long n = ReadHeader(client, ref pos, (byte)'*');
            if (n == -1)
            {
                return complete ? SideVerdict.No : SideVerdict.Pending;
            }

            if (n < 1 || n > MaxArgs)
            {
                return SideVerdict.No;
            }

            long len = ReadHeader(client, ref pos, (byte)'$');
            if (len == -1)
            {
                return complete ? SideVerdict.No : SideVerdict.Pending;
            }

            if (len < 1 || len > MaxCommandLength)
            {
                return SideVerdict.No;
            }

            int available = Math.Min(client.Length - pos, (int)len);
            var name = client.Slice(pos, available);
            foreach (byte b in name)
            {
                if (!(TextLine.IsAlpha(b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'|' or (byte)':'))
                {
                    return SideVerdict.No;
                }
            }

            if (client.Length < pos + len + 2)
            {
                return complete ? SideVerdict.No : SideVerdict.Pending;
            }

            if (client[pos + (int)len] != '\r' || client[pos + (int)len + 1] != '\n')
            {
                return SideVerdict.No;
            }

            command = name;
            return InList(name, Commands) ? SideVerdict.Strong : SideVerdict.Weak;
        }

        var state = TextLine.First(client, out var line);
        switch (state)
        {
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                var partialWord = TextLine.Word(line, out _);
                foreach (var c in InlineCommands)
                {
                    if (partialWord.Length <= c.Length && TextLine.CouldStartWith(partialWord, c))
                    {
                        return SideVerdict.Pending;
                    }
                }

                return line.IndexOf((byte)' ') >= 0 && InList(partialWord, InlineCommands) ? SideVerdict.Pending : SideVerdict.No;
        }

        var word = TextLine.Word(line, out _);
        if (InList(word, InlineCommands))
        {
            command = word;
            return SideVerdict.Weak;
        }

        return SideVerdict.No;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (server.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        var state = TextLine.First(server, out var line);
        if (line.IsEmpty && state != TextLine.LineState.Empty)
        {
            return SideVerdict.No; // an empty first line (a bare CR or CR LF) starts none of these replies
        }

        if (state == TextLine.LineState.Invalid)
        {
            return SideVerdict.No;
        }

        if (state == TextLine.LineState.Partial && !complete)
        {
            return line[0] is (byte)'+' or (byte)'-' or (byte)':' or (byte)'$' or (byte)'*' or (byte)'%' or (byte)'_' ? SideVerdict.Pending : SideVerdict.No;
        }

        if (state == TextLine.LineState.Partial || server.Length < line.Length + 2 || server[line.Length] != '\r')
        {
            return SideVerdict.No; // RESP lines end in CR LF
        }

        var body = line[1..];
        switch (line[0])
        {
            case (byte)'+':
                if (body.SequenceEqual("PONG"u8))
                {
                    return SideVerdict.Strong;
                }

                return body.SequenceEqual("OK"u8) || body.SequenceEqual("QUEUED"u8) ? SideVerdict.Weak : SideVerdict.No;
            case (byte)'-':
                return body.StartsWith("ERR "u8) || body.StartsWith("NOAUTH "u8) || body.StartsWith("WRONGPASS "u8) ||
                    body.StartsWith("WRONGTYPE "u8) || body.StartsWith("NOPERM "u8) || body.StartsWith("DENIED "u8) ||
                    body.StartsWith("LOADING "u8) || body.StartsWith("MOVED "u8) || body.StartsWith("NOPROTO "u8)
                    ? SideVerdict.Strong : SideVerdict.No;
            case (byte)':':
            case (byte)'$':
            case (byte)'*':
            case (byte)'%':
                int pos = 0;
                long n = ReadHeader(server, ref pos, line[0]);
                if (n == -2)
                {
                    return SideVerdict.No;
                }

                if (line[0] == '$' && n >= 0)
                {
                    var bulk = server[pos..];
                    return bulk.StartsWith("# Server"u8) || TextLine.ContainsIgnoreCase(bulk[..Math.Min(bulk.Length, 256)], "redis_version:"u8)
                        ? SideVerdict.Strong : SideVerdict.Weak;
                }

                if (line[0] == '%' && pos < server.Length)
                {
                    return server[pos..].StartsWith("$6\r\nserver\r\n"u8) ? SideVerdict.Strong : SideVerdict.Weak;
                }

                if (line[0] == '*' && pos < server.Length)
                {
                    return server[pos] is (byte)'*' or (byte)'$' or (byte)':' or (byte)'+' or (byte)'-' or (byte)'%' ? SideVerdict.Weak : SideVerdict.No;
                }

                return SideVerdict.Weak;
            default:
                return SideVerdict.No;
        }
    }

    private static bool InList(ReadOnlySpan<byte> word, byte[][] list)
    {
        foreach (var c in list)
        {
            if (TextLine.EqualsIgnoreCase(word, c))
            {
                return true;
            }
        }

        return false;
    }
}
