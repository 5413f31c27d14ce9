using Sniffer.Fingerprinting.Text;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary><see cref="TextLine.IsText"/> (one vectorised search) against the byte-by-byte rule it replaced.</summary>
public class TextLineIsTextTests
{
    private static bool Reference(ReadOnlySpan<byte> s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            byte b = s[i];
            if (b < 0x20 && b != '\t' && !(b == '\r' && i == s.Length - 1))
            {
                return false;
            }

            if (b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    [Fact]
    public void EveryShortInputAndRandomLongOnesAgree()
    {
        for (int a = 0; a < 256; a++)
        {
            Assert.Equal(Reference([(byte)a]), TextLine.IsText([(byte)a]));
            for (int b = 0; b < 256; b++)
            {
                byte[] two = [(byte)a, (byte)b];
                Assert.Equal(Reference(two), TextLine.IsText(two));
            }
        }

        Assert.True(TextLine.IsText([]));
        var rng = new Random(5);
        for (int n = 0; n < 20000; n++)
        {
            var s = new byte[rng.Next(200)];
            for (int i = 0; i < s.Length; i++)
            {
                // Mostly printable text with the occasional control byte, CR, tab or DEL anywhere, often last.
                s[i] = rng.Next(20) switch
                {
                    0 => (byte)rng.Next(0x20),
                    1 => (byte)'\r',
                    2 => 0x7F,
                    3 => (byte)'\t',
                    _ => (byte)rng.Next(0x20, 0x100),
                };
            }

            if (s.Length > 0 && rng.Next(3) == 0)
            {
                s[^1] = (byte)'\r';
            }

            Assert.True(Reference(s) == TextLine.IsText(s), Convert.ToHexString(s));
        }
    }
}
