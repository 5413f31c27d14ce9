using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Stratum;

/// <summary>
/// Stratum metadata: <c>sniffer.stratum.method</c> (first client method), <c>.agent</c> (miner software: the
/// "agent" param of xmrig's login, or mining.subscribe's first param; also the application), <c>.worker</c>
/// (mining.authorize's first param, login's "login", eth_submitLogin's "worker"/first param).
/// </summary>
public sealed class StratumMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest value kept (a Monero wallet address plus ".worker" is ~110 characters, some pools add more).</summary>
    public const int MaxValueLength = 256;
    /// <summary>Client lines looked at.</summary>
    public const int MaxLines = 8;

    public string? Method { get; private set; }
    public string? Agent { get; private set; }
    public string? Worker { get; private set; }

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        int pos = 0;
        for (int n = 0; n < MaxLines && (Method is null || Agent is null || Worker is null) && TextLine.Next(client, ref pos, out var line); n++)
        {
            var method = JsonLite.StringValue(line, "\"method\""u8);
            if (method.IsEmpty)
            {
                continue;
            }

            Method ??= WireText.Decode(method, StratumFingerprinter.MaxMethodLength);
            if (method.SequenceEqual("mining.subscribe"u8))
            {
                SetAgent(JsonLite.FirstArrayString(line, "\"params\""u8));
            }
            else if (method.SequenceEqual("mining.authorize"u8) || method.SequenceEqual("eth_submitLogin"u8))
            {
                var worker = JsonLite.StringValue(line, "\"worker\""u8);
                SetWorker(worker.IsEmpty ? JsonLite.FirstArrayString(line, "\"params\""u8) : worker);
            }
            else if (method.SequenceEqual("login"u8))
            {
                SetAgent(JsonLite.StringValue(line, "\"agent\""u8));
                SetWorker(JsonLite.StringValue(line, "\"login\""u8));
            }
        }

        return Method is not null && Agent is not null && Worker is not null;
    }

    private void SetAgent(ReadOnlySpan<byte> agent)
    {
        if (Agent is not null || agent.IsEmpty)
        {
            return;
        }

        Agent = WireText.Decode(agent, MaxValueLength);
        // "xmrig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0", "xmr-stak-cpu/1.3.0-1.5.0", "EWBF 0.3.4b", "cgminer/4.10.0"
        var product = TextLine.Word(agent, out var rest);
        int slash = product.IndexOf((byte)'/');
        if (slash > 0)
        {
            ApplicationName = WireText.Decode(product[..slash], MaxValueLength);
            ApplicationVersion = WireText.Decode(product[(slash + 1)..], BannerProduct.MaxVersionLength);
        }
        else
        {
            ApplicationName = WireText.Decode(product, MaxValueLength);
            ApplicationVersion = BannerProduct.VersionAfter(rest);
        }
    }

    private void SetWorker(ReadOnlySpan<byte> worker)
    {
        if (Worker is null && !worker.IsEmpty)
        {
            Worker = WireText.Decode(worker, MaxValueLength);
        }
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Stratum);
        if (Method is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Method, Method);
        }

        if (Agent is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Agent, Agent);
        }

        if (Worker is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Worker, Worker);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Agent = JsonEncodedText.Encode("agent");
    public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    public static readonly JsonEncodedText Stratum = JsonEncodedText.Encode("stratum");
    public static readonly JsonEncodedText Worker = JsonEncodedText.Encode("worker");
}
