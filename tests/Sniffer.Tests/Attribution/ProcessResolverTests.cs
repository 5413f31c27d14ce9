using Sniffer.Attribution;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Sniffer.Flows;
using Sniffer.Output;
using Xunit;

namespace Sniffer.Tests.Attribution;

/// <summary>The resolver's answers on a fake /proc tree: every outcome of sniffer.process_lookup, deterministically.</summary>
public class ProcessResolverTests
{
    private const string Lo = "127.0.0.1";

    private static ProcessLookup Tcp(string client, int clientPort, string server, int serverPort, bool clientLocal = true, bool serverLocal = true) =>
        new(Transport.Tcp, IpAddr.Parse(client), (ushort)clientPort, IpAddr.Parse(server), (ushort)serverPort, clientLocal, serverLocal, 0);

    private static ProcessLookup Udp(string client, int clientPort, string server, int serverPort) =>
        new(Transport.Udp, IpAddr.Parse(client), (ushort)clientPort, IpAddr.Parse(server), (ushort)serverPort, true, true, 0);

    [Fact]
    public void BothEndsOfALoopbackConnectionAreNamed()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Socket("tcp", Lo, 3624, Lo, 40000, SocketState.Established, 101)
            .Socket("tcp", Lo, 40000, Lo, 3624, SocketState.Established, 200, uid: 1000)
            .Process(4242, "python3", ["/usr/bin/python3", "-m", "http.server", "3624"], 12345, exe: "/usr/bin/python3.11", socketInodes: [100, 101])
            .Process(5151, "curl", ["curl", "http://127.0.0.1:3624/"], 20000, uid: 1000, exe: "/usr/bin/curl", socketInodes: [200]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);

        Assert.True(lookup.IsDone);
        Assert.Equal(LookupStatus.Found, lookup.ServerStatus);
        var server = lookup.Server!;
        Assert.Equal(4242, server.Pid);
        Assert.Equal("python3", server.Name);
        Assert.Equal("/usr/bin/python3.11", server.Executable);
        Assert.Equal("/usr/bin/python3 -m http.server 3624", server.CommandLine);
        Assert.Equal(0u, server.Uid);
        Assert.Equal("root", server.UserName);
        long ticks = ProcFs.ClockTicksPerSecond();
        Assert.Equal((FakeProc.BootSeconds * 1_000_000_000L) + (12345 * (1_000_000_000L / ticks)), server.StartNs);

