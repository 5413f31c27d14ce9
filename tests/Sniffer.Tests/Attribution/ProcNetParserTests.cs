using System.Text;
using Sniffer.Attribution;
using Sniffer.Decoding;
using Xunit;

namespace Sniffer.Tests.Attribution;

/// <summary>/proc/net/{tcp,tcp6,udp,udp6} lines as a little-endian x86-64 kernel prints them.</summary>
public class ProcNetParserTests
{
    private const string TcpTable = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 24114 1 0000000000000000 100 0 0 10 0
           1: 0100007F:A8D4 0100007F:0E28 01 00000000:00000000 00:00000000 00000000  1000        0 24190 1 0000000000000000 20 4 30 10 -1
           2: 0100007F:0E28 0100007F:A8C2 06 00000000:00000000 03:00000110 00000000     0        0 0 3 0000000000000000
           3: 0A01A8C0:0016 6401A8C0:D431 01 00000000:00000000 02:0004F3A5 00000000     0        0 31337 4 0000000000000000 20 4 31 10 -1

        """;

    private static List<SocketEntry> Parse(string table, bool littleEndian = true)
    {
        var list = new List<SocketEntry>();
        foreach (var line in table.Split('\n'))
        {
            if (ProcNetParser.TryParseLine(Encoding.ASCII.GetBytes(line), littleEndian, out var e))
            {
                list.Add(e);
            }
        }

        return list;
    }

    [Fact]
    public void Ipv4LinesGiveAddressesPortsStatesUidsAndInodes()
    {
        var entries = Parse(TcpTable);
        Assert.Equal(4, entries.Count); // the header is not an entry

        var listen = entries[0];
        Assert.Equal(IpAddr.Parse("127.0.0.1"), listen.LocalIp);
        Assert.Equal(3624, listen.LocalPort);
        Assert.Equal(default, listen.RemoteIp);
        Assert.Equal(0, listen.RemotePort);
        Assert.Equal(SocketState.Listen, listen.State);
        Assert.Equal(24114UL, listen.Inode);
        Assert.False(listen.LocalIsAny);

        var client = entries[1];
        Assert.Equal(43220, client.LocalPort);
        Assert.Equal(IpAddr.Parse("127.0.0.1"), client.RemoteIp);
        Assert.Equal(3624, client.RemotePort);
        Assert.Equal(SocketState.Established, client.State);
        Assert.Equal(1000u, client.Uid);
        Assert.Equal(24190UL, client.Inode);

        Assert.Equal(SocketState.TimeWait, entries[2].State);
        Assert.Equal(0UL, entries[2].Inode); // TIME_WAIT: no process holds it

        Assert.Equal(IpAddr.Parse("192.168.1.10"), entries[3].LocalIp);
        Assert.Equal(22, entries[3].LocalPort);
        Assert.Equal(IpAddr.Parse("192.168.1.100"), entries[3].RemoteIp);
        Assert.Equal(54321, entries[3].RemotePort);
    }

    [Fact]
    public void Ipv6AddressesAreFourWordsEachInMemoryOrder()
    {
        const string table = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:0E28 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
               1: 00000000000000000000000001000000:0E28 00000000000000000000000001000000:B3A4 01 00000000:00000000 00:00000000 00000000   105        0 5002 1 0000000000000000 20 4 30 10 -1
               2: B80D0120000000000000000001000000:01BB B80D01200000000000000000FE00ADDE:C350 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 4 30 10 -1
            """;
        var e = Parse(table);
        Assert.Equal(3, e.Count);
        Assert.True(e[0].LocalIsAny);
        Assert.True(e[0].LocalIp.IsV6);
        Assert.Equal(IpAddr.Parse("::1"), e[1].LocalIp);
        Assert.Equal(IpAddr.Parse("::1"), e[1].RemoteIp);
        Assert.Equal(0xB3A4, e[1].RemotePort);
        Assert.Equal(105u, e[1].Uid);
        Assert.Equal(IpAddr.Parse("2001:db8::1"), e[2].LocalIp);
        Assert.Equal(443, e[2].LocalPort);
        Assert.Equal(IpAddr.Parse("2001:db8::dead:fe"), e[2].RemoteIp);
        Assert.Equal(50000, e[2].RemotePort);
    }

    [Fact]
    public void Ipv4MappedAddressesOfDualStackSocketsComeBackAsIpv4()
    {
        const string line = "   0: 0000000000000000FFFF00000100007F:8084 0000000000000000FFFF00000A01A8C0:9A8D 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1";
        Assert.True(ProcNetParser.TryParseLine(Encoding.ASCII.GetBytes(line), true, out var e));
        Assert.False(e.LocalIp.IsV6);
        Assert.Equal(IpAddr.Parse("127.0.0.1"), e.LocalIp);
        Assert.Equal(IpAddr.Parse("192.168.1.10"), e.RemoteIp);
        Assert.Equal(0x8084, e.LocalPort);
    }

    [Fact]
    public void UdpLinesHaveTheSameColumns()
    {
        const string table = """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              123: 00000000:0E28 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8801 2 0000000000000000 0
              124: 0100007F:D6D8 0100007F:0E28 01 00000000:00000000 00:00000000 00000000   100        0 8802 2 0000000000000000 0
            """;
        var e = Parse(table);
        Assert.Equal(2, e.Count);
        Assert.True(e[0].LocalIsAny);
        Assert.Equal(SocketState.Close, e[0].State); // unconnected
        Assert.Equal(0, e[0].RemotePort);
        Assert.Equal(SocketState.Established, e[1].State); // connected
        Assert.Equal(3624, e[1].RemotePort);
        Assert.Equal(8802UL, e[1].Inode);
    }

    [Fact]
    public void ABigEndianKernelPrintsAddressesInNetworkOrder()
    {
        const string line = "   0: 7F000001:0E28 C0A8010A:D431 01 00000000:00000000 00:00000000 00000000     0        0 42 1 0000000000000000";
        Assert.True(ProcNetParser.TryParseLine(Encoding.ASCII.GetBytes(line), littleEndian: false, out var e));
        Assert.Equal(IpAddr.Parse("127.0.0.1"), e.LocalIp);
        Assert.Equal(IpAddr.Parse("192.168.1.10"), e.RemoteIp);
        Assert.Equal(3624, e.LocalPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  sl  local_address rem_address   st tx_queue")]
    [InlineData("   0: 0100007F:0E28 00000000:0000 0A")] // cut short
    [InlineData("   0: 0100007G:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1")] // not hex
    [InlineData("   0: 0100007F:E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1")] // port of 3 digits
    [InlineData("   0: 0100007F0:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1")] // 9-digit address
    [InlineData("   0: 0100007F:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     x        0 1 1")] // uid
    [InlineData("   0: 0100007F:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999999999999999999 1")] // inode overflow
    [InlineData("0 0100007F:0E28 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1")] // no slot colon
    public void MalformedLinesAreRejectedWithoutThrowing(string line)
    {
        Assert.False(ProcNetParser.TryParseLine(Encoding.ASCII.GetBytes(line), true, out _));
    }

    [Fact]
    public void EveryPrefixOfALineIsHandled()
    {
        byte[] line = Encoding.ASCII.GetBytes("   1: 0100007F:A8D4 0100007F:0E28 01 00000000:00000000 00:00000000 00000000  1000        0 24190 1 0000000000000000 20 4 30 10 -1");
        int accepted = 0;
        for (int n = 0; n <= line.Length; n++)
        {
            if (ProcNetParser.TryParseLine(line.AsSpan(0, n), true, out var e))
            {
                accepted++;
                Assert.Equal(43220, e.LocalPort);
            }
        }

        // From the inode's first digit on, a prefix is a (shorter) valid line; before it, none is.
        Assert.Equal(line.Length - "   1: 0100007F:A8D4 0100007F:0E28 01 00000000:00000000 00:00000000 00000000  1000        0 ".Length, accepted);
    }

    [Fact]
    public void SocketLinksAreRecognised()
    {
        Assert.True(SocketOwnerIndex.TryParseSocketLink("socket:[24114]"u8, out ulong inode));
        Assert.Equal(24114UL, inode);
        Assert.False(SocketOwnerIndex.TryParseSocketLink("pipe:[24114]"u8, out _));
        Assert.False(SocketOwnerIndex.TryParseSocketLink("socket:[]"u8, out _));
        Assert.False(SocketOwnerIndex.TryParseSocketLink("socket:[12a]"u8, out _));
        Assert.False(SocketOwnerIndex.TryParseSocketLink("/dev/null"u8, out _));
        Assert.False(SocketOwnerIndex.TryParseSocketLink("socket:[24114"u8, out _));
    }
}
