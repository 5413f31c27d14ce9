using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Rsync;

/// <summary>
/// rsync daemon protocol: both sides open with "@RSYNCD: &lt;major&gt;.&lt;minor&gt;[ digests...]\n"; then the client
/// names a module (or "#list").
/// </summary>
public sealed class RsyncFingerprinter : IFingerprinter
{
    public static readonly RsyncFingerprinter Instance = new();

    /// <summary>Longest version token kept.</summary>
    public const int MaxVersionLength = 16;

    public string Name => "rsync";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): "@RSYNCD: " on both sides (a bare CR is an empty partial line, still
    /// undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of((byte)'@', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(Verdict(context.Client, context.ClientComplete), Verdict(context.Server, context.ServerComplete),
            "rsync.greetings", "rsync.greeting", "rsync.greeting");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<RsyncMetadata>(context, ref metadata);

    private static SideVerdict Verdict(ReadOnlySpan<byte> data, bool complete)
    {
        var state = TextLine.First(data, out var line);
        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                if (!TextLine.CouldStartWith(line, "@rsyncd: "u8) || !line.StartsWith("@RSYNCD: "u8[..Math.Min(9, line.Length)]))
                {
                    return SideVerdict.No;
                }

                return line.Length <= 9 || TextLine.IsDigit(line[9]) ? SideVerdict.Pending : SideVerdict.No;
        }

        return Version(line).IsEmpty ? SideVerdict.No : SideVerdict.Strong;
    }

    /// <summary>"31.0" from "@RSYNCD: 31.0 sha512 ...", or empty when the line is not a greeting.</summary>
    internal static ReadOnlySpan<byte> Version(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("@RSYNCD: "u8))
        {
            return default;
        }

        var v = TextLine.Word(line[9..], out _);
        int dot = v.IndexOf((byte)'.');
        if (v.IsEmpty || v.Length > MaxVersionLength || !TextLine.IsDigit(v[0]))
        {
            return default;
        }

        foreach (byte b in v)
        {
            if (!TextLine.IsDigit(b) && b != '.')
            {
                return default;
            }
        }

        return dot == 0 ? default : v;
    }
}
