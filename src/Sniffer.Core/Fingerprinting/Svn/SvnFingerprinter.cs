using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Svn;

/// <summary>
/// Subversion svn:// protocol (ra_svn): the server greets "( success ( 2 2 ( ) ( edit-pipeline svndiff1 ... ) ) )",
/// the client answers "( 2 ( edit-pipeline svndiff1 ... ) 26:svn://host/repo 32:SVN/1.14.2 (...) ( ) )".
/// </summary>
public sealed class SvnFingerprinter : IFingerprinter
{
    public static readonly SvnFingerprinter Instance = new();

    /// <summary>Digits accepted in a protocol version number.</summary>
    public const int MaxVersionDigits = 3;
    /// <summary>Bytes looked at for the capability list word.</summary>
    public const int MaxGreetingSearch = 64;

    public string Name => "svn";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): An s-expression '(' on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of((byte)'('));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(ClientVerdict(context.Client, context.ClientComplete), ServerVerdict(context.Server, context.ServerComplete),
            "svn.greeting_and_response", "svn.client_response", "svn.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SvnMetadata ?? new SvnMetadata();
        metadata = meta;
        return meta.Parse(context.Client);
    }

    /// <summary>Server: "( success ( N N ( " ... "edit-pipeline".</summary>
    internal static SideVerdict ServerVerdict(ReadOnlySpan<byte> s, bool complete)
    {
        if (s.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        ReadOnlySpan<byte> head = "( success ( "u8;
        if (!TextLine.CouldStartWith(s, head) || !s.StartsWith(head[..Math.Min(head.Length, s.Length)]))
        {
            return SideVerdict.No;
        }

        if (s.Length <= head.Length)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        int i = head.Length;
        var r = Number(s, ref i);
        if (r != SideVerdict.Strong)
        {
            return r == SideVerdict.Pending && !complete ? SideVerdict.Pending : SideVerdict.No;
        }

        r = Number(s, ref i);
        if (r != SideVerdict.Strong)
        {
            return r == SideVerdict.Pending && !complete ? SideVerdict.Pending : SideVerdict.No;
        }

        return Capabilities(s, i, complete);
    }

    /// <summary>Client: "( N ( edit-pipeline".</summary>
    internal static SideVerdict ClientVerdict(ReadOnlySpan<byte> s, bool complete)
    {
        if (s.IsEmpty)
        {
            return TextLine.Undecided(complete);
        }

        if (s[0] != '(')
        {
            return SideVerdict.No;
        }

        if (s.Length < 2)
        {
            return complete ? SideVerdict.No : SideVerdict.Pending;
        }

        if (s[1] != ' ')
        {
            return SideVerdict.No;
        }

        int i = 2;
        var r = Number(s, ref i);
        if (r != SideVerdict.Strong)
        {
            return r == SideVerdict.Pending && !complete ? SideVerdict.Pending : SideVerdict.No;
        }

        return Capabilities(s, i, complete);
    }

    /// <summary>Digits then a space at <paramref name="i"/>.</summary>
    private static SideVerdict Number(ReadOnlySpan<byte> s, ref int i)
    {
        int start = i;
        while (i < s.Length && TextLine.IsDigit(s[i]) && i - start < MaxVersionDigits)
        {
            i++;
        }

        if (i >= s.Length)
        {
            return SideVerdict.Pending;
        }

        if (i == start || s[i] != ' ')
        {
            return SideVerdict.No;
        }

        i++;
        return SideVerdict.Strong;
    }

    /// <summary>After the version(s): "( " ... "edit-pipeline" within a few bytes (the server may list mechanisms first).</summary>
    private static SideVerdict Capabilities(ReadOnlySpan<byte> s, int i, bool complete)
    {
        var rest = s[i..];
        if (!TextLine.CouldStartWith(rest, "( "u8))
        {
            return SideVerdict.No;
        }

        var window = rest.Length > MaxGreetingSearch ? rest[..MaxGreetingSearch] : rest;
        if (window.IndexOf("edit-pipeline"u8) >= 0)
        {
            return SideVerdict.Strong;
        }

        foreach (byte b in window)
        {
            if (!(b is (byte)'(' or (byte)')' or (byte)' ' or (byte)'-' || TextLine.IsAlnum(b)))
            {
                return SideVerdict.No;
            }
        }

        return complete || rest.Length >= MaxGreetingSearch ? SideVerdict.No : SideVerdict.Pending;
    }
}
