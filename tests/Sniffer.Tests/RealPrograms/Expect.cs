using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.RealPrograms;

/// <summary>Assertions shared by the real-program tests.</summary>
internal static partial class Expect
{
    /// <summary>Exactly <paramref name="count"/> flows, every one identified as <paramref name="protocol"/>.</summary>
    public static void Flows(IReadOnlyList<JsonElement> flows, string protocol, int count)
    {
        Assert.True(flows.Count == count,
            $"expected {count} flow(s) to {RealProgramSession.Address}:{RealProgramSession.Port}, got {flows.Count}:\n"
            + string.Join('\n', flows.Select(f => f.GetRawText())));
        foreach (var f in flows)
        {
            Assert.True(f.Str("network.protocol") == protocol, $"expected {protocol}: {f.GetRawText()}");
        }
    }

    /// <summary>At least one flow, every one identified as <paramref name="protocol"/>.</summary>
    public static void AtLeastOne(IReadOnlyList<JsonElement> flows, string protocol)
    {
        Assert.True(flows.Count > 0, $"no flow to {RealProgramSession.Address}:{RealProgramSession.Port} was recorded");
        foreach (var f in flows)
        {
            Assert.True(f.Str("network.protocol") == protocol, $"expected {protocol}: {f.GetRawText()}");
        }
    }

    /// <summary>The one flow whose field has the given value.</summary>
    public static JsonElement One(IReadOnlyList<JsonElement> flows, string field, string value)
    {
        var matching = flows.Where(f => f.Str(field) == value).ToList();
        Assert.True(matching.Count == 1, $"expected one flow with {field}={value}, got {matching.Count}:\n"
            + string.Join('\n', flows.Select(f => f.GetRawText())));
        return matching[0];
    }

    /// <summary>The product the record names (sniffer.application.*).</summary>
    public static void Application(JsonElement flow, string name, string version)
    {
        Assert.Equal(name, flow.Str("sniffer.application.name"));
        Assert.Equal(version, flow.Str("sniffer.application.version"));
    }

    public static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    public static void IsMd5Of(string? hash, string? input)
    {
        Assert.NotNull(input);
        Assert.Matches(Md5(), hash ?? "");
        Assert.Equal(Md5Hex(input), hash);
    }

    public static string[] Strings(JsonElement flow, string field) =>
        flow.Get(field) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : [];

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex Md5();
}
