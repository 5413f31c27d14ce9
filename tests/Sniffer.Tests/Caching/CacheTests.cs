using System.Security.Cryptography;
using System.Text;
using Sniffer.Caching;
using Xunit;

namespace Sniffer.Tests.Caching;

public class CacheTests
{
    [Fact]
    public void PooledStringsAreSharedAndEqualToTheirBytes()
    {
        var a = AsciiStringPool.Get("SSH-2.0-OpenSSH_9.2p1"u8);
        var b = AsciiStringPool.Get("SSH-2.0-OpenSSH_9.2p1"u8);
        Assert.Equal("SSH-2.0-OpenSSH_9.2p1", a);
        Assert.Same(a, b);
        Assert.Equal("", AsciiStringPool.Get(default));
        Assert.Equal("a?b", AsciiStringPool.Get([(byte)'a', 0xC3, (byte)'b'])); // non-ASCII as Encoding.ASCII would
    }

    [Fact]
    public void EveryTextIsReturnedExactlyEvenWhenSlotsCollide()
    {
        // Far more distinct texts than slots: every answer must still be the text's own.
        for (int i = 0; i < AsciiStringPool.Slots * 4; i++)
        {
            string text = $"agent/{i}";
            Assert.Equal(text, AsciiStringPool.Get(Encoding.ASCII.GetBytes(text)));
        }
    }

    [Fact]
    public void CachedDigestsEqualFreshOnes()
    {
        for (int i = 0; i < DigestCache.Slots * 3; i++)
        {
            byte[] input = Encoding.ASCII.GetBytes($"771,4865-4866-{i % 700},0-23-65281,29-23,0");
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(input)), DigestCache.Hex(DigestAlgorithm.Md5, input));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(input)), DigestCache.Hex(DigestAlgorithm.Sha256, input));
        }

        var big = new byte[DigestCache.MaxInput + 10];
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(big)), DigestCache.Hex(DigestAlgorithm.Md5, big));
    }
}
