using System.Text;
using Sniffer.Decoding;
using Sniffer.Output;
using Xunit;

namespace Sniffer.Tests.Output;

public class AddressTextCacheTests
{
    [Fact]
    public void EveryAddressGetsItsOwnTextEvenWhenSlotsCollide()
    {
        var cache = new AddressTextCache();
        var addresses = new List<IpAddr>();
        for (int i = 0; i < AddressTextCache.Slots * 3; i++)
        {
            addresses.Add(IpAddr.FromV4((uint)(0x0A000000 + (i * 1024))));           // same low bits: one slot
            addresses.Add(IpAddr.FromV4((uint)(0xC0A80000 + i)));
            addresses.Add(IpAddr.Parse($"2001:db8::{i:x}"));
            addresses.Add(IpAddr.Parse($"::ffff:10.0.{i >> 8 & 255}.{i & 255}"));
        }

        Span<byte> expected = stackalloc byte[64];
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (var ip in addresses)
            {
                Assert.True(ip.TryFormat(expected, out int n));
                Assert.Equal(Encoding.ASCII.GetString(expected[..n]), Encoding.ASCII.GetString(cache.Get(ip)));
                Assert.Equal(Encoding.ASCII.GetString(expected[..n]), Encoding.ASCII.GetString(cache.Get(ip)));
            }
        }
    }
}
