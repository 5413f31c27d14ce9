using System.Numerics;

namespace Sniffer.Fingerprinting;

/// <summary>A set of byte values (256 bits), built once at start-up; lookups are one shift and mask.</summary>
public readonly struct ByteSet
{
    private readonly ulong _w0, _w1, _w2, _w3;

    private ByteSet(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
    }

    /// <summary>Every byte value.</summary>
    public static ByteSet All => new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    /// <summary>The given byte values.</summary>
    public static ByteSet Of(params ReadOnlySpan<byte> values)
    {
        var set = default(ByteSet);
        foreach (byte b in values)
        {
            set = set.With(b);
        }

        return set;
    }

    /// <summary>The values <paramref name="first"/>..<paramref name="last"/>, both included.</summary>
    public static ByteSet Range(byte first, byte last)
    {
        var set = default(ByteSet);
        for (int b = first; b <= last; b++)
        {
            set = set.With((byte)b);
        }

        return set;
    }

    /// <summary>The given ASCII letters in both cases (text protocols compare their verbs case-insensitively).</summary>
    public static ByteSet LettersAnyCase(ReadOnlySpan<byte> letters)
    {
        var set = default(ByteSet);
        foreach (byte b in letters)
        {
            set = Text.TextLine.IsAlpha(b) ? set.With((byte)(b | 0x20)).With((byte)(b & ~0x20)) : set.With(b);
        }

        return set;
    }

    public ByteSet With(byte value) => (value >> 6) switch
    {
        0 => new(_w0 | (1UL << value), _w1, _w2, _w3),
        1 => new(_w0, _w1 | (1UL << value), _w2, _w3),
        2 => new(_w0, _w1, _w2 | (1UL << value), _w3),
        _ => new(_w0, _w1, _w2, _w3 | (1UL << value)),
    };

    public ByteSet Union(ByteSet other) => new(_w0 | other._w0, _w1 | other._w1, _w2 | other._w2, _w3 | other._w3);

    public bool Contains(byte value) => (value >> 6) switch
    {
        0 => (_w0 & (1UL << value)) != 0,
        1 => (_w1 & (1UL << value)) != 0,
        2 => (_w2 & (1UL << value)) != 0,
        _ => (_w3 & (1UL << value)) != 0,
    };

    public int Count => BitOperations.PopCount(_w0) + BitOperations.PopCount(_w1) + BitOperations.PopCount(_w2) + BitOperations.PopCount(_w3);

    public bool IsAll => (_w0 & _w1 & _w2 & _w3) == ulong.MaxValue;
}

/// <summary>
/// Which first bytes a fingerprinter's <see cref="IFingerprinter.Probe"/> can possibly accept, per direction: the
/// detector's prefilter. A flow's first bytes rule out most protocols at once (a TLS ClientHello starts with 0x16,
/// an HTTP request with an upper-case letter), so about forty probes per flow that would all answer "no" are never
/// called. A declaration is a promise about <see cref="IFingerprinter.Probe"/> and must stay exactly as strict as it:
/// <list type="bullet">
/// <item><see cref="Client"/>: a non-empty client side whose first byte is outside it makes Probe answer NoMatch,
/// whatever the server side holds (empty or not), whatever the completeness/gap flags, on the transport it was
/// declared for (<see cref="IFingerprinter.AcceptedFirstBytes"/>); likewise <see cref="Server"/>.</item>
/// <item><see cref="ClientAlone"/>: the same, only while the server side is empty (protocols that accept any
/// client bytes once the server has answered, but not on their own); likewise <see cref="ServerAlone"/>.</item>
/// </list>
/// With <see cref="MinLength"/> 2 the sets bind only sides of two bytes or more (probes that cannot judge a lone
/// first byte and answer NeedMore for it).
/// A byte that is not excluded costs only a probe; a byte wrongly excluded changes answers — so when in doubt, leave
/// it in. <c>FirstBytesTests</c> checks every declaration against its Probe on generated inputs.
/// </summary>
public sealed class FirstBytes
{
    /// <summary>Largest <see cref="MinLength"/> the detector's tables support.</summary>
    public const int MaxMinLength = 2;

