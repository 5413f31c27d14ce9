using System.Text.RegularExpressions;
using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>vsftpd with curl, git daemon with git, rsync --daemon with rsync, svnserve with svn.</summary>
[Collection(RealProgramCollection.Name)]
public sealed partial class FileTransferTests(ITestOutputHelper output)
{
    private static readonly string Endpoint = $"{RealProgramSession.Address}:{RealProgramSession.Port}";

    /// <summary>vsftpd in the foreground (private config, anonymous read-only); curl fetches a file (PASV data elsewhere).</summary>
    [SkippableFact]
    public async Task Ftp_VsftpdAndCurl()
    {
        var vsftpd = Tool.Require("vsftpd", "vsftpd", "/usr/sbin/vsftpd");
        var curl = Tool.Require("curl", "curl", "/usr/bin/curl");
        Tool.RequireUser("ftp", "vsftpd"); // anonymous sessions run as ftp, starting in its home directory
        using var s = await RealProgramSession.StartAsync(output, "ftp", vsftpd, curl);
        string root = s.MakeDir("ftp-root");
        File.WriteAllText(Path.Combine(root, "hello.txt"), "hello from real vsftpd\n");
        string config = s.WriteFile("vsftpd.conf", $"""
            listen=YES
            listen_ipv6=NO
            listen_address={RealProgramSession.Address}
            listen_port={RealProgramSession.Port}
            background=NO
            anonymous_enable=YES
            no_anon_password=YES
            anon_root={root}
            local_enable=NO
            write_enable=NO
            secure_chroot_dir={s.MakeDir("empty")}
            pasv_enable=YES
            pasv_address={RealProgramSession.Address}
            xferlog_enable=NO
            seccomp_sandbox=NO
            """);
        await s.StartServerAsync(vsftpd, [config]);

        var get = s.Run(curl, ["-sS", "--max-time", "10", "--user", "anonymous:sniffer@test", $"ftp://{Endpoint}/hello.txt"]);
        Assert.Equal("hello from real vsftpd\n", get.Stdout);

        // The control connection is on 3624; the passive data connection goes to a port vsftpd picked.
        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "ftp", 1);
        var f = flows[0];
        string version = Tool.Upstream(vsftpd.PackageVersion);
        Assert.Equal($"220 (vsFTPd {version})", f.Str("sniffer.ftp.banner")); // vsftpd's default greeting
        Expect.Application(f, "vsFTPd", version);
        Assert.Equal("anonymous", f.Str("user.name"));
        Assert.DoesNotContain("sniffer@test", f.GetRawText(), StringComparison.Ordinal); // the password is never written
        Assert.Equal("server", f.Str("sniffer.first_speaker"));
    }

    /// <summary>git daemon serving a bare repository made now; git ls-remote over protocol v2 (default) and v0.</summary>
    [SkippableFact]
    public async Task Git_GitDaemonAndLsRemote()
    {
        var git = Tool.Require("git", "git", "/usr/bin/git");
        // `git daemon` would run git-daemon as a child: start the program itself, so the PID held is the listener.
        var daemon = Tool.Require("git-daemon", "git", "/usr/lib/git-core/git-daemon");
        using var s = await RealProgramSession.StartAsync(output, "git", git, daemon);
        string version = GitVersion().Match(s.Run(git, ["--version"]).Stdout).Groups[1].Value;
        string repos = s.MakeDir("repos");
        string bare = Path.Combine(repos, "repo.git");
        string work = s.PathOf("work");
        var env = new Dictionary<string, string>
        {
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_AUTHOR_NAME"] = "sniffer",
            ["GIT_AUTHOR_EMAIL"] = "sniffer@test",
            ["GIT_COMMITTER_NAME"] = "sniffer",
            ["GIT_COMMITTER_EMAIL"] = "sniffer@test",
        };
        s.Run(git, ["init", "-q", "--bare", bare], env: env);
        s.Run(git, ["init", "-q", work], env: env);
        s.Run(git, ["-C", work, "commit", "-q", "--allow-empty", "-m", "real-program test"], env: env);
        s.Run(git, ["-C", work, "push", "-q", bare, "HEAD:refs/heads/main"], env: env);
        string head = s.Run(git, ["-C", work, "rev-parse", "HEAD"], env: env).Stdout.Trim();
        await s.StartServerAsync(daemon, ["--reuseaddr", $"--listen={RealProgramSession.Address}",
            $"--port={RealProgramSession.Port}", $"--base-path={repos}", "--export-all", $"--pid-file={s.PathOf("git-daemon.pid")}", repos], env: env);

        string url = $"git://{Endpoint}/repo.git";
        Assert.Contains($"{head}\trefs/heads/main", s.Run(git, ["ls-remote", url], env: env).Stdout, StringComparison.Ordinal);
        Assert.Contains($"{head}\trefs/heads/main", s.Run(git, ["-c", "protocol.version=0", "ls-remote", url], env: env).Stdout, StringComparison.Ordinal);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "git", 2);
        foreach (var f in flows)
        {
            Assert.Equal("git-upload-pack", f.Str("sniffer.git.service"));
            Assert.Equal("/repo.git", f.Str("sniffer.git.path"));
            Assert.Equal(Endpoint, f.Str("sniffer.git.host"));
            Expect.Application(f, "git", version); // the agent= capability
        }

        Expect.One(flows, "sniffer.git.protocol_version", "2");
        Assert.Single(flows, f => f.Str("sniffer.git.protocol_version") is null); // v0 sends no version=
    }

    /// <summary>rsync --daemon --no-detach with a temp config and module; rsync lists the modules, then copies a file.</summary>
    [SkippableFact]
    public async Task Rsync_RsyncDaemonAndClient()
    {
        var rsync = Tool.Require("rsync", "rsync", "/usr/bin/rsync");
        using var s = await RealProgramSession.StartAsync(output, "rsync", rsync);
        string protocol = RsyncProtocol().Match(s.Run(rsync, ["--version"]).Stdout).Groups[1].Value;
        string module = s.MakeDir("module");
        File.WriteAllText(Path.Combine(module, "file.txt"), "hello from real rsync\n");
        string config = s.WriteFile("rsyncd.conf", $"""
            pid file = {s.PathOf("rsyncd.pid")}
            use chroot = no
            uid = nobody
            gid = nogroup
            [sniffer]
              path = {module}
              read only = yes
            """);
        await s.StartServerAsync(rsync, ["--daemon", "--no-detach", $"--config={config}", $"--address={RealProgramSession.Address}",
            $"--port={RealProgramSession.Port}", $"--log-file={s.PathOf("rsyncd.log")}"]);

        Assert.Contains("sniffer", s.Run(rsync, [$"rsync://{Endpoint}/"]).Stdout, StringComparison.Ordinal);
        s.Run(rsync, [$"rsync://{Endpoint}/sniffer/file.txt", s.PathOf("copy.txt")]);
        Assert.Equal("hello from real rsync\n", File.ReadAllText(s.PathOf("copy.txt")));

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "rsync", 2);
        foreach (var f in flows)
        {
            Assert.StartsWith($"{protocol}.", f.Str("sniffer.rsync.server_version"), StringComparison.Ordinal);
            Assert.StartsWith($"{protocol}.", f.Str("sniffer.rsync.client_version"), StringComparison.Ordinal);
        }

        Expect.One(flows, "sniffer.rsync.module", "sniffer");
    }

    /// <summary>svnserve in the foreground serving a repository made now by svnadmin; svn info.</summary>
    [SkippableFact]
    public async Task Svn_SvnserveAndSvn()
    {
        var svnserve = Tool.Require("svnserve", "subversion", "/usr/bin/svnserve");
        var svnadmin = Tool.Require("svnadmin", "subversion", "/usr/bin/svnadmin");
        var svn = Tool.Require("svn", "subversion", "/usr/bin/svn");
        using var s = await RealProgramSession.StartAsync(output, "svn", svnserve, svnadmin, svn);
        string version = s.Run(svn, ["--version", "--quiet"]).Stdout.Trim();
        string repos = s.MakeDir("repos");
        s.Run(svnadmin, ["create", Path.Combine(repos, "repo")]);
        await s.StartServerAsync(svnserve, ["-d", "--foreground", "--listen-host", RealProgramSession.Address,
            "--listen-port", $"{RealProgramSession.Port}", "-r", repos, "--pid-file", s.PathOf("svnserve.pid")]);

        string url = $"svn://{Endpoint}/repo";
        var info = s.Run(svn, ["info", "--non-interactive", "--config-dir", s.PathOf("svn-config"), url]);
        Assert.Contains($"URL: {url}", info.Stdout, StringComparison.Ordinal);

        var flows = await s.FinishAsync("tcp");
        Expect.AtLeastOne(flows, "svn");
        foreach (var f in flows)
        {
            Assert.Equal(url, f.Str("url.original"));
            Assert.StartsWith($"SVN/{version} ", f.Str("user_agent.original"), StringComparison.Ordinal);
            Assert.Equal("server", f.Str("sniffer.first_speaker")); // svnserve greets first
        }
    }

    [GeneratedRegex(@"git version ([0-9][0-9.]*[0-9])")]
    private static partial Regex GitVersion();

    [GeneratedRegex(@"protocol version ([0-9]+)")]
    private static partial Regex RsyncProtocol();
}
