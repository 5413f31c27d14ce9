using System.Security.Cryptography;
using Sniffer.Hashing;
using Xunit;

namespace Sniffer.Tests.Hashing;

public class ShortHashTests
{
    // Every length around the block and padding boundaries (55/56/63/64 bytes...), against the BCL (OpenSSL).
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 200; n++)
        {
            data.Add(n);
        }

        data.Add(1000);
        data.Add(8192);
        data.Add(70_001);
        return data;
    }

    private static byte[] Input(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sha1MatchesTheBcl(int length)
    {
        var input = Input(length);
        var digest = new byte[Sha1.HashSize];
        Sha1.HashData(input, digest);
        Assert.Equal(SHA1.HashData(input), digest);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sha256MatchesTheBcl(int length)
    {
        var input = Input(length);
        var digest = new byte[Sha256.HashSize];
        Sha256.HashData(input, digest);
        Assert.Equal(SHA256.HashData(input), digest);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Md5MatchesTheBcl(int length)
    {
        var input = Input(length);
        var digest = new byte[Md5.HashSize];
        Md5.HashData(input, digest);
        Assert.Equal(MD5.HashData(input), digest);
    }

    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72")]
    public void KnownAnswers(string text, string sha1, string sha256, string md5)
    {
        var input = System.Text.Encoding.ASCII.GetBytes(text);
        Span<byte> d = stackalloc byte[32];
        Sha1.HashData(input, d);
        Assert.Equal(sha1, Hex.ToStringLower(d[..20]));
        Sha256.HashData(input, d);
        Assert.Equal(sha256, Hex.ToStringLower(d));
        Md5.HashData(input, d);
        Assert.Equal(md5, Hex.ToStringLower(d[..16]));
    }

    [Fact]
    public void HexMatchesConvert()
    {
        var input = Input(64);
        Assert.Equal(Convert.ToHexStringLower(input), Hex.ToStringLower(input));
        Span<byte> four = stackalloc byte[4];
        foreach (ushort v in new ushort[] { 0, 0x000a, 0x1301, 0xc02b, 0xffff })
        {
            Hex.Write4(v, four);
            Assert.Equal(v.ToString("x4", System.Globalization.CultureInfo.InvariantCulture), System.Text.Encoding.ASCII.GetString(four));
        }
    }
}
