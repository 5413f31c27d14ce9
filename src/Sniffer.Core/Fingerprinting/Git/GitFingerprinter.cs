using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Git;

/// <summary>
/// git:// smart protocol (git daemon): pkt-lines (four hex digits of length, then data). The client's first
/// pkt-line is "git-upload-pack /path\0host=example.com\0" (or receive-pack / upload-archive), optionally followed
/// by "\0version=2\0"; the server answers "version 2\n" or a ref advertisement "&lt;40 hex&gt; HEAD\0caps".
/// </summary>
public sealed class GitFingerprinter : IFingerprinter
{
    public static readonly GitFingerprinter Instance = new();

    /// <summary>Largest pkt-line (git's LARGE_PACKET_MAX).</summary>
    public const int MaxPktLength = 65520;

    public string Name => "git";

    internal static readonly byte[][] Services =
    [
        "git-upload-pack "u8.ToArray(), "git-receive-pack "u8.ToArray(), "git-upload-archive "u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A pkt-line's four hex digits on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        FirstBytes.Both(ByteSet.Range((byte)'0', (byte)'9').Union(ByteSet.Range((byte)'a', (byte)'f')).Union(ByteSet.Range((byte)'A', (byte)'F')));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "git.request_and_advertisement", "git.request", "git.advertisement");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<GitMetadata>(context, ref metadata);

    /// <summary>Pkt-line length at the start: -1 when fewer than 4 bytes, -2 when not hex or out of range.</summary>
    internal static int PktLength(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            foreach (byte b in data)
            {
                if (HexValue(b) < 0)
                {
                    return -2;
                }
            }

            return -1;
        }

        int len = 0;
        for (int i = 0; i < 4; i++)
        {
            int h = HexValue(data[i]);
            if (h < 0)
            {
                return -2;
            }

            len = (len << 4) | h;
        }

        return len is 0 or (>= 4 and <= MaxPktLength) ? len : -2;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> client, bool complete)
    {
        if (client.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        int len = PktLength(client);
        if (len == -2 || len is >= 0 and < 10)
        {
            return SideVerdict.No;
        }

        var body = len < 0 ? default : client[4..Math.Min(client.Length, len)];
        bool serviceOk = false;
        foreach (var s in Services)
        {
            if (body.Length >= s.Length ? body.StartsWith(s) : s.AsSpan().StartsWith(body))
            {
                serviceOk = true;
            }
        }

        if (!serviceOk)
        {
            return SideVerdict.No;
        }

        if (len < 0 || client.Length < len)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        // "service path\0host=...\0": a path, then a NUL.
        int nul = body.IndexOf((byte)0);
        int sp = body.IndexOf((byte)' ');
        return nul > sp + 1 && TextLine.IsText(body[..nul]) ? SideVerdict.Strong : SideVerdict.No;
    }

    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> server, bool complete)
    {
        if (server.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        int len = PktLength(server);
        if (len == -2)
        {
            return SideVerdict.No;
        }

        if (len < 0)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        if (len == 0)
        {
            return server.Length == 4 ? SideVerdict.Weak : SideVerdict.No; // an empty repository: flush only
        }

        var body = server[4..Math.Min(server.Length, len)];
        if (TextLine.CouldStartWith(body, "version "u8))
        {
            if (body.Length > 8)
            {
                return TextLine.IsDigit(body[8]) ? SideVerdict.Strong : SideVerdict.No;
            }

            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        if (TextLine.CouldStartWith(body, "err "u8) && body.Length <= 4 || body.StartsWith("ERR "u8))
        {
            return body.Length >= 4 ? SideVerdict.Weak : complete ? SideVerdict.No : SideVerdict.Pending;
        }

        // "<40 or 64 lowercase hex> <ref>\0capabilities"
        int hex = 0;
        while (hex < body.Length && body[hex] is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f'))
        {
            hex++;
        }

        if (hex < body.Length)
        {
            return (hex == 40 || hex == 64) && body[hex] == ' ' ? SideVerdict.Strong : SideVerdict.No;
        }

        if (hex > 64 || server.Length >= len)
        {
            return SideVerdict.No;
        }

        return complete ? SideVerdict.No : SideVerdict.Pending;
    }
}
