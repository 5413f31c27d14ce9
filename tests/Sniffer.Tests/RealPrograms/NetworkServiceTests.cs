using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>dnsmasq with dig, chronyd serving chronyd -Q, snmpd with snmpget (v2c and v3).</summary>
[Collection(RealProgramCollection.Name)]
public sealed class NetworkServiceTests(ITestOutputHelper output)
{
    private const string Name = "real.sniffer.test";
    private const string Ipv4 = "192.0.2.36";
    private const string Ipv6 = "2001:db8::36";

    /// <summary>dnsmasq --no-daemon answering one name from its temp config (address=/…/); dig over UDP and +tcp.</summary>
    [SkippableFact]
    public async Task Dns_DnsmasqAndDig()
    {
        var dnsmasq = Tool.Require("dnsmasq", "dnsmasq-base", "/usr/sbin/dnsmasq");
        var dig = Tool.Require("dig", "bind9-dnsutils", "/usr/bin/dig");
        using var s = await RealProgramSession.StartAsync(output, "dns", dnsmasq, dig);
        string config = s.WriteFile("dnsmasq.conf", $"""
            port={RealProgramSession.Port}
            listen-address={RealProgramSession.Address}
            bind-interfaces
            no-resolv
            no-hosts
            no-poll
            address=/{Name}/{Ipv4}
            address=/{Name}/{Ipv6}
            pid-file={s.PathOf("dnsmasq.pid")}
            user=root
            log-queries
            log-facility=-
            """);
        await s.StartServerAsync(dnsmasq, ["--no-daemon", $"--conf-file={config}"], tcp: true, udp: true);

        string[] server = [$"@{RealProgramSession.Address}", "-p", $"{RealProgramSession.Port}", "+short", "+tries=1", "+time=5"];
        Assert.Equal(Ipv4, s.Run(dig, [.. server, Name, "A"]).Stdout.Trim());
        Assert.Equal(Ipv6, s.Run(dig, [.. server, "+tcp", Name, "AAAA"]).Stdout.Trim());

        var flows = await s.FinishAsync();
        Expect.Flows(flows, "dns", 2);
        var udp = Expect.One(flows, "network.transport", "udp");
        var tcp = Expect.One(flows, "network.transport", "tcp");
        foreach (var (f, type, data) in new[] { (udp, "A", Ipv4), (tcp, "AAAA", Ipv6) })
        {
            Assert.Equal(Name, f.Str("dns.question.name"));
            Assert.Equal(type, f.Str("dns.question.type"));
            Assert.Equal("IN", f.Str("dns.question.class"));
            Assert.Equal("NOERROR", f.Str("dns.response_code"));
            Assert.Contains("AA", Expect.Strings(f, "dns.header_flags")); // dnsmasq is authoritative for address=
            var answer = Assert.Single(f.Get("dns.answers")!.Value.EnumerateArray());
            Assert.Equal(Name, answer.Str("name"));
            Assert.Equal(type, answer.Str("type"));
            Assert.Equal(data, answer.Str("data"));
            Assert.Equal([data], Expect.Strings(f, "dns.resolved_ip"));
        }
    }

    /// <summary>chronyd as a server on 3624 (own config and pid file, -x: no clock control); chronyd -Q as the client.</summary>
    [SkippableFact]
    public async Task Ntp_ChronydServerAndChronydClient()
    {
        var chronyd = Tool.Require("chronyd", "chrony", "/usr/sbin/chronyd");
        using var s = await RealProgramSession.StartAsync(output, "ntp", chronyd);
        const int Stratum = 8;
        string config = s.WriteFile("chrony.conf", $"""
            port {RealProgramSession.Port}
            bindaddress {RealProgramSession.Address}
            allow {RealProgramSession.Address}
            local stratum {Stratum}
            cmdport 0
            bindcmdaddress /
            pidfile {s.PathOf("chronyd.pid")}
            driftfile {s.PathOf("chrony.drift")}
            """);
        await s.StartServerAsync(chronyd, ["-x", "-d", "-u", "root", "-f", config], tcp: false, udp: true);

        // -Q: query once and print the offset, never touching the clock; the config is given on the command line.
        // No command port or socket for either chronyd (bindcmdaddress / disables the Unix socket in /run/chrony).
        var query = s.Run(chronyd, ["-Q", "-u", "root", "-t", "10", "-f", "/dev/null",
            $"server {RealProgramSession.Address} port {RealProgramSession.Port} iburst maxsamples 1",
            $"pidfile {s.PathOf("client.pid")}", "cmdport 0", "bindcmdaddress /"]);
        Assert.Contains("System clock wrong by", query.Stdout + query.Stderr, StringComparison.Ordinal);

        var flows = await s.FinishAsync("udp");
        Expect.AtLeastOne(flows, "ntp");
        foreach (var f in flows)
        {
            // Identified on the request alone (ntp.header) or on request and reply (ntp.exchange); either way the
            // metadata comes from the server's reply.
            Assert.Contains(f.Str("sniffer.evidence"), new[] { "ntp.header", "ntp.exchange" });
            Assert.Equal("4", f.Str("sniffer.ntp.version"));
            Assert.Equal("server", f.Str("sniffer.ntp.mode"));
            Assert.Equal($"{Stratum}", f.Str("sniffer.ntp.stratum"));
            Assert.Equal("127.127.1.1", f.Str("sniffer.ntp.reference_id")); // chrony's local reference
        }
    }

