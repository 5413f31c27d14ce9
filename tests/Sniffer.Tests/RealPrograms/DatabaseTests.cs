using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>Redis, PostgreSQL, MariaDB, memcached and OpenLDAP servers on temp data, driven by real clients.</summary>
[Collection(RealProgramCollection.Name)]
public sealed partial class DatabaseTests(ITestOutputHelper output)
{
    private static readonly string Endpoint = $"{RealProgramSession.Address}:{RealProgramSession.Port}";

    [SkippableFact]
    public async Task Redis_RedisServerAndRedisCli()
    {
        var server = Tool.Require("redis-server", "redis-server", "/usr/bin/redis-server");
        var cli = Tool.Require("redis-cli", "redis-tools", "/usr/bin/redis-cli");
        using var s = await RealProgramSession.StartAsync(output, "redis", server, cli);
        string config = s.WriteFile("redis.conf", $"""
            bind {RealProgramSession.Address}
            port {RealProgramSession.Port}
            daemonize no
            dir {s.Dir}
            pidfile {s.PathOf("redis.pid")}
            save ""
            appendonly no
            logfile ""
            """);
        await s.StartServerAsync(server, [config]);

        string[] target = ["-h", RealProgramSession.Address, "-p", $"{RealProgramSession.Port}"];
        var info = s.Run(cli, [.. target, "INFO", "server"]);
        var version = RedisVersion().Match(info.Stdout);
        Assert.True(version.Success, info.Stdout);
        Assert.Equal("OK", s.Run(cli, [.. target, "SET", "sniffer:key", "real-value"]).Stdout.Trim());
        Assert.Equal("real-value", s.Run(cli, [.. target, "GET", "sniffer:key"]).Stdout.Trim());

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "redis", 3);
        // INFO's reply reveals the server's version; SET and GET name only the command.
        Expect.Application(Expect.One(flows, "sniffer.redis.command", "INFO"), "Redis", version.Groups[1].Value);
        Expect.One(flows, "sniffer.redis.command", "SET");
        Expect.One(flows, "sniffer.redis.command", "GET");
    }

    /// <summary>
    /// initdb into a temp directory and postgres in the foreground, both as user postgres; psql once in clear
    /// and once with sslmode=require (a self-signed certificate made now).
    /// </summary>
    [SkippableFact]
    public async Task PostgreSql_PostgresAndPsql()
    {
        var initdb = Tool.RequirePostgres("initdb");
        var postgres = Tool.RequirePostgres("postgres");
        var psql = Tool.RequirePostgres("psql");
        var openssl = Tool.Require("openssl", "openssl", "/usr/bin/openssl");
        Tool.RequireUser("postgres", "postgresql-common"); // postgres refuses to run as root
        using var s = await RealProgramSession.StartAsync(output, "postgresql", initdb, postgres, psql, openssl);
        string pg = s.MakeDir("pg", owner: "postgres");
        s.Run(initdb, ["-D", Path.Combine(pg, "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], runAs: "postgres");
        s.Run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-keyout", Path.Combine(pg, "server.key"), "-out", Path.Combine(pg, "server.crt")]);
        File.SetUnixFileMode(Path.Combine(pg, "server.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        s.Chown("postgres", Path.Combine(pg, "server.key"), Path.Combine(pg, "server.crt"));
        await s.StartServerAsync(postgres, ["-D", Path.Combine(pg, "data"), "-k", pg, "-p", $"{RealProgramSession.Port}",
            "-h", RealProgramSession.Address, "-c", "ssl=on", "-c", $"ssl_cert_file={Path.Combine(pg, "server.crt")}",
            "-c", $"ssl_key_file={Path.Combine(pg, "server.key")}", "-c", "fsync=off"], runAs: "postgres");

        string conninfo = $"host={RealProgramSession.Address} port={RealProgramSession.Port} user=postgres dbname=postgres";
        var env = new Dictionary<string, string> { ["PSQLRC"] = "/dev/null" };
        string serverVersion = s.Run(psql, [$"{conninfo} sslmode=disable application_name=sniffer-real", "-Atc", "SHOW server_version"], env: env).Stdout.Trim();
        string ssl = s.Run(psql, [$"{conninfo} sslmode=require", "-Atc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"], env: env).Stdout.Trim();
        Assert.Equal("t", ssl);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "postgresql", 2);
        var clear = Expect.One(flows, "sniffer.postgresql.application_name", "sniffer-real");
        Assert.Equal("postgres", clear.Str("user.name"));
        Assert.Equal("postgres", clear.Str("sniffer.postgresql.database"));
        Assert.Equal("trust", clear.Str("sniffer.postgresql.auth_method"));
        Assert.Equal(serverVersion, clear.Str("sniffer.postgresql.server_version"));
        Expect.Application(clear, "PostgreSQL", serverVersion.Split(' ')[0]);
        // The TLS-wrapped session: the SSLRequest and the server's 'S' are all that is in clear.
        var tls = Expect.One(flows, "sniffer.postgresql.ssl_request", "True");
        Assert.Equal("S", tls.Str("sniffer.postgresql.ssl_response"));
        // The TLS inside: identified, with its fingerprints beside the PostgreSQL fields.
        Assert.Equal("tls", tls.Str("sniffer.inner.protocol"));
        Assert.Matches("^[0-9a-f]{32}$", tls.Str("tls.client.ja3") ?? "");
        Assert.StartsWith("t1", tls.Str("sniffer.tls.client.ja4") ?? "");
    }

    /// <summary>mariadb-install-db into a temp datadir, mariadbd in the foreground (drops to mysql), mariadb client.</summary>
    [SkippableFact]
    public async Task MySql_MariaDbServerAndClient()
    {
        var install = Tool.Require("mariadb-install-db", "mariadb-server-core", "/usr/bin/mariadb-install-db");
        var mariadbd = Tool.Require("mariadbd", "mariadb-server-core", "/usr/sbin/mariadbd");
        var client = Tool.Require("mariadb", "mariadb-client-core", "/usr/bin/mariadb");
        Tool.RequireUser("mysql", "mariadb-server");
        using var s = await RealProgramSession.StartAsync(output, "mysql", install, mariadbd, client);
        string my = s.MakeDir("mysql", owner: "mysql");
        string data = Path.Combine(my, "data");
        s.Run(install, ["--no-defaults", $"--datadir={data}", "--user=mysql", "--auth-root-authentication-method=normal",
            "--skip-test-db", "--skip-name-resolve"]);
        await s.StartServerAsync(mariadbd, ["--no-defaults", $"--datadir={data}", "--user=mysql",
            $"--bind-address={RealProgramSession.Address}", $"--port={RealProgramSession.Port}",
            $"--socket={Path.Combine(my, "mysqld.sock")}", $"--pid-file={Path.Combine(my, "mariadbd.pid")}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=16M"]);

        string version = s.Run(client, ["--no-defaults", "-h", RealProgramSession.Address, "-P", $"{RealProgramSession.Port}",
            "-u", "root", "--skip-ssl", "-N", "-B", "-e", "SELECT VERSION()"]).Stdout.Trim();
        Assert.Contains("-MariaDB", version, StringComparison.Ordinal);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "mysql", 1);
        var f = flows[0];
        Assert.Equal("root", f.Str("user.name"));
        Assert.EndsWith(version, f.Str("sniffer.mysql.server_version"), StringComparison.Ordinal); // after the "5.5.5-" compatibility prefix
        Expect.Application(f, "MariaDB", version[..version.IndexOf("-MariaDB", StringComparison.Ordinal)]);
        Assert.Equal("libmariadb", f.Str("sniffer.mysql.client_name"));
        Assert.Equal("server", f.Str("sniffer.first_speaker"));
    }

    /// <summary>memcached on TCP and UDP 3624; text protocol over TCP and UDP, binary protocol over TCP.</summary>
    [SkippableFact]
    public async Task Memcached_TextBinaryAndUdp()
    {
        var memcached = Tool.Require("memcached", "memcached", "/usr/bin/memcached");
        using var s = await RealProgramSession.StartAsync(output, "memcached", memcached);
        await s.StartServerAsync(memcached, ["-p", $"{RealProgramSession.Port}", "-U", $"{RealProgramSession.Port}",
            "-l", RealProgramSession.Address, "-u", "nobody", "-v"], tcp: true, udp: true);
        var server = new IPEndPoint(IPAddress.Parse(RealProgramSession.Address), RealProgramSession.Port);

        // Text protocol over TCP: version, set, get, quit (the server closes).
        string text;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server);
            var stream = tcp.GetStream();
            await stream.WriteAsync("version\r\nset sniffer:key 0 60 5\r\nhello\r\nget sniffer:key\r\nquit\r\n"u8.ToArray());
            text = Encoding.ASCII.GetString(await ReadToEndAsync(stream));
        }

        var version = MemcachedVersion().Match(text);
        Assert.True(version.Success, text);
        Assert.Contains("STORED\r\nVALUE sniffer:key 0 5\r\nhello\r\nEND\r\n", text, StringComparison.Ordinal);

        // Binary protocol over TCP: a 24-byte Version request (opcode 0x0b), answered by magic 0x81.
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(server);
            var stream = tcp.GetStream();
            var request = new byte[24];
            request[0] = 0x80;
            request[1] = 0x0B;
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(12), 0x5EED);
            await stream.WriteAsync(request);
            var header = new byte[24];
            await stream.ReadExactlyAsync(header);
            Assert.Equal(0x81, header[0]);
            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8))];
            await stream.ReadExactlyAsync(body);
            Assert.Equal(version.Groups[1].Value, Encoding.ASCII.GetString(body));
        }

        // Text protocol over UDP: the 8-byte frame header (request id, sequence, datagram count, reserved) first.
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            byte[] datagram = [0x36, 0x24, 0, 0, 0, 1, 0, 0, .. "version\r\n"u8];
            await udp.SendAsync(datagram, server);
            var reply = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Contains($"VERSION {version.Groups[1].Value}", Encoding.ASCII.GetString(reply.Buffer.AsSpan(8)), StringComparison.Ordinal);
        }

        var flows = await s.FinishAsync();
        Expect.Flows(flows, "memcached", 3);
        var udpFlow = Expect.One(flows, "network.transport", "udp");
        var tcpFlows = flows.Where(f => f.Str("network.transport") == "tcp").ToList();
        var textFlow = Expect.One(tcpFlows, "sniffer.memcached.protocol", "text");
        var binaryFlow = Expect.One(tcpFlows, "sniffer.memcached.protocol", "binary");
        foreach (var f in new[] { textFlow, binaryFlow, udpFlow })
        {
            Assert.Equal("version", f.Str("sniffer.memcached.command"));
            Expect.Application(f, "memcached", version.Groups[1].Value);
        }

        Assert.Equal("text", udpFlow.Str("sniffer.memcached.protocol"));
    }

    /// <summary>slapd (own slapd.conf, mdb database in the temp dir) and ldapsearch: a simple bind, then anonymous.</summary>
    [SkippableFact]
    public async Task Ldap_SlapdAndLdapsearch()
    {
        var slapd = Tool.Require("slapd", "slapd", "/usr/sbin/slapd");
        var ldapsearch = Tool.Require("ldapsearch", "ldap-utils", "/usr/bin/ldapsearch");
        using var s = await RealProgramSession.StartAsync(output, "ldap", slapd, ldapsearch);
        s.MakeDir("db");
        const string Suffix = "dc=sniffer,dc=test";
        const string Admin = "cn=admin," + Suffix;
        string config = s.WriteFile("slapd.conf", $"""
            include /etc/ldap/schema/core.schema
            pidfile {s.PathOf("slapd.pid")}
            argsfile {s.PathOf("slapd.args")}
            modulepath /usr/lib/ldap
            moduleload back_mdb
            database mdb
            suffix "{Suffix}"
            rootdn "{Admin}"
            rootpw sniffer-secret
            directory {s.PathOf("db")}
            maxsize 10485760
            """);
        await s.StartServerAsync(slapd, ["-d", "0", "-h", $"ldap://{Endpoint}/", "-f", config]);

        var env = new Dictionary<string, string> { ["LDAPNOINIT"] = "1" };
        string uri = $"ldap://{Endpoint}";
        var bound = s.Run(ldapsearch, ["-x", "-H", uri, "-D", Admin, "-w", "sniffer-secret", "-b", "", "-s", "base", "namingContexts"], env: env);
        Assert.Contains($"namingContexts: {Suffix}", bound.Stdout, StringComparison.Ordinal);
        s.Run(ldapsearch, ["-x", "-H", uri, "-b", "", "-s", "base", "supportedLDAPVersion"], env: env);

        var flows = await s.FinishAsync("tcp");
        Expect.Flows(flows, "ldap", 2);
        var admin = Expect.One(flows, "sniffer.ldap.bind_dn", Admin);
        Assert.Equal(Admin, admin.Str("user.name"));
        foreach (var f in flows)
        {
            Assert.Equal("bind_request", f.Str("sniffer.ldap.operation"));
            Assert.Equal("simple", f.Str("sniffer.ldap.auth"));
            Assert.Equal("0", f.Str("sniffer.ldap.result_code"));
            Assert.DoesNotContain("sniffer-secret", f.GetRawText(), StringComparison.Ordinal); // passwords are never written
        }
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream)
    {
        using var ms = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stream.CopyToAsync(ms, timeout.Token);
        return ms.ToArray();
    }

    [GeneratedRegex(@"redis_version:([0-9][0-9.]*)")]
    private static partial Regex RedisVersion();

    [GeneratedRegex(@"VERSION ([0-9][0-9.]*)\r\n")]
    private static partial Regex MemcachedVersion();
}
