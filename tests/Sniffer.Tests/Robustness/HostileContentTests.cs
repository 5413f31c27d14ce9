using System.Text.Json;
using Sniffer.Capture;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Hostile strings in every protocol's fields, through the whole pipeline (and the published binary): every line
/// is one JSON object with no raw control character or line separator, and every string field stays within the
/// limit docs/schema.md gives it, a cut value marked with "…" and the flow with <c>field_truncated</c>.
/// </summary>
public class HostileContentTests
{
    private static (List<JsonElement> Records, List<HostileContent.Case> Cases, byte[] Output) Run(bool huge, bool controls)
    {
        HostileContent.Controls = controls;
        var cases = HostileContent.Cases(huge);
        var output = new MemoryStream();
        using var source = new CaptureFileReader("hostile.pcap", new MemoryStream(HostileContent.Capture(cases)));
        // Megabyte values need a window that holds them: 4 MiB per direction.
        var options = new SnifferOptions { Inspection = new() { MaxBytesPerDirection = huge ? 4 << 20 : 8192 } };
        var result = SnifferPipeline.Run(source, options, output, "memory", null, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        var bytes = output.ToArray();
        var records = HostileContent.AssertSafe(bytes, HostileContent.DocumentedLimits());
        Assert.Equal(cases.Count, records.Action("flow_end").Count());
        return (records, cases, bytes);
    }

    private static JsonElement FlowEnd(List<JsonElement> records, int index) =>
        records.Action("flow_end").Single(r => r.Str("source.port") == (40000 + index).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The string values at a dotted path; arrays anywhere on it are walked (<c>dns.answers[].data</c>).</summary>
    private static List<string> Strings(JsonElement record, string path)
    {
        var found = new List<string>();
        Collect(record, "", path.Replace("[]", "", StringComparison.Ordinal), found);
        return found;
    }

    private static void Collect(JsonElement e, string at, string wanted, List<string> found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    string next = at.Length == 0 ? p.Name : $"{at}.{p.Name}";
                    if (wanted == next || wanted.StartsWith(next + ".", StringComparison.Ordinal))
                    {
                        Collect(p.Value, next, wanted, found);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Collect(item, at, wanted, found);
                }

                break;
            case JsonValueKind.String when at == wanted:
                found.Add(e.GetString()!);
                break;
        }
    }

    [Fact]
    public void ValuesOverTheirLimitAreExtractedCutAndMarked()
    {
        var (records, cases, _) = Run(huge: false, controls: false);
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var end = FlowEnd(records, i);
            Assert.True(c.Protocol == end.Str("network.protocol"), $"case {c.Protocol} was identified as {end.Str("network.protocol")}");
            foreach (var field in c.Fields)
            {
                Assert.True(Strings(end, field).Count > 0, $"{c.Protocol}: {field} missing");
            }

            bool cut = c.Fields.SelectMany(f => Strings(end, f)).Any(v => v.EndsWith('\u2026'));
            bool flagged = Strings(end, "sniffer.anomalies").Contains("field_truncated");
            Assert.True(cut == flagged, $"{c.Protocol}: a value cut ({cut}) must flag field_truncated ({flagged})");
        }

        // Most cases carry values longer than their limits.
        Assert.True(records.Action("flow_end").Count(r => Strings(r, "sniffer.anomalies").Contains("field_truncated")) >= cases.Count * 3 / 4);
    }

    [Fact]
    public void ControlCharactersNulsAndBrokenUtf8AreEscapedNeverRaw()
    {
        var (records, cases, _) = Run(huge: false, controls: true);
        var values = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            var end = FlowEnd(records, i);
            values.AddRange(cases[i].Fields.SelectMany(f => Strings(end, f)));
        }

        // The hostile characters reached the values (binary protocols take them) and still left no raw byte.
        Assert.Contains(values, v => v.Contains('\0', StringComparison.Ordinal));
        Assert.Contains(values, v => v.Contains('\u001b', StringComparison.Ordinal));
        Assert.Contains(values, v => v.Contains('\u2028', StringComparison.Ordinal));
        Assert.Contains(values, v => v.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Any(char.IsSurrogate) && !IsWellFormedUtf16(v));
    }

    private static bool IsWellFormedUtf16(string v)
    {
        for (int i = 0; i < v.Length; i++)
        {
            if (char.IsHighSurrogate(v[i]) && (i + 1 >= v.Length || !char.IsLowSurrogate(v[++i])))
            {
                return false;
            }

            if (char.IsLowSurrogate(v[i]) && (i == 0 || !char.IsHighSurrogate(v[i - 1])))
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MegabyteValuesNeverBreakALine(bool controls)
    {
        var (records, _, output) = Run(huge: true, controls);
        Assert.All(records, r => Assert.True(r.GetRawText().Length < 64 * 1024, "a record stays bounded whatever the wire sends"));
        Assert.True(output.Length < records.Count * 64 * 1024);
    }

    [SkippableFact]
    public void TheBinaryWritesTheSameSafeLines()
    {
        SnifferBinary.Binary();
        HostileContent.Controls = true;
        var cases = HostileContent.Cases(huge: false);
        string path = Path.Combine(Path.GetTempPath(), $"sniffer-hostile-{Environment.ProcessId}.pcap");
        File.WriteAllBytes(path, HostileContent.Capture(cases));
        try
        {
            var r = SnifferBinary.Run(["-r", path, "-q"]);
            Assert.Equal(0, r.ExitCode);
            var records = HostileContent.AssertSafe(r.Stdout, HostileContent.DocumentedLimits());
            Assert.Equal(cases.Count, records.Action("flow_end").Count());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
