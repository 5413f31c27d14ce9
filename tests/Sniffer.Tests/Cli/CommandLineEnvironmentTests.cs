using Sniffer.Cli;
using Xunit;

namespace Sniffer.Tests.Cli;

/// <summary>SNIFFER_* variables: derived from --help, overridden by the command line, booleans, errors.</summary>
public class CommandLineEnvironmentTests
{
    private static CommandLine Parse(string[] args, params (string Name, string Value)[] environment)
    {
        var env = environment.ToDictionary(e => e.Name, e => e.Value);
        return CommandLine.Parse(args, name => env.GetValueOrDefault(name));
    }

    [Theory]
    [InlineData("--rotate-size", "SNIFFER_ROTATE_SIZE")]
    [InlineData("--interface", "SNIFFER_INTERFACE")]
    [InlineData("--any-port", "SNIFFER_ANY_PORT")]
    [InlineData("--summary-interval", "SNIFFER_SUMMARY_INTERVAL")]
    public void VariableNameIsDerivedFromTheLongOption(string option, string variable) =>
        Assert.Equal(variable, EnvironmentOptions.Variable(option));

    [Theory]
    [InlineData("  --port N             watch port N", "port", null, true)]
    [InlineData("  -w, --write FILE     write NDJSON", "write", 'w', true)]
    [InlineData("  -q, --quiet          nothing on stderr", "quiet", 'q', false)]
    [InlineData("  --any-port           analyse all TCP/UDP traffic", "any-port", null, false)]
    [InlineData("  --summary-interval S live capture: ...", "summary-interval", null, true)]
    [InlineData("  --rotate-size SIZE[K|M|G]  rotate the output", "rotate-size", null, true)]
    [InlineData("  -r, --read FILE|-    read a capture", "read", 'r', true)]
    [InlineData("  --no-promisc", "no-promisc", null, false)]
    [InlineData("  sniffer -r FILE|-  [options]       read a pcap", null, null, false)]
    [InlineData("                       the watched-port rule still applies (add --any-port to analyse all)", null, null, false)]
    [InlineData("--port N  no indentation", null, null, false)]
    [InlineData("  --port=N  not our style", null, null, false)]
    [InlineData("Exit status: 0 success", null, null, false)]
    public void HelpLinesThatAreOptions(string line, string? name, char? shortName, bool takesValue)
    {
        var o = EnvironmentOptions.ParseOptionLine(line);
        Assert.Equal(name, o?.Long);
        if (o is not null)
        {
            Assert.Equal(shortName, o.Short);
            Assert.Equal(takesValue, o.TakesValue);
        }
    }

    [Fact]
    public void OptionsAreReadFromTheHelpWithTheirArity()
    {
        var options = EnvironmentOptions.Options(CommandLine.HelpText).ToDictionary(o => o.Long);
        Assert.Equal(new EnvironmentOptions.Option("read", 'r', true), options["read"]);
        Assert.Equal(new EnvironmentOptions.Option("interface", 'i', true), options["interface"]);
        Assert.Equal(new EnvironmentOptions.Option("write", 'w', true), options["write"]);
        Assert.Equal(new EnvironmentOptions.Option("quiet", 'q', false), options["quiet"]);
        Assert.False(options["any-port"].TakesValue);
        Assert.False(options["no-promisc"].TakesValue);
        Assert.False(options["summary-only"].TakesValue);
        Assert.True(options["summary-interval"].TakesValue);
        Assert.True(options["stats"].TakesValue);
        Assert.True(options["reassembly-memcap"].TakesValue);
        Assert.DoesNotContain("help", options.Keys);
        Assert.DoesNotContain("version", options.Keys);
        Assert.DoesNotContain("list-interfaces", options.Keys);
    }

    /// <summary>Every option the help documents (and so every variable) is one the parser knows.</summary>
    [Fact]
    public void EveryDocumentedOptionIsKnownToTheParser()
    {
        var options = EnvironmentOptions.Options(CommandLine.HelpText);
        Assert.True(options.Count >= 20, $"only {options.Count} options found in the help");
        foreach (var o in options)
        {
            string[] args = o.TakesValue ? ["--" + o.Long, "1"] : ["--" + o.Long];
            var e = Record.Exception(() => CommandLine.Parse([.. args, "-r", "x.pcap"], _ => null));
            Assert.False(e is UsageException u && u.Message.StartsWith("unknown option", StringComparison.Ordinal), $"--{o.Long}: {e?.Message}");
        }
    }

    [Fact]
    public void VariablesSetOptions()
    {
        var cl = Parse([], ("SNIFFER_INTERFACE", "eth1"), ("SNIFFER_PORT", "3624,443"), ("SNIFFER_WRITE", "/var/log/sniffer/flows.ndjson"),
            ("SNIFFER_FILTER", "net 10.0.0.0/8"), ("SNIFFER_STATS", "60"), ("SNIFFER_WORKERS", "2"), ("SNIFFER_NO_PROMISC", "yes"));
        Assert.Equal("eth1", cl.Interface);
        Assert.Equal([(ushort)3624, 443], cl.Options.Ports);
        Assert.Equal("/var/log/sniffer/flows.ndjson", cl.WritePath);
        Assert.Equal("net 10.0.0.0/8", cl.Filter);
        Assert.Equal(60, cl.Options.StatsIntervalSeconds);
        Assert.Equal(2, cl.Options.Workers);
        Assert.False(cl.Promiscuous);
    }

