using System.Net;
using System.Net.Sockets;
using Sniffer.Attribution;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Attribution;

/// <summary>The resolver against the real /proc: sockets this test process opens must be traced back to it.</summary>
public class ProcessResolverLiveTests
{
    private static ProcessResolver Create()
    {
        var resolver = ProcessResolver.TryCreate(null, out string? error);
        Skip.If(resolver is null, $"no /proc here: {error}");
        return resolver!;
    }

    [SkippableFact]
    public void OwnTcpListenerAndClientAreTracedToThisProcess()
    {
        using var resolver = Create();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptTcpClient();
        int clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        var lookup = new ProcessLookup(Transport.Tcp, IpAddr.Parse("127.0.0.1"), (ushort)clientPort, IpAddr.Parse("127.0.0.1"), (ushort)port, true, true, 0);
        resolver.ResolveBatch([lookup]);

        Assert.True(lookup.IsDone);
        Assert.Equal(LookupStatus.Found, lookup.ServerStatus);
        Assert.Equal(LookupStatus.Found, lookup.ClientStatus);
        Assert.Equal(Environment.ProcessId, lookup.Server!.Pid);
        Assert.Same(lookup.Server, lookup.Client); // one shared object per process
        Assert.Equal(Environment.ProcessPath, lookup.Server.Executable);
        Assert.NotNull(lookup.Server.CommandLine);
        Assert.Equal(Environment.UserName, lookup.Server.UserName);
    }
}
