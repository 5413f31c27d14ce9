using Sniffer.Fingerprinting.Binary;

namespace Sniffer.Fingerprinting.Vnc;

/// <summary>
/// VNC / RFB (RFC 6143 7.1.1): both sides open with the 12-byte ProtocolVersion "RFB xxx.yyy\n" (three digits
/// each); the server speaks first, the client answers with the version it chose.
/// </summary>
public sealed class VncFingerprinter : IFingerprinter
{
    public static readonly VncFingerprinter Instance = new();

    /// <summary>Length of the ProtocolVersion message.</summary>
    public const int VersionLength = 12;

    public string Name => "vnc";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): "RFB " version on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of((byte)'R'));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? ProbeResult.NeedMore : ProbeVersion(context.Client);
        var server = context.Server.IsEmpty ? ProbeResult.NeedMore : ProbeVersion(context.Server);
        return ProbeCombiner.Combine(context, client, server);
    }

    internal static ProbeResult ProbeVersion(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> shape = "RFB 000.000\n"u8;
        int n = Math.Min(data.Length, VersionLength);
        for (int i = 0; i < n; i++)
        {
            bool ok = shape[i] == (byte)'0' ? data[i] is >= (byte)'0' and <= (byte)'9' : data[i] == shape[i];
            if (!ok)
            {
                return ProbeResult.NoMatch;
            }
        }

        return n < VersionLength ? ProbeResult.NeedMore : ProbeResult.Matched(Confidence.Medium, "vnc.protocol_version");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as VncMetadata ?? new VncMetadata();
        metadata = meta;
        return meta.Fill(context.Client, context.Server);
    }
}