    public FirstBytes(ByteSet client, ByteSet server, ByteSet? clientAlone = null, ByteSet? serverAlone = null, int minLength = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minLength, MaxMinLength);
        MinLength = minLength;
        Client = client;
        Server = server;
        ClientAlone = clientAlone ?? client;
        ServerAlone = serverAlone ?? server;
    }

    /// <summary>No restriction: every probe is called (the default for a fingerprinter that declares nothing).</summary>
    public static readonly FirstBytes Any = new(ByteSet.All, ByteSet.All);

    /// <summary>The same first bytes on both sides (symmetric protocols, or request and reply with one framing).</summary>
    public static FirstBytes Both(ByteSet set, int minLength = 1) => new(set, set, minLength: minLength);

    /// <summary>The fewest bytes a side must hold for the sets to apply (1, or 2 for probes that wait on a lone byte).</summary>
    public int MinLength { get; }

    /// <summary>First bytes of a non-empty client side Probe can accept, whatever the server side holds.</summary>
    public ByteSet Client { get; }

    /// <summary>First bytes of a non-empty server side Probe can accept, whatever the client side holds.</summary>
    public ByteSet Server { get; }

    /// <summary>First bytes of a non-empty client side Probe can accept while the server side is empty.</summary>
    public ByteSet ClientAlone { get; }

    /// <summary>First bytes of a non-empty server side Probe can accept while the client side is empty.</summary>
    public ByteSet ServerAlone { get; }
}

/// <summary>
/// The prefilter tables of one registry: per transport and first-byte value, the 64-bit mask of fingerprinters
/// (registry index = bit) that may still match — one array lookup per non-empty side instead of a probe per candidate.
/// </summary>
internal sealed class FirstByteMasks
{
    // Offsets of the four 256-entry tables of one transport; UDP's follow TCP's.
    private const int Client = 0;
    private const int ClientAlone = 256;
    private const int Server = 512;
    private const int ServerAlone = 768;
    private const int UdpTables = 1024;

    private readonly ulong[] _masks = new ulong[2 * UdpTables];
    /// <summary>Per transport (TCP, UDP): the fingerprinters whose sets bind only sides of two bytes or more.</summary>
    private readonly ulong[] _loneByteExempt = new ulong[2];

    public FirstByteMasks(FingerprinterRegistration[] registry)
    {
        for (int i = 0; i < registry.Length; i++)
        {
            var tcp = registry[i].Fingerprinter.AcceptedFirstBytes(Transport.Tcp);
            var udp = registry[i].Fingerprinter.AcceptedFirstBytes(Transport.Udp);
            Add(tcp, 1UL << i, 0);
            Add(udp, 1UL << i, UdpTables);
            _loneByteExempt[0] |= tcp.MinLength > 1 ? 1UL << i : 0;
            _loneByteExempt[1] |= udp.MinLength > 1 ? 1UL << i : 0;
        }
    }

    private void Add(FirstBytes declared, ulong bit, int tables)
    {
        for (int b = 0; b < 256; b++)
        {
            // The "alone" sets narrow the general ones: a byte the general set excludes is excluded alone too.
            if (declared.Client.Contains((byte)b))
            {
                _masks[tables + Client + b] |= bit;
                if (declared.ClientAlone.Contains((byte)b))
                {
                    _masks[tables + ClientAlone + b] |= bit;
                }
            }

            if (declared.Server.Contains((byte)b))
            {
                _masks[tables + Server + b] |= bit;
                if (declared.ServerAlone.Contains((byte)b))
                {
                    _masks[tables + ServerAlone + b] |= bit;
                }
            }
        }
    }

    /// <summary>The fingerprinters whose Probe may answer something other than NoMatch for these first bytes.</summary>
    public ulong Allowed(in InspectionContext context)
    {
        var client = context.Client;
        var server = context.Server;
        bool udp = context.Transport == Transport.Udp;
        int tables = udp ? UdpTables : 0;
        ulong allowed = ulong.MaxValue;
        if (!client.IsEmpty)
        {
            allowed &= _masks[tables + (server.IsEmpty ? ClientAlone : Client) + client[0]]
                | (client.Length < FirstBytes.MaxMinLength ? _loneByteExempt[udp ? 1 : 0] : 0);
        }

        if (!server.IsEmpty)
        {
            allowed &= _masks[tables + (client.IsEmpty ? ServerAlone : Server) + server[0]]
                | (server.Length < FirstBytes.MaxMinLength ? _loneByteExempt[udp ? 1 : 0] : 0);
        }

        return allowed;
    }
}
