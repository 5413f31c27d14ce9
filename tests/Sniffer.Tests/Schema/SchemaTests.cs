extern alias JsonSchemaNet;

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;
using Sniffer.Fingerprinting;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Schema;

/// <summary>
/// Every record sniffer writes validates against docs/schema.json (JSON Schema draft 2020-12, formats enforced):
/// the golden output, a fresh run of the published binary, and runs on every nDPI corpus capture. Our objects
/// are closed, so a field written but not in the schema (and so, by rule, not documented) fails here.
/// </summary>
public class SchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(SnifferBinary.RepoRoot, "docs", "schema.json"))));

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private static string Sample => Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap");

    /// <summary>The validation errors of one record, "" when it is valid.</summary>
    private static string Errors(JsonElement record)
    {
        var result = Schema.Value.Evaluate(record, Options);
        if (result.IsValid)
        {
            return "";
        }

        var sb = new StringBuilder();
        foreach (var d in (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }))
        {
            foreach (var (keyword, message) in d.Errors!)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{d.InstanceLocation} ({d.EvaluationPath} {keyword}): {message}; ");
            }
        }

        return sb.ToString();
    }

    internal static void AssertAllValid(IEnumerable<JsonElement> records, string what)
    {
        int n = 0;
        foreach (var r in records)
        {
            n++;
            string errors = Errors(r);
            Assert.True(errors.Length == 0, $"{what}, record {n}: {errors}\n{r.GetRawText()}");
        }

        Assert.True(n > 0, $"{what}: no records");
    }

    [Fact]
    public void GoldenOutputValidates()
    {
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.ndjson")));
        AssertAllValid(records, "samples/port3624.ndjson");
        Assert.Contains(records, r => r.Str("event.action") == "port_summary");
    }

    [SkippableFact]
    public void FreshRunOfThePublishedBinaryValidates()
    {
        var r = SnifferBinary.Run(["-r", Sample, "-q", "--stats", "1", "--sensor-name", "schema-test"]);
        Assert.Equal(0, r.ExitCode);
        var records = PipelineRunner.ParseLines(r.Stdout);
        AssertAllValid(records, "fresh run on samples/port3624.pcap");
        Assert.All(records, x => Assert.Equal("schema-test", x.Str("observer.name")));
        // Every record kind is there, so every kind's branch of the schema was exercised.
        Assert.Equal(["flow_end", "port_summary", "protocol_detected", "stats"], records.Select(x => x.Str("event.action")!).Distinct().Order());
    }

    [SkippableFact]
    public void EveryCorpusCaptureValidates()
    {
        string dir = Path.Combine(SnifferBinary.CorpusDir, "pcap");
        Skip.IfNot(Directory.Exists(dir), $"the nDPI corpus is not at {dir} (it lives in ../shared beside the checkout)");
        SnifferBinary.Binary();
        var protocols = new HashSet<string>();
        foreach (string file in Directory.GetFiles(dir).Order())
        {
            var r = SnifferBinary.Run(["-r", file, "-q", "--any-port", "--stats", "1"]);
            Assert.True(r.ExitCode == 0, $"{Path.GetFileName(file)}: exit {r.ExitCode}: {r.Stderr}");
            var records = PipelineRunner.ParseLines(r.Stdout);
            AssertAllValid(records, Path.GetFileName(file));
            protocols.UnionWith(records.Select(x => x.Str("network.protocol")).OfType<string>());
        }

        Assert.True(protocols.Count >= 20, $"only {protocols.Count} protocols seen in the corpus: {string.Join(", ", protocols)}");
    }

    [Fact]
    public void AnUndocumentedFieldOrAnUnknownValueFails()
    {
        var golden = PipelineRunner.ParseLines(File.ReadAllBytes(Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.ndjson")));
        var flowEnd = golden.First(r => r.Str("event.action") == "flow_end" && r.Str("network.protocol") == "tls");
        Assert.Equal("", Errors(flowEnd));

        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["sniffer"]!["undocumented"] = 1)));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["undocumented"] = "x")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["tls"]!["client"]!["undocumented"] = "x")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["network"]!["transport"] = "sctp")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["sniffer"]!["confidence"] = "certain")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["@timestamp"] = "yesterday")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["source"]!["ip"] = "300.1.2.3")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["source"]!["port"] = 70000)));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["tls"]!["client"]!["server_name"] = new string('a', 300))));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => n["event"]!["action"] = "flow_started")));
        Assert.NotEqual("", Errors(Mutate(flowEnd, n => ((JsonObject)n).Remove("network"))));
    }

    [Fact]
    public void NetworkProtocolEnumListsEveryFingerprinter()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SnifferBinary.RepoRoot, "docs", "schema.json")));
        var names = doc.RootElement.GetProperty("$defs").GetProperty("flow_record").GetProperty("properties").GetProperty("network")
            .GetProperty("properties").GetProperty("protocol").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        foreach (var registration in FingerprinterRegistry.All)
        {
            Assert.Contains(registration.Fingerprinter.Name, names);
        }

        Assert.Contains("unknown", names);
    }

    private static JsonElement Mutate(JsonElement record, Action<JsonNode> change)
    {
        var node = JsonNode.Parse(record.GetRawText())!;
        change(node);
        return JsonDocument.Parse(node.ToJsonString()).RootElement.Clone();
    }
}
