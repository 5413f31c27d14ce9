using System.Text;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Tls;
using Sniffer.Fingerprinting.Tor;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

public class TorTests
{
    [Theory]
    [InlineData("www.k4nbwqzmrt2s.com")]
    [InlineData("www.5vkw2a4nh7qr.com")]
    [InlineData("www.qxzbtmwplkrf.com")]
    [InlineData("www.oa6vm3gvxe.com")]
    public void TorHostnamesMatch(string sni) => Assert.True(TorShape.IsRandomHostname(sni));

    [Theory]
    [InlineData("www.facebook.com")]
    [InlineData("www.w3schools.com")]
    [InlineData("www.wordpress.com")]
    [InlineData("www.stackoverflow.com")]
    [InlineData("www.microsoft.com")]
    [InlineData("www.google.com")]
    [InlineData("www.k4nbwqzmrt2s.net")]
    [InlineData("mail.k4nbwqzmrt2s.com")]
    [InlineData("www.k4nb-wqzmrt2s.com")]
    [InlineData("www.K4NBWQZMRT2S.com")]
    [InlineData("www.k4nb.com")]
    [InlineData("www.k4nbwqzmrt2sk4nbwqzmrt2s.com")]
    public void OtherHostnamesDoNot(string sni) => Assert.False(TorShape.IsRandomHostname(sni));

    /// <summary>A TLS 1.2 ClientHello with SNI and optionally ALPN.</summary>
    internal static byte[] ClientHello(string sni, string? alpn)
    {
        var ext = new List<byte>();
        var name = Encoding.ASCII.GetBytes(sni);
        ext.AddRange([0x00, 0x00, 0, (byte)(name.Length + 5), 0, (byte)(name.Length + 3), 0, 0, (byte)name.Length, .. name]);
        if (alpn is not null)
        {
            var a = Encoding.ASCII.GetBytes(alpn);
            ext.AddRange([0x00, 0x10, 0, (byte)(a.Length + 3), 0, (byte)(a.Length + 1), (byte)a.Length, .. a]);
        }

        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);
        body.Add(0);
        body.AddRange([0, 4, 0xC0, 0x2F, 0x00, 0x9C, 1, 0]);
        body.AddRange([(byte)(ext.Count >> 8), (byte)ext.Count, .. ext]);
        var hs = new List<byte> { 1, 0, (byte)(body.Count >> 8), (byte)body.Count };
        hs.AddRange(body);
        return [0x16, 0x03, 0x01, (byte)(hs.Count >> 8), (byte)hs.Count, .. hs];
    }

    private static string? NameFor(byte[] hello)
    {
        ProtocolMetadata? meta = null;
        var context = new InspectionContext(Transport.Tcp, hello, default, true, true);
        Assert.Equal(ProbeStatus.Match, TlsFingerprinter.Instance.Probe(context).Status);
        TlsFingerprinter.Instance.Extract(context, ref meta);
        return meta!.SwitchedProtocol;
    }

    [Fact]
    public void AlpnLessHelloWithRandomSniIsTor()
    {
        Assert.Equal("tor", NameFor(ClientHello("www.k4nbwqzmrt2s.com", null)));
        Assert.Null(NameFor(ClientHello("www.k4nbwqzmrt2s.com", "h2")));
        Assert.Null(NameFor(ClientHello("www.facebook.com", null)));
    }
}
