using System.Text.Json;

namespace Sniffer.Fingerprinting.Ssh;

/// <summary>One side of an SSH connection: its identification string and KEXINIT fingerprint.</summary>
public sealed class SshEndpoint
{
    /// <summary>Longest protocol version kept from the identification string.</summary>
    public const int MaxProtoVersionLength = 16;
    /// <summary>Longest algorithm string kept in the record.</summary>
    public const int MaxAlgorithmsLength = 2048;

    public string? ProtoVersion { get; private set; }
    public string? Software { get; private set; }
    public string? Comments { get; private set; }
    public string? Hassh { get; private set; }
    public string? HasshAlgorithms { get; private set; }
    private int _bannerEnd = -1;
    private bool _done;

    /// <summary>Parses what is new; true when the banner and KEXINIT are known (or cannot be).</summary>
    internal bool Update(ReadOnlySpan<byte> stream, bool allowPreamble, bool server)
    {
        if (_done)
        {
            return true;
        }

        if (_bannerEnd < 0)
        {
            var status = SshParser.TryParseBanner(stream, allowPreamble, out var banner);
            if (status == SshParseStatus.NeedMoreData)
            {
                return false;
            }

            if (status == SshParseStatus.Invalid)
            {
                return _done = true;
            }

            ProtoVersion = WireText.Decode(stream[banner.ProtoVersion], MaxProtoVersionLength);
            Software = WireText.Decode(stream[banner.Software], SshParser.MaxBannerLength);
            if (!banner.Comments.Equals(default(Range)))
            {
                Comments = WireText.Decode(stream[banner.Comments], SshParser.MaxBannerLength);
            }

            _bannerEnd = banner.End;
        }

        var kexStatus = SshParser.TryParseKexInit(stream, _bannerEnd, out var kex);
        if (kexStatus == SshParseStatus.NeedMoreData)
        {
            return false;
        }

        if (kexStatus == SshParseStatus.Done)
        {
            string algorithms = Ssh.Hassh.AlgorithmString(stream, kex, server);
            Hassh = Ssh.Hassh.Compute(algorithms);
            HasshAlgorithms = WireText.Truncate(algorithms, MaxAlgorithmsLength);
        }

        return _done = true;
    }

    internal void Write(Utf8JsonWriter w, ReadOnlySpan<byte> name)
    {
        if (ProtoVersion is null)
        {
            return;
        }

        w.WriteStartObject(name);
        w.WriteString("proto_version"u8, ProtoVersion);
        w.WriteString("software"u8, Software);
        if (Comments is not null)
        {
            w.WriteString("comments"u8, Comments);
        }

        if (Hassh is not null)
        {
            w.WriteString("hassh"u8, Hassh);
            w.WriteString("hassh_algorithms"u8, HasshAlgorithms);
        }

        w.WriteEndObject();
    }
}

/// <summary>SSH metadata: <c>sniffer.ssh.client.*</c> and <c>sniffer.ssh.server.*</c>; the product from the server's software version.</summary>
public sealed class SshMetadata : ProtocolMetadata
{
    public SshEndpoint Client { get; } = new();
    public SshEndpoint Server { get; } = new();

    internal void UpdateApplication()
    {
        if (ApplicationName is not null || Server.Software is null)
        {
            return;
        }

        // "OpenSSH_9.2p1", "dropbear_2022.83", "libssh_0.10.4", "Cisco-1.25": product, then version.
        string software = Server.Software;
        int sep = software.IndexOfAny(['_', '-']);
        if (sep > 0 && sep + 1 < software.Length && char.IsAsciiDigit(software[sep + 1]))
        {
            ApplicationName = software[..sep];
            ApplicationVersion = software[(sep + 1)..];
        }
        else
        {
            ApplicationName = software;
        }
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("ssh"u8);
        Client.Write(writer, "client"u8);
        Server.Write(writer, "server"u8);
        writer.WriteEndObject();
    }

    public override void CollectFingerprints(ICollection<string> fingerprints)
    {
        if (Client.Hassh is not null)
        {
            fingerprints.Add("hassh:" + Client.Hassh);
        }

        if (Server.Hassh is not null)
        {
            fingerprints.Add("hassh_server:" + Server.Hassh);
        }
    }
}
