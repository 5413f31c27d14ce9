using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Git;

/// <summary>
/// git metadata: <c>sniffer.git.service</c> (git-upload-pack...), <c>.path</c>, <c>.host</c>,
/// <c>.protocol_version</c>; application from the server's "agent=git/2.39.5" capability.
/// </summary>
public sealed class GitMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary><c>git-upload-pack</c>, <c>git-receive-pack</c>, <c>git-upload-archive</c>.</summary>
    public const int MaxServiceLength = 32;
    /// <summary>The <c>version=</c> extra parameter.</summary>
    public const int MaxProtocolVersionLength = 8;
    /// <summary>Longest path / host kept.</summary>
    public const int MaxValueLength = 256;
    /// <summary>Server bytes searched for "agent=".</summary>
    public const int MaxAgentSearch = 4096;

    public string? Service { get; private set; }
    public string? Path { get; private set; }
    public string? Host { get; private set; }
    public string? ProtocolVersion { get; private set; }

    private bool _agentSearched;

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (Service is null && GitFingerprinter.ClientVerdict(client, true) == SideVerdict.Strong)
        {
            int len = GitFingerprinter.PktLength(client);
            var body = client[4..len];
            var service = TextLine.Word(body, out var rest);
            Service = WireText.Decode(service, MaxServiceLength);
            int nul = rest.IndexOf((byte)0);
            Path = WireText.Decode(rest[..nul], MaxValueLength);
            var extra = rest[(nul + 1)..];
            while (!extra.IsEmpty)
            {
                int end = extra.IndexOf((byte)0);
                var item = end < 0 ? extra : extra[..end];
                if (item.StartsWith("host="u8))
                {
                    Host = WireText.Decode(item[5..], MaxValueLength);
                }
                else if (item.StartsWith("version="u8))
                {
                    ProtocolVersion = WireText.Decode(item[8..], MaxProtocolVersionLength);
                }

                extra = end < 0 ? default : extra[(end + 1)..];
            }
        }

        if (!_agentSearched && server.Length > 4)
        {
            var window = server.Length > MaxAgentSearch ? server[..MaxAgentSearch] : server;
            int at = window.IndexOf("agent="u8);
            if (at >= 0)
            {
                var agent = window[(at + 6)..];
                int end = 0;
                while (end < agent.Length && agent[end] > 0x20 && agent[end] < 0x7F)
                {
                    end++;
                }

                if (HeaderBlock.TryProduct(agent[..end], out var name, out var version))
                {
                    ApplicationName = name;
                    ApplicationVersion = version;
                }

                _agentSearched = true;
            }
            else if (server.Length >= MaxAgentSearch)
            {
                _agentSearched = true;
            }
        }

        return Service is not null && _agentSearched;
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Git);
        if (Service is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Service, Service);
        }

        if (Path is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Path, Path);
        }

        if (Host is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Host, Host);
        }

        if (ProtocolVersion is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.ProtocolVersion, ProtocolVersion);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Git = JsonEncodedText.Encode("git");
    public static readonly JsonEncodedText Host = JsonEncodedText.Encode("host");
    public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    public static readonly JsonEncodedText ProtocolVersion = JsonEncodedText.Encode("protocol_version");
    public static readonly JsonEncodedText Service = JsonEncodedText.Encode("service");
}
