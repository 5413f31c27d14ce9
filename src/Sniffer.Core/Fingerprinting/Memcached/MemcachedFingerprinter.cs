using System.Buffers.Binary;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Memcached;

/// <summary>
/// memcached text protocol ("get k", "set k 0 0 5", "stats", "version" / "VERSION 1.6.18", "STORED", "VALUE k 0 5")
/// and binary protocol (24-byte header, magic 0x80 request / 0x81 response). Over UDP each datagram starts with
/// an 8-byte frame header (request id, sequence, count, reserved 0).
/// </summary>
public sealed class MemcachedFingerprinter : IFingerprinter
{
    public static readonly MemcachedFingerprinter Instance = new();

    /// <summary>Binary protocol header size.</summary>
    public const int BinaryHeaderSize = 24;
    /// <summary>UDP frame header size.</summary>
    public const int UdpHeaderSize = 8;
    /// <summary>Largest binary body accepted (memcached's default item size limit is 1 MiB).</summary>
    public const uint MaxBodyLength = 64 * 1024 * 1024;
    /// <summary>Longest key (memcached's limit).</summary>
    public const int MaxKeyLength = 250;

    public string Name => "memcached";

    private static readonly byte[][] StorageCommands =
    [
        "set"u8.ToArray(), "add"u8.ToArray(), "replace"u8.ToArray(), "append"u8.ToArray(), "prepend"u8.ToArray(), "cas"u8.ToArray(),
    ];

    private static readonly byte[][] OtherCommands =
    [
        "get"u8.ToArray(), "gets"u8.ToArray(), "gat"u8.ToArray(), "gats"u8.ToArray(), "delete"u8.ToArray(), "incr"u8.ToArray(),
        "decr"u8.ToArray(), "touch"u8.ToArray(), "stats"u8.ToArray(), "version"u8.ToArray(), "flush_all"u8.ToArray(),
        "verbosity"u8.ToArray(), "mg"u8.ToArray(), "ms"u8.ToArray(), "md"u8.ToArray(), "mn"u8.ToArray(), "ma"u8.ToArray(),
        "me"u8.ToArray(), "lru_crawler"u8.ToArray(), "slabs"u8.ToArray(), "watch"u8.ToArray(), "quit"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): TCP: a lower-case command or the binary magic 0x80 from the client (a bare
    /// CR is an empty partial line, still undecided), an upper-case reply or 0x81 from the server. UDP starts with the
    /// frame header's request id: any byte.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => transport == Transport.Tcp ? AcceptedFirstTcp : AcceptedFirstUdp;

    private static readonly FirstBytes AcceptedFirstTcp =
        new(ByteSet.Of(0x80, (byte)'\r').Union(ByteSet.Of("acdfgilmpqrstvw"u8)), ByteSet.Of(0x81).Union(ByteSet.Of("VSNEDOTC"u8)));
    private static readonly FirstBytes AcceptedFirstUdp = FirstBytes.Any;

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = Payload(context.Client, context.Transport, out bool clientShort);
        var server = Payload(context.Server, context.Transport, out bool serverShort);
        var c = clientShort ? (context.ClientComplete ? SideVerdict.No : SideVerdict.Pending) : ClientVerdict(client, context.ClientComplete, out _);
        var s = serverShort ? (context.ServerComplete ? SideVerdict.No : SideVerdict.Pending) : ServerVerdict(server, context.ServerComplete, out _);
        if (context.Client.IsEmpty)
        {
            c = TextLine.Undecided(context.ClientComplete);
        }

        if (context.Server.IsEmpty)
        {
            s = TextLine.Undecided(context.ServerComplete);
        }

        return TextLine.Combine(c, s, "memcached.command_and_reply", "memcached.command", "memcached.reply");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as MemcachedMetadata ?? new MemcachedMetadata();
        metadata = meta;
        return meta.Parse(Payload(context.Client, context.Transport, out _), Payload(context.Server, context.Transport, out _));
    }