    [Fact]
    public void TheCommandLineWins()
    {
        var cl = Parse(["--port", "80", "-w", "/tmp/b", "--workers", "3"], ("SNIFFER_INTERFACE", "eth1"), ("SNIFFER_PORT", "443"),
            ("SNIFFER_WRITE", "/tmp/a"), ("SNIFFER_WORKERS", "2"));
        Assert.Equal([(ushort)80], cl.Options.Ports);
        Assert.Equal("/tmp/b", cl.WritePath);
        Assert.Equal(3, cl.Options.Workers);
        Assert.Equal("eth1", cl.Interface);

        // -r on the command line replaces an interface from the environment (they exclude each other).
        cl = Parse(["-r", "capture.pcap"], ("SNIFFER_INTERFACE", "eth1"));
        Assert.Equal("capture.pcap", cl.ReadPath);
        Assert.Null(cl.Interface);

        // --summary-only on the command line sets aside the sensor's output settings from the environment...
        cl = Parse(["-r", "capture.pcap", "--summary-only"], ("SNIFFER_WRITE", "/var/log/sniffer/flows.ndjson"), ("SNIFFER_STATS", "60"),
            ("SNIFFER_RECORDS", "flow_end"), ("SNIFFER_QUIET", "1"), ("SNIFFER_WORKERS", "2"));
        Assert.True(cl.SummaryOnly);
        Assert.Null(cl.WritePath);
        Assert.False(cl.Quiet);
        Assert.Equal(2, cl.Options.Workers);

        // ... and -w on the command line sets aside SNIFFER_SUMMARY_ONLY, but not the other way round among the rest.
        cl = Parse(["-r", "capture.pcap", "-w", "/tmp/x"], ("SNIFFER_SUMMARY_ONLY", "yes"), ("SNIFFER_STATS", "60"));
        Assert.False(cl.SummaryOnly);
        Assert.Equal(60, cl.Options.StatsIntervalSeconds);

        // A value that looks like an option is a value, not the option.
        cl = Parse(["-i", "lo", "--filter", "--workers"], ("SNIFFER_WORKERS", "4"));
        Assert.Equal("--workers", cl.Filter);
        Assert.Equal(4, cl.Options.Workers);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("", false)]
    public void BooleanVariables(string value, bool set)
    {
        var cl = Parse(["-r", "x.pcap"], ("SNIFFER_ANY_PORT", value), ("SNIFFER_QUIET", value));
        Assert.Equal(set, cl.Options.AnyPort);
        Assert.Equal(set, cl.Quiet);
    }

    [Fact]
    public void BadValuesNameTheVariable()
    {
        var e = Assert.Throws<UsageException>(() => Parse(["-r", "x.pcap"], ("SNIFFER_QUIET", "maybe")));
        Assert.Contains("SNIFFER_QUIET", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => Parse(["-r", "x.pcap"], ("SNIFFER_WORKERS", "many")));
        Assert.Contains("(set by SNIFFER_WORKERS)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => Parse(["-r", "x.pcap"], ("SNIFFER_PORT", "3624,http")));
        Assert.Contains("(set by SNIFFER_PORT)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => Parse(["-r", "x.pcap", "--workers", "many"]));
        Assert.DoesNotContain("set by", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnrelatedVariablesAreIgnored()
    {
        var cl = Parse(["-r", "x.pcap"], ("SNIFFER_BINARY", "/x"), ("SNIFFER_GC_STATS", "1"), ("SNIFFER_HELP", "1"), ("SNIFFER_VERSION", "1"));
        Assert.False(cl.Help);
        Assert.False(cl.Version);
    }

    [Fact]
    public void HelpListsEveryVariable()
    {
        string section = EnvironmentOptions.HelpSection(CommandLine.HelpText);
        foreach (var o in EnvironmentOptions.Options(CommandLine.HelpText))
        {
            Assert.Contains(o.Variable, section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PortListsAndConsoleFlags()
    {
        Assert.Equal([(ushort)3624, 443, 8443], Parse(["-r", "x", "--port", "3624,443", "--port", "8443"]).Options.Ports);
        Assert.Throws<UsageException>(() => Parse(["-r", "x", "--port", "0"]));
        Assert.Throws<UsageException>(() => Parse(["-r", "x", "--port", "3624,"]));
        Assert.Throws<UsageException>(() => Parse(["-r", "x", "--stats", "0"]));

        var cl = Parse(["-r", "x", "--summary-only"]);
        Assert.True(cl.SummaryOnly);
        Assert.Equal(Sniffer.Output.RecordKinds.None, cl.Options.Records);
        Assert.True(cl.Options.CollectPortSummary);
        Assert.Throws<UsageException>(() => Parse(["-r", "x", "--summary-only", "-w", "out.ndjson"]));
        Assert.Throws<UsageException>(() => Parse(["-r", "x", "--summary-only", "-q"]));
        Assert.False(Parse(["-r", "x", "-q"]).Options.CollectPortSummary);
        Assert.Equal(Sniffer.Output.RecordKinds.Stats, Parse(["-r", "x", "--records", "stats"]).Options.Records);
    }
}
