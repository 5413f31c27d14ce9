namespace Sniffer.Fingerprinting.Ssh;

/// <summary>
/// SSH: the identification string of either side (the server may send text lines before it). Metadata: both
/// banners and, from the first binary packet of each side, the KEXINIT algorithm lists with HASSH/HASSHServer.
/// </summary>
public sealed class SshFingerprinter : IFingerprinter
{
    public static readonly SshFingerprinter Instance = new();

    public string Name => "ssh";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): alone, the client's identification string starts its stream
    /// ("SSH-"), and the server's starts with a text byte (it may send text lines before it). With both sides
    /// present nothing is excluded: either side's banner decides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = new(ByteSet.All, ByteSet.All, clientAlone: ByteSet.Of((byte)'S'), serverAlone: ByteSet.Range(0x20, 0x7E).Union(ByteSet.Of((byte)'\t', (byte)'\r', (byte)'\n')));

    public ProbeResult Probe(in InspectionContext context)
    {
        var client = context.Client.IsEmpty ? (SshParseStatus?)null : SshParser.TryParseBanner(context.Client, allowPreamble: false, out _);
        var server = context.Server.IsEmpty ? (SshParseStatus?)null : SshParser.TryParseBanner(context.Server, allowPreamble: true, out _);
        if (client == SshParseStatus.Done || server == SshParseStatus.Done)
        {
            return ProbeResult.Matched(Confidence.High, "ssh.banner");
        }

        if (client == SshParseStatus.Invalid || (client is null && server == SshParseStatus.Invalid))
        {
            return ProbeResult.NoMatch;
        }

        bool clientOpen = client == SshParseStatus.NeedMoreData ? !context.ClientComplete : client is null && !context.ClientComplete;
        bool serverOpen = server == SshParseStatus.NeedMoreData ? !context.ServerComplete : server is null && !context.ServerComplete;
        if (!clientOpen && !serverOpen)
        {
            // The window closed on a started banner: "SSH-2.0-" seen but no line end.
            bool started = context.Client.StartsWith("SSH-2.0-"u8) || context.Client.StartsWith("SSH-1."u8) ||
                           context.Server.StartsWith("SSH-2.0-"u8) || context.Server.StartsWith("SSH-1."u8);
            return started ? ProbeResult.Matched(Confidence.Medium, "ssh.banner") : ProbeResult.NoMatch;
        }

        return ProbeResult.NeedMore;
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as SshMetadata ?? new SshMetadata();
        metadata = meta;
        bool clientDone = meta.Client.Update(context.Client, allowPreamble: false, server: false) || context.ClientComplete;
        bool serverDone = meta.Server.Update(context.Server, allowPreamble: true, server: true) || context.ServerComplete;
        meta.UpdateApplication();
        return clientDone && serverDone;
    }
}