    /// <summary>snmpd in the foreground with a temp config (community and a v3 user); snmpget v2c and v3 authPriv.</summary>
    [SkippableFact]
    public async Task Snmp_SnmpdAndSnmpget()
    {
        var snmpd = Tool.Require("snmpd", "snmpd", "/usr/sbin/snmpd");
        var snmpget = Tool.Require("snmpget", "snmp", "/usr/bin/snmpget");
        using var s = await RealProgramSession.StartAsync(output, "snmp", snmpd, snmpget);
        const string Community = "sniffer-ro";
        const string Location = "sniffer real-program test";
        string config = s.WriteFile("snmpd.conf", $"""
            agentaddress udp:{RealProgramSession.Address}:{RealProgramSession.Port}
            rocommunity {Community} {RealProgramSession.Address}
            sysLocation {Location}
            createUser snifferuser SHA "sniffer-auth-pass" AES "sniffer-priv-pass"
            rouser snifferuser priv
            """);
        // -C: no system config files; -m "": no MIB files (numeric OIDs only).
        await s.StartServerAsync(snmpd, ["-f", "-Lo", "-C", "-m", "", "-c", config, "-p", s.PathOf("snmpd.pid"),
            $"--persistentDir={s.PathOf("agent")}"], tcp: false, udp: true);

        var env = new Dictionary<string, string> { ["SNMP_PERSISTENT_DIR"] = s.PathOf("client"), ["SNMPCONFPATH"] = s.PathOf("client") };
        string agent = $"{RealProgramSession.Address}:{RealProgramSession.Port}";
        const string SysLocation = "1.3.6.1.2.1.1.6.0";
        var v2 = s.Run(snmpget, ["-m", "", "-On", "-v2c", "-c", Community, agent, SysLocation], env: env);
        var v3 = s.Run(snmpget, ["-m", "", "-On", "-v3", "-l", "authPriv", "-u", "snifferuser", "-a", "SHA", "-A", "sniffer-auth-pass",
            "-x", "AES", "-X", "sniffer-priv-pass", agent, SysLocation], env: env);
        Assert.Contains(Location, v2.Stdout, StringComparison.Ordinal);
        Assert.Contains(Location, v3.Stdout, StringComparison.Ordinal);

        var flows = await s.FinishAsync("udp");
        Expect.Flows(flows, "snmp", 2);
        var community = Expect.One(flows, "sniffer.snmp.version", "2c");
        Assert.Equal(Community, community.Str("sniffer.snmp.community"));
        Assert.Equal("get_request", community.Str("sniffer.snmp.pdu_type"));
        var usm = Expect.One(flows, "sniffer.snmp.version", "3");
        Assert.Null(usm.Str("sniffer.snmp.community"));
        // The first v3 message is the engine-discovery request, sent in clear before the encrypted get.
        Assert.Equal("get_request", usm.Str("sniffer.snmp.pdu_type"));
        // The user is named by the request after discovery (USM msgUserName), with its security level.
        Assert.Equal("snifferuser", usm.Str("sniffer.snmp.user"));
        Assert.Equal("authPriv", usm.Str("sniffer.snmp.security_level"));
        Assert.Matches("^[0-9a-f]{10,64}$", usm.Str("sniffer.snmp.engine_id"));
        Assert.DoesNotContain("sniffer-auth-pass", usm.GetRawText(), StringComparison.Ordinal);
    }
}
