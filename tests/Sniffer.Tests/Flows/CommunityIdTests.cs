using Sniffer.Decoding;
using Sniffer.Flows;
using Xunit;

namespace Sniffer.Tests.Flows;

public class CommunityIdTests
{
    // Vectors from the Community ID spec's baseline (corelight/community-id-spec, baseline/baseline_deflt.json).
    [Theory]
    [InlineData("128.232.110.120", 34855, "66.35.250.204", 80, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData("66.35.250.204", 80, "128.232.110.120", 34855, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData("192.168.1.52", 54585, "8.8.8.8", 53, 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    [InlineData("fe80::200:86ff:fe05:80da", 1, "fe80::260:97ff:fe07:69ea", 2, 6, null)]
    public void MatchesSpecVectors(string src, int sport, string dst, int dport, int proto, string? expected)
    {
        string id = CommunityId.Compute(IpAddr.Parse(src), (ushort)sport, IpAddr.Parse(dst), (ushort)dport, (byte)proto);
        string reverse = CommunityId.Compute(IpAddr.Parse(dst), (ushort)dport, IpAddr.Parse(src), (ushort)sport, (byte)proto);
        Assert.Equal(id, reverse);
        Assert.StartsWith("1:", id);
        Assert.Equal(30, id.Length);
        if (expected is not null)
        {
            Assert.Equal(expected, id);
        }
    }
}