    /// <summary>Strips the UDP frame header; <paramref name="tooShort"/> when it is not all there or is wrong.</summary>
    internal static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> data, Transport transport, out bool tooShort)
    {
        tooShort = false;
        if (transport != Transport.Udp || data.IsEmpty)
        {
            return data;
        }

        if (data.Length < UdpHeaderSize + 1 || data[6] != 0 || data[7] != 0 || BinaryPrimitives.ReadUInt16BigEndian(data[4..]) == 0 ||
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]) >= BinaryPrimitives.ReadUInt16BigEndian(data[4..]))
        {
            tooShort = true;
            return default;
        }

        return data[UdpHeaderSize..];
    }

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete, out ReadOnlySpan<byte> command)
    {
        command = default;
        if (client.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        if (client[0] == 0x80)
        {
            return BinaryVerdict(client, complete, request: true);
        }

        var state = TextLine.First(client, out var line);
        switch (state)
        {
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                var w = TextLine.Word(line, out _);
                bool spaced = line.IndexOf((byte)' ') >= 0;
                foreach (var c in StorageCommands)
                {
                    if (spaced ? w.SequenceEqual(c) : c.AsSpan().StartsWith(w))
                    {
                        return SideVerdict.Pending;
                    }
                }

                foreach (var c in OtherCommands)
                {
                    if (spaced ? w.SequenceEqual(c) : c.AsSpan().StartsWith(w))
                    {
                        return SideVerdict.Pending;
                    }
                }

                return SideVerdict.No;
        }

        var verb = TextLine.Word(line, out var args);
        command = verb;
        foreach (var c in StorageCommands)
        {
            if (verb.SequenceEqual(c))
            {
                // <key> <flags> <exptime> <bytes> [cas] [noreply]
                int words = TextLine.CountWords(args);
                var key = TextLine.Word(args, out var numbers);
                return key.Length is > 0 and <= MaxKeyLength && words is >= 4 and <= 6 && NumbersLead(numbers, 3)
                    ? SideVerdict.Strong : SideVerdict.No;
            }
        }

        if (verb.SequenceEqual("version"u8) || verb.SequenceEqual("stats"u8) || verb.SequenceEqual("flush_all"u8))
        {
            return args.Length <= 64 ? SideVerdict.Strong : SideVerdict.No;
        }

        foreach (var c in OtherCommands)
        {
            if (verb.SequenceEqual(c))
            {
                var key = TextLine.Word(args, out _);
                return key.Length is > 0 and <= MaxKeyLength || c.Length > 3 ? SideVerdict.Weak : SideVerdict.No;
            }
        }

        return SideVerdict.No;
    }

    private static bool NumbersLead(ReadOnlySpan<byte> s, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var w = TextLine.Word(s, out s);
            if (w.IsEmpty)
            {
                return false;
            }

            foreach (byte b in w)
            {
                if (!TextLine.IsDigit(b) && b != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete, out ReadOnlySpan<byte> version)
    {
        version = default;
        if (server.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        if (server[0] == 0x81)
        {
            return BinaryVerdict(server, complete, request: false);
        }

        var state = TextLine.First(server, out var line);
        if (line.IsEmpty && state != TextLine.LineState.Empty)
        {
            return SideVerdict.No; // an empty first line (a bare CR or CR LF) starts none of these replies
        }

        switch (state)
        {
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                return TextLine.CouldStartWith(line, "version "u8) && line[0] == 'V' || line[0] == 'S' && (TextLine.CouldStartWith(line, "stat "u8) || TextLine.CouldStartWith(line, "stored"u8)) ||
                    line[0] is (byte)'E' or (byte)'N' or (byte)'D' or (byte)'C' || TextLine.CouldStartWith(line, "value "u8) && line[0] == 'V'
                    ? SideVerdict.Pending : SideVerdict.No;
        }

        var verb = TextLine.Word(line, out var args);
        if (verb.SequenceEqual("VERSION"u8))
        {
            version = args;
            return !args.IsEmpty && TextLine.IsDigit(args[0]) ? SideVerdict.Strong : SideVerdict.No;
        }

        if (verb.SequenceEqual("STAT"u8))
        {
            return TextLine.CountWords(args) >= 2 ? SideVerdict.Strong : SideVerdict.No;
        }

        if (verb.SequenceEqual("VALUE"u8))
        {
            var key = TextLine.Word(args, out var numbers);
            return key.Length is > 0 and <= MaxKeyLength && NumbersLead(numbers, 2) ? SideVerdict.Strong : SideVerdict.No;
        }

        if (args.IsEmpty && (line.SequenceEqual("STORED"u8) || line.SequenceEqual("NOT_STORED"u8) || line.SequenceEqual("EXISTS"u8) ||
            line.SequenceEqual("NOT_FOUND"u8) || line.SequenceEqual("DELETED"u8) || line.SequenceEqual("END"u8) ||
            line.SequenceEqual("ERROR"u8) || line.SequenceEqual("OK"u8) || line.SequenceEqual("TOUCHED"u8)))
        {
            return SideVerdict.Weak;
        }

        return verb.SequenceEqual("CLIENT_ERROR"u8) || verb.SequenceEqual("SERVER_ERROR"u8) ? SideVerdict.Weak : SideVerdict.No;
    }

    /// <summary>Validates a binary-protocol header (request 0x80 or response 0x81).</summary>
    internal static SideVerdict BinaryVerdict(ReadOnlySpan<byte> data, bool complete, bool request)
    {
        if (data.Length < BinaryHeaderSize)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        byte opcode = data[1];
        ushort keyLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        byte extrasLength = data[4];
        byte dataType = data[5];
        ushort statusOrVbucket = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        uint bodyLength = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        if (dataType != 0 || bodyLength > MaxBodyLength || keyLength + extrasLength > bodyLength || keyLength > MaxKeyLength || !IsOpcode(opcode))
        {
            return SideVerdict.No;
        }

        if (!request && !(statusOrVbucket <= 0x08 || statusOrVbucket is 0x20 or 0x21 or 0x22 or 0x23 or 0x24 or 0x81 or 0x82 or 0x83 or 0x84 or 0x85 or 0x86))
        {
            return SideVerdict.No;
        }

        return SideVerdict.Strong;
    }

    /// <summary>Opcodes of the binary protocol (0x00-0x1c, SASL 0x20-0x22, range/tap 0x30-0x48 omitted).</summary>
    private static bool IsOpcode(byte op) => op <= 0x1c || op is 0x20 or 0x21 or 0x22 or 0x23 or 0x24 or 0x25 or 0x26;
}
