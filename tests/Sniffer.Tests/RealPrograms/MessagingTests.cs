using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>Mosquitto with mosquitto_pub, and a private rsyslogd fed by logger(1) over UDP and TCP.</summary>
[Collection(RealProgramCollection.Name)]
public sealed class MessagingTests(ITestOutputHelper output)
{
    /// <summary>mosquitto (temp config, drops to user mosquitto); mosquitto_pub over MQTT 3.1.1 and 5.0 with fixed client ids.</summary>
    [SkippableFact]
    public async Task Mqtt_MosquittoAndMosquittoPub()
    {
        var mosquitto = Tool.Require("mosquitto", "mosquitto", "/usr/sbin/mosquitto");
        var pub = Tool.Require("mosquitto_pub", "mosquitto-clients", "/usr/bin/mosquitto_pub");
        Tool.RequireUser("mosquitto", "mosquitto"); // the broker drops to it when started as root
        using var s = await RealProgramSession.StartAsync(output, "mqtt", mosquitto, pub);
        string run = s.MakeDir("mosquitto", owner: "mosquitto"); // the broker writes its pid file after dropping to mosquitto
        string config = s.WriteFile("mosquitto.conf", $"""
            listener {RealProgramSession.Port} {RealProgramSession.Address}
            allow_anonymous true
            persistence false
            pid_file {Path.Combine(run, "mosquitto.pid")}
            log_dest stderr
            """);
        await s.StartServerAsync(mosquitto, ["-c", config]);

        string[] target = ["-h", RealProgramSession.Address, "-p", $"{RealProgramSession.Port}", "-t", "sniffer/real", "-m", "hello"];
        s.Run(pub, [.. target, "-V", "311", "-q", "1", "-i", "sniffer-real-311"]);
        s.Run(pub, [.. target, "-V", "5", "-i", "sniffer-real-v5", "-u", "sniffer-user", "-k", "30"]);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "mqtt", 2);
        var v311 = Expect.One(flows, "sniffer.mqtt.client_id", "sniffer-real-311");
        Assert.Equal("3.1.1", v311.Str("sniffer.mqtt.version"));
        Assert.Null(v311.Str("user.name"));
        var v5 = Expect.One(flows, "sniffer.mqtt.client_id", "sniffer-real-v5");
        Assert.Equal("5.0", v5.Str("sniffer.mqtt.version"));
        Assert.Equal("sniffer-user", v5.Str("user.name"));
        Assert.Equal("30", v5.Str("sniffer.mqtt.keep_alive"));
        foreach (var f in flows)
        {
            Assert.Equal("0", f.Str("sniffer.mqtt.connack_code")); // anonymous connections accepted
            Assert.Equal("True", f.Str("sniffer.mqtt.clean_session"));
        }
    }

    /// <summary>rsyslogd -n with its own config (imudp + imtcp on 3624, writing to a temp file); logger as the client.</summary>
    [SkippableFact]
    public async Task Syslog_RsyslogdAndLogger()
    {
        var rsyslogd = Tool.Require("rsyslogd", "rsyslog", "/usr/sbin/rsyslogd");
        var logger = Tool.Require("logger", "bsdutils", "/usr/bin/logger", "/bin/logger");
        using var s = await RealProgramSession.StartAsync(output, "syslog", rsyslogd, logger);
        string received = s.PathOf("received.log");
        string config = s.WriteFile("rsyslog.conf", $"""
            global(workDirectory="{s.Dir}")
            module(load="imudp")
            module(load="imtcp")
            input(type="imudp" address="{RealProgramSession.Address}" port="{RealProgramSession.Port}")
            input(type="imtcp" address="{RealProgramSession.Address}" port="{RealProgramSession.Port}")
            *.* action(type="omfile" file="{received}")
            """);
        await s.StartServerAsync(rsyslogd, ["-n", "-f", config, "-i", s.PathOf("rsyslogd.pid")], tcp: true, udp: true);

        string[] target = ["--server", RealProgramSession.Address, "--port", $"{RealProgramSession.Port}"];
        s.Run(logger, [.. target, "--udp", "--rfc5424", "-t", "sniffer-udp", "-p", "local3.warning", "hello over udp"]);
        s.Run(logger, [.. target, "--tcp", "--rfc3164", "-t", "sniffer-tcp", "-p", "user.notice", "hello over tcp"]);
        await WaitForAsync(() => File.Exists(received) && File.ReadAllText(received).Contains("hello over tcp", StringComparison.Ordinal)
            && File.ReadAllText(received).Contains("hello over udp", StringComparison.Ordinal), "rsyslogd wrote both messages");

        var flows = await s.FinishAsync();
        Expect.Flows(flows, "syslog", 2);
        var udp = Expect.One(flows, "network.transport", "udp");
        Assert.Equal("sniffer-udp", udp.Str("log.syslog.appname"));
        Assert.Equal("1", udp.Str("log.syslog.version")); // RFC 5424
        Assert.Equal("19", udp.Str("log.syslog.facility.code")); // local3
        Assert.Equal("4", udp.Str("log.syslog.severity.code")); // warning
        Assert.Equal("156", udp.Str("log.syslog.priority"));
        var tcp = Expect.One(flows, "network.transport", "tcp");
        Assert.Equal("sniffer-tcp", tcp.Str("log.syslog.appname"));
        Assert.Null(tcp.Str("log.syslog.version")); // RFC 3164
        Assert.Equal("1", tcp.Str("log.syslog.facility.code")); // user
        Assert.Equal("5", tcp.Str("log.syslog.severity.code")); // notice
        Assert.False(string.IsNullOrEmpty(udp.Str("log.syslog.hostname")));
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}
