namespace Sniffer.Fingerprinting;

/// <summary>
/// Metadata that re-reads both streams as they grow (the line-based protocols: FTP, SMTP, IMAP, POP3, IRC, XMPP,
/// SIP, RTSP, Redis, Git, rsync, Stratum) instead of keeping a parse position: the bytes seen so far are bounded by
/// the inspection window, and a re-read gives the same answer however the bytes were split.
/// </summary>
public interface IStreamParsedMetadata
{
    /// <summary>Parses what the client and server streams hold now; true when nothing more is wanted.</summary>
    bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server);
}

/// <summary>The <see cref="IFingerprinter.Extract"/> of every fingerprinter whose metadata is <see cref="IStreamParsedMetadata"/>.</summary>
public static class StreamExtract
{
    public static bool Into<TMetadata>(in InspectionContext context, ref ProtocolMetadata? metadata)
        where TMetadata : ProtocolMetadata, IStreamParsedMetadata, new()
    {
        var meta = metadata as TMetadata ?? new TMetadata();
        metadata = meta;
        return meta.Parse(context.Client, context.Server);
    }
}
