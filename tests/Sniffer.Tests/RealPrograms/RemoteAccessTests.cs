using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>OpenSSH and GNU inetutils telnetd, driven by their real clients, captured live.</summary>
[Collection(RealProgramCollection.Name)]
public sealed class RemoteAccessTests(ITestOutputHelper output)
{
    /// <summary>sshd with a private config and host key; ssh logs in with a throwaway key and runs a command.</summary>
    [SkippableFact]
    public async Task Ssh_OpenSshServerAndClient()
    {
        var sshd = Tool.Require("sshd", "openssh-server", "/usr/sbin/sshd");
        var ssh = Tool.Require("ssh", "openssh-client", "/usr/bin/ssh");
        var keygen = Tool.Require("ssh-keygen", "openssh-client", "/usr/bin/ssh-keygen");
        using var s = await RealProgramSession.StartAsync(output, "ssh", sshd, ssh, keygen);
        await StartSshd(s, sshd, keygen, RealProgramSession.Port);

        var login = s.Run(ssh, [.. SshClientOptions(s, RealProgramSession.Port), $"root@{RealProgramSession.Address}", "echo sniffer-ssh-ok"]);
        Assert.Contains("sniffer-ssh-ok", login.Stdout, StringComparison.Ordinal);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "ssh", 1);
        var f = flows[0];
        string serverVersion = Tool.Upstream(sshd.PackageVersion);
        Expect.Application(f, "OpenSSH", serverVersion);
        Assert.Equal($"OpenSSH_{serverVersion}", f.Str("sniffer.ssh.server.software"));
        Assert.Equal($"OpenSSH_{Tool.Upstream(ssh.PackageVersion)}", f.Str("sniffer.ssh.client.software"));
        Assert.Equal("2.0", f.Str("sniffer.ssh.client.proto_version"));
        Assert.Equal("2.0", f.Str("sniffer.ssh.server.proto_version"));
        // Both HASSH values, each the MD5 of the algorithm lists that side's KEXINIT really offered.
        Expect.IsMd5Of(f.Str("sniffer.ssh.client.hassh"), f.Str("sniffer.ssh.client.hassh_algorithms"));
        Expect.IsMd5Of(f.Str("sniffer.ssh.server.hassh"), f.Str("sniffer.ssh.server.hassh_algorithms"));
        Assert.Contains("ext-info-c", f.Str("sniffer.ssh.client.hassh_algorithms"), StringComparison.Ordinal); // client-only kex marker
        Assert.NotEqual(f.Str("sniffer.ssh.client.hassh"), f.Str("sniffer.ssh.server.hassh"));
        Assert.Equal("client", f.Str("sniffer.first_speaker"));
    }

    /// <summary>
    /// OpenSSH's own SOCKS server: `ssh -D 127.0.0.1:3624` (dynamic forwarding through an sshd on another port);
    /// curl asks it, over SOCKS5 with a host name and over SOCKS4, for an nginx on a third port.
    /// </summary>
    [SkippableFact]
    public async Task Socks_OpenSshDynamicForwardAndCurl()
    {
        var sshd = Tool.Require("sshd", "openssh-server", "/usr/sbin/sshd");
        var ssh = Tool.Require("ssh", "openssh-client", "/usr/bin/ssh");
        var keygen = Tool.Require("ssh-keygen", "openssh-client", "/usr/bin/ssh-keygen");
        var nginx = Tool.Require("nginx", "nginx", "/usr/sbin/nginx");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        using var s = await RealProgramSession.StartAsync(output, "socks", sshd, ssh, keygen, nginx, curl);
        const int SshdPort = RealProgramSession.Port + 2, WebPort = RealProgramSession.Port + 1;
        await WebTests.StartNginx(s, nginx, "", "", WebPort);
        await StartSshd(s, sshd, keygen, SshdPort);
        await s.StartServerAsync(ssh, [.. SshClientOptions(s, SshdPort), "-o", "ExitOnForwardFailure=yes", "-N",
            "-D", $"{RealProgramSession.Address}:{RealProgramSession.Port}", $"root@{RealProgramSession.Address}"]);

        string proxy = $"{RealProgramSession.Address}:{RealProgramSession.Port}";
        var v5 = s.Run(curl, ["-sS", "--max-time", "10", "--socks5-hostname", proxy, $"http://localhost:{WebPort}/index.html"]);
        var v4 = s.Run(curl, ["-sS", "--max-time", "10", "--socks4", proxy, $"http://{RealProgramSession.Address}:{WebPort}/index.html"]);
        Assert.Equal("hello from real nginx\n", v5.Stdout);
        Assert.Equal("hello from real nginx\n", v4.Stdout);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "socks", 2);
        var hostname = Expect.One(flows, "sniffer.socks.version", "5");
        Assert.Equal($"localhost:{WebPort}", hostname.Str("sniffer.socks.target"));
        Assert.Equal("connect", hostname.Str("sniffer.socks.command"));
        Assert.Equal("none", hostname.Str("sniffer.socks.auth_method"));
        Assert.Equal("0", hostname.Str("sniffer.socks.reply")); // succeeded
        var socks4 = Expect.One(flows, "sniffer.socks.version", "4");
        Assert.Equal($"{RealProgramSession.Address}:{WebPort}", socks4.Str("sniffer.socks.target"));
        Assert.Equal("90", socks4.Str("sniffer.socks.reply")); // request granted
        // What went through the tunnel: curl's HTTP to nginx.
        foreach (var flow in new[] { hostname, socks4 })
        {
            Assert.Equal("http", flow.Str("sniffer.inner.protocol"));
            Assert.Equal("nginx", flow.Str("sniffer.inner.application.name"));
        }
    }

    /// <summary>A throwaway host key and client key, and sshd -D on 127.0.0.1:<paramref name="port"/> with a private config.</summary>
    private static async Task StartSshd(RealProgramSession s, Tool sshd, Tool keygen, int port)
    {
        s.Run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "sniffer-host", "-f", s.PathOf("host_key")]);
        s.Run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "sniffer-client", "-f", s.PathOf("client_key")]);
        File.Copy(s.PathOf("client_key.pub"), s.PathOf("authorized_keys"));
        string config = s.WriteFile("sshd_config", $"""
            Port {port}
            ListenAddress {RealProgramSession.Address}
            HostKey {s.PathOf("host_key")}
            PidFile {s.PathOf("sshd.pid")}
            AuthorizedKeysFile {s.PathOf("authorized_keys")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            """);
        // sshd insists on its privilege-separation directory (the service unit normally creates it).
        Directory.CreateDirectory("/run/sshd");
        await s.StartServerAsync(sshd, ["-D", "-e", "-f", config], port: port);
    }

    /// <summary>ssh with no user or system config, the throwaway key, no host-key prompt.</summary>
    private static string[] SshClientOptions(RealProgramSession s, int port) =>
    [
        "-F", "/dev/null", "-i", s.PathOf("client_key"), "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-p", $"{port}",
    ];

    /// <summary>inetutils-inetd (private config) hands the connection to telnetd; curl's telnet client negotiates.</summary>
    [SkippableFact]
    public async Task Telnet_InetutilsTelnetdAndCurl()
    {
        var inetd = Tool.Require("inetutils-inetd", "inetutils-inetd", "/usr/sbin/inetutils-inetd");
        var telnetd = Tool.Require("telnetd", "inetutils-telnetd", "/usr/sbin/telnetd");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        using var s = await RealProgramSession.StartAsync(output, "telnet", inetd, telnetd, curl);

        // telnetd runs this instead of /bin/login: it greets and ends the session.
        string login = s.WriteFile("login.sh", "#!/bin/sh\necho sniffer-telnet-session\n");
        File.SetUnixFileMode(login, (UnixFileMode)0b111_101_101);
        string config = s.WriteFile("inetd.conf",
            $"{RealProgramSession.Address}:{RealProgramSession.Port} stream tcp nowait root {telnetd.Path} telnetd -h -E {login}\n");
        await s.StartServerAsync(inetd, ["-d", $"--pidfile={s.PathOf("inetd.pid")}", config]);

        // curl ends the session when its (empty) stdin ends; on a loaded machine that can be before telnetd's
        // greeting arrived, so the client may try again (each try is one more flow, all of them telnet).
        int tries = 0;
        bool greeted = false;
        while (!greeted && tries < 3)
        {
            tries++;
            var session = s.Run(curl, ["-sS", "--max-time", "10", $"telnet://{RealProgramSession.Address}:{RealProgramSession.Port}"], stdin: "");
            greeted = session.Stdout.Contains("sniffer-telnet-session", StringComparison.Ordinal);
        }

        Assert.True(greeted, "telnetd's session output never reached curl");
        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "telnet", tries);
        var f = flows[^1];
        Assert.Equal("server", f.Str("sniffer.first_speaker")); // telnetd opens with its DO/WILL options
        Assert.True(int.Parse(f.Str("sniffer.telnet.server_commands")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(f.Str("sniffer.telnet.client_commands")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }
}