        Assert.Equal(LookupStatus.Found, lookup.ClientStatus);
        Assert.Equal(5151, lookup.Client!.Pid);
        Assert.Equal("curl", lookup.Client.Name);
        Assert.Equal(1000u, lookup.Client.Uid); // the effective uid (status' second column), not the real one
        Assert.Equal("curl http://127.0.0.1:3624/", lookup.Client.CommandLine);
    }

    [Fact]
    public void AServerWhoseConnectionAlreadyClosedIsNamedByItsListener()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Socket("tcp", Lo, 3624, Lo, 40000, SocketState.TimeWait, 0) // the server closed first: TIME_WAIT, no owner
            .Process(4242, "python3", ["python3"], 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);

        Assert.Equal(LookupStatus.Found, lookup.ServerStatus);
        Assert.Equal(4242, lookup.Server!.Pid);
        Assert.Equal(LookupStatus.Closed, lookup.ClientStatus); // the client's socket is gone: a short-lived client
        Assert.Null(lookup.Client);
    }

    [Fact]
    public void AFlowWhoseProcessesExitedBeforeTheLookUpSaysClosed()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 40000, Lo, 3624, SocketState.TimeWait, 0);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);
        Assert.Equal(LookupStatus.Closed, lookup.ServerStatus);
        Assert.Equal(LookupStatus.Closed, lookup.ClientStatus);
        Assert.Null(lookup.Server);
    }

    [Fact]
    public void AProcessThatExitsBetweenFindingItsSocketAndReadingItsDetailsSaysExited()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 40000, Lo, 3624, SocketState.Established, 200)
            .Process(5151, "curl", ["curl"], 1, socketInodes: [200]);
        proc.RemoveDetails(5151);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);
        Assert.Equal(LookupStatus.Exited, lookup.ClientStatus);
        Assert.Null(lookup.Client);
    }

    [Fact]
    public void ASocketNoProcessHoldsSaysNotFound()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 40000, Lo, 3624, SocketState.Established, 999)
            .Process(5151, "curl", ["curl"], 1, socketInodes: [200]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);
        Assert.Equal(LookupStatus.NotFound, lookup.ClientStatus);
    }

    [Fact]
    public void AListenerSharedByPreForkedProcessesNamesTheLowestPid()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Process(9002, "nginx", ["nginx: worker process"], 5, socketInodes: [100])
            .Process(9001, "nginx", ["nginx: master process /usr/sbin/nginx"], 4, socketInodes: [100])
            .Process(9003, "nginx", ["nginx: worker process"], 6, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var lookup = Tcp("10.0.0.9", 40000, Lo, 3624, clientLocal: false);
        resolver.ResolveBatch([lookup]);
        Assert.Equal(9001, lookup.Server!.Pid);
        Assert.Equal("nginx: master process /usr/sbin/nginx", lookup.Server.CommandLine);
        Assert.Equal(LookupStatus.NotLocal, lookup.ClientStatus);
    }

    [Fact]
    public void AnIpv4FlowIsServedByADualStackListener()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp6", "::", 3624, "::", 0, SocketState.Listen, 100)
            .Socket("tcp6", Lo, 3624, Lo, 40000, SocketState.Established, 101) // ::ffff:127.0.0.1 in the table
            .Process(777, "dotnet", ["dotnet", "server.dll"], 5, socketInodes: [100, 101]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        resolver.ResolveBatch([lookup]);
        Assert.Equal(777, lookup.Server!.Pid);
        Assert.Equal(LookupStatus.Closed, lookup.ClientStatus);
    }

    [Fact]
    public void UnconnectedUdpSocketsAreMatchedByTheirLocalPort()
    {
        using var proc = new FakeProc();
        proc.Socket("udp", "0.0.0.0", 3624, "0.0.0.0", 0, SocketState.Close, 300)
            .Socket("udp", "0.0.0.0", 50505, "0.0.0.0", 0, SocketState.Close, 301)
            .Process(10, "dnsmasq", ["dnsmasq", "-k"], 5, socketInodes: [300])
            .Process(11, "dig", ["dig", "@127.0.0.1", "-p", "3624"], 6, socketInodes: [301]);
        using var resolver = proc.Resolver();
        var lookup = Udp(Lo, 50505, Lo, 3624);
        resolver.ResolveBatch([lookup]);
        Assert.Equal("dnsmasq", lookup.Server!.Name);
        Assert.Equal("dig", lookup.Client!.Name);
    }

    [Fact]
    public void OneProcessIsOneSharedObjectAndAReusedPidIsANewProcess()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Process(4242, "python3", ["python3"], 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var first = Tcp(Lo, 40000, Lo, 3624, clientLocal: false);
        var second = Tcp(Lo, 40001, Lo, 3624, clientLocal: false);
        resolver.ResolveBatch([first]);
        resolver.ResolveBatch([second]);
        Assert.Same(first.Server, second.Server);

        // The server is restarted and the kernel hands out the same PID: the start time tells them apart.
        proc.RemoveProcess(4242);
        proc.Process(4242, "python3", ["python3", "-m", "new"], 2, socketInodes: [100]);
        var third = Tcp(Lo, 40002, Lo, 3624, clientLocal: false);
        resolver.ResolveBatch([third]);
        Assert.NotSame(first.Server, third.Server);
        Assert.Equal("python3 -m new", third.Server!.CommandLine);
    }

    [Fact]
    public void ALongCommandLineIsCutAndMarked()
    {
        using var proc = new FakeProc();
        string[] args = ["/opt/app/bin/server", .. Enumerable.Repeat("--option=value", 300)];
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Process(4242, "server", args, 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624, clientLocal: false);
        resolver.ResolveBatch([lookup]);
        string cmd = lookup.Server!.CommandLine!;
        Assert.Equal(ProcessInfoReader.MaxCommandLineLength + 1, cmd.Length);
        Assert.EndsWith(WireText.TruncationMark.ToString(), cmd, StringComparison.Ordinal);
        Assert.StartsWith("/opt/app/bin/server --option=value --option=value", cmd, StringComparison.Ordinal);
        Assert.True(WireText.IsTruncated(cmd));
    }

    [Fact]
    public void AProcessWithoutAReadableExecutableOrCommandLineKeepsItsName()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Process(2, "kworker/0:1 (x)", [], 1, exe: null, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624, clientLocal: false);
        resolver.ResolveBatch([lookup]);
        Assert.Equal("kworker/0:1 (x)", lookup.Server!.Name); // a name with spaces and parentheses
        Assert.Null(lookup.Server.Executable);
        Assert.Null(lookup.Server.CommandLine);
    }

    [Fact]
    public void RequestsAreMadeOnlyForFlowsWithALocalEndpoint()
    {
        using var proc = new FakeProc();
        using var resolver = proc.Resolver("192.0.2.7");
        Assert.Null(resolver.Request(NewFlow("10.0.0.1", 40000, "10.0.0.2", 3624)));
        var toUs = resolver.Request(NewFlow("10.0.0.1", 40000, "192.0.2.7", 3624))!;
        Assert.Equal(LookupStatus.NotLocal, toUs.ClientStatus);
        Assert.Equal(LookupStatus.Pending, toUs.ServerStatus);
        var fromUs = resolver.Request(NewFlow("::1", 40000, "2001:db8::5", 3624))!;
        Assert.Equal(LookupStatus.Pending, fromUs.ClientStatus);
        Assert.Equal(LookupStatus.NotLocal, fromUs.ServerStatus);

        var tunnelled = NewFlow(Lo, 40000, Lo, 3624);
        tunnelled.Tunnel = TunnelType.Vxlan;
        Assert.Null(resolver.Request(tunnelled)); // inner addresses belong to other hosts
        Assert.Equal(2, resolver.Statistics.Requested);
    }

    [Fact]
    public void AFullQueueDropsAndCountsInsteadOfBlocking()
    {
        using var proc = new FakeProc();
        using var resolver = proc.Resolver(); // not started: nothing takes from the queue
        for (int i = 0; i < ProcessResolver.QueueCapacity; i++)
        {
            Assert.False(resolver.Request(NewFlow(Lo, (ushort)(1000 + (i % 60000)), Lo, 3624))!.IsDone);
        }

        var dropped = resolver.Request(NewFlow(Lo, 999, Lo, 3624))!;
        Assert.True(dropped.IsDone);
        Assert.Equal(LookupStatus.Dropped, dropped.ServerStatus);
        Assert.Equal(LookupStatus.Dropped, dropped.ClientStatus);
        Assert.Equal(1, resolver.Statistics.Dropped);
    }

    [Fact]
    public void AnAbandonedLookUpIsSkipped()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100).Process(1, "init", ["init"], 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        var lookup = Tcp(Lo, 40000, Lo, 3624);
        lookup.Abandon();
        resolver.ResolveBatch([lookup]);
        Assert.False(lookup.IsDone);
        Assert.Equal(1, resolver.Statistics.Skipped);
    }

    [SkippableFact]
    public void ProcessesWhoseDescriptorsAreUnreadableSayDenied()
    {
        Skip.If(Support.SnifferBinary.IsRoot, "root reads every directory: permission cannot be denied to it");
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 40000, Lo, 3624, SocketState.Established, 200)
            .Process(5151, "curl", ["curl"], 1, socketInodes: [200]);
        File.SetUnixFileMode(Path.Combine(proc.Root, "5151", "fd"), UnixFileMode.None);
        try
        {
            using var resolver = proc.Resolver();
            var lookup = Tcp(Lo, 40000, Lo, 3624);
            resolver.ResolveBatch([lookup]);
            Assert.Equal(LookupStatus.Denied, lookup.ClientStatus);
        }
        finally
        {
            File.SetUnixFileMode(Path.Combine(proc.Root, "5151", "fd"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void TheStartedThreadAnswersRequestsAndWaitersAreWokenWithinTheirBudget()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Process(4242, "python3", ["python3"], 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        resolver.Start();
        var lookup = resolver.Request(NewFlow(Lo, 40000, Lo, 3624))!;
        long budget = System.Diagnostics.Stopwatch.Frequency * 30; // generous: the machine may be busy
        Assert.True(resolver.WaitFor(lookup, ref budget));
        Assert.Equal(4242, lookup.Server!.Pid);
        Assert.Equal(LookupStatus.Closed, lookup.ClientStatus);
    }

    internal static Flow NewFlow(string client, ushort clientPort, string server, ushort serverPort)
    {
        var key = FlowKey.Create(IpAddr.Parse(client), clientPort, IpAddr.Parse(server), serverPort, (byte)Transport.Tcp, 0, out bool clientIsA);
        return new Flow { Transport = Transport.Tcp, Key = key, ClientIsA = clientIsA };
    }
}

/// <summary>The inode → PID index on a fake tree.</summary>
public class SocketOwnerIndexTests
{
    [Fact]
    public void ANewProcessIsFoundByWalkingOnlyTheNewOnesAndAStaleHitIsDropped()
    {
        using var proc = new FakeProc();
        proc.Process(10, "old", ["old"], 1, socketInodes: [100]);
        int root = ProcFs.OpenRoot(proc.Root);
        try
        {
            var index = new SocketOwnerIndex(root);
            Assert.True(index.Rescan());
            Assert.True(index.TryGetOwner(100, out var old));
            Assert.Equal(new SocketOwner(10, 3), old);
            Assert.Equal(1, index.LastProcesses);
            Assert.Equal(2, index.LastDescriptors); // fd 0 (/dev/null) and the socket

            proc.Process(20, "curl", ["curl"], 2, socketInodes: [200]);
            Assert.False(index.TryGetOwner(200, out _));
            Assert.Equal(1, index.ScanNew());
            Assert.True(index.TryGetOwner(200, out var fresh));
            Assert.Equal(20, fresh.Pid);
            Assert.Equal(0, index.ScanNew()); // nothing new any more

            proc.RemoveProcess(10); // the descriptor is gone: the cached answer must not be trusted
            Assert.False(index.TryGetOwner(100, out _));
        }
        finally
        {
            ProcFs.Close(root);
        }
    }
}

/// <summary>Which addresses are this host's.</summary>
public class LocalAddressesTests
{
    [Fact]
    public void LoopbackRangesAreAlwaysLocal()
    {
        var local = new LocalAddresses(() => []);
        Assert.True(local.IsLocal(IpAddr.Parse("127.0.0.1")));
        Assert.True(local.IsLocal(IpAddr.Parse("127.45.6.7")));
        Assert.True(local.IsLocal(IpAddr.Parse("::1")));
        Assert.False(local.IsLocal(IpAddr.Parse("::2")));
        Assert.False(local.IsLocal(IpAddr.Parse("128.0.0.1")));
        Assert.False(local.IsLocal(IpAddr.Parse("10.0.0.1")));
    }

    [SkippableFact]
    public void EveryIpv6AddressTheKernelListsIsLocal()
    {
        // /proc/net/if_inet6 is the kernel's own list, independent of the interface API LocalAddresses reads.
        Skip.IfNot(File.Exists("/proc/net/if_inet6"), "no IPv6 here");
        var local = new LocalAddresses();
        int seen = 0;
        foreach (string line in File.ReadAllLines("/proc/net/if_inet6"))
        {
            string hex = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            var ip = IpAddr.FromV6(Convert.FromHexString(hex));
            Assert.True(local.IsLocal(ip), $"{ip} is this host's but not seen as local");
            seen++;
        }

        Skip.If(seen == 0, "no IPv6 address configured");
        Assert.False(local.IsLocal(IpAddr.Parse("2001:db8:ffff::77")));
    }
}
