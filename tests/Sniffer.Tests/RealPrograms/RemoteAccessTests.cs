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

        s.Run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "sniffer-host", "-f", s.PathOf("host_key")]);
        s.Run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "sniffer-client", "-f", s.PathOf("client_key")]);
        File.Copy(s.PathOf("client_key.pub"), s.PathOf("authorized_keys"));
        string config = s.WriteFile("sshd_config", $"""
            Port {RealProgramSession.Port}
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
        await s.StartServerAsync(sshd, ["-D", "-e", "-f", config]);

        var login = s.Run(ssh, ["-F", "/dev/null", "-i", s.PathOf("client_key"), "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-p", $"{RealProgramSession.Port}", $"root@{RealProgramSession.Address}", "echo sniffer-ssh-ok"]);
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

        var session = s.Run(curl, ["-sS", "--max-time", "10", $"telnet://{RealProgramSession.Address}:{RealProgramSession.Port}"], stdin: "");
        Assert.Contains("sniffer-telnet-session", session.Stdout, StringComparison.Ordinal);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "telnet", 1);
        var f = flows[0];
        Assert.Equal("server", f.Str("sniffer.first_speaker")); // telnetd opens with its DO/WILL options
        Assert.True(int.Parse(f.Str("sniffer.telnet.server_commands")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(f.Str("sniffer.telnet.client_commands")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }
}
