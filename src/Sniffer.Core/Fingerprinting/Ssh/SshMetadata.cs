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

    internal void Write(ref Output.JsonRun w, JsonEncodedText name)
    {
        if (ProtoVersion is null)
        {
            return;
        }

        w.StartObject(name);
        w.String(JsonNames.ProtoVersion, ProtoVersion);
        w.String(JsonNames.Software, Software);
        if (Comments is not null)
        {
            w.String(JsonNames.Comments, Comments);
        }

        if (Hassh is not null)
        {
            w.String(JsonNames.Hassh, Hassh);
            w.String(JsonNames.HasshAlgorithms, HasshAlgorithms);
        }

        w.EndObject();
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
        var run = new Output.JsonRun(writer);
        run.StartObject(JsonNames.Ssh);
        Client.Write(ref run, JsonNames.Client);
        Server.Write(ref run, JsonNames.Server);
        run.EndObject();
        run.Flush();
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

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Client = JsonEncodedText.Encode("client");
    public static readonly JsonEncodedText Comments = JsonEncodedText.Encode("comments");
    public static readonly JsonEncodedText Hassh = JsonEncodedText.Encode("hassh");
    public static readonly JsonEncodedText HasshAlgorithms = JsonEncodedText.Encode("hassh_algorithms");
    public static readonly JsonEncodedText ProtoVersion = JsonEncodedText.Encode("proto_version");
    public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    public static readonly JsonEncodedText Software = JsonEncodedText.Encode("software");
    public static readonly JsonEncodedText Ssh = JsonEncodedText.Encode("ssh");
}
