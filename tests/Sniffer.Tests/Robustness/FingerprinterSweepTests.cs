using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Every registered fingerprinter on every short input built from the bytes parsers trip over (CR, LF, NUL, space,
/// separators, version bytes), on either side, both transports, complete or not: no exception. Found by fuzzing:
/// a bare CR or CR LF from the server crashed the IRC, Redis and memcached probes, an empty TFTP error text the TFTP one.
/// </summary>
public class FingerprinterSweepTests
{
    private static readonly byte[] Alphabet = [0x00, 0x0d, 0x0a, 0x20, 0x3a, 0x30, 0x2b, 0x2a, 0xff, 0x01, 0x05, 0x81, 0x16, 0x03];

    private static IEnumerable<byte[]> ShortInputs()
    {
        yield return [];
        foreach (byte a in Alphabet)
        {
            yield return [a];
            foreach (byte b in Alphabet)
            {
                yield return [a, b];
                foreach (byte c in Alphabet)
                {
                    yield return [a, b, c];
                }
            }
        }
    }

    [Theory]
    [InlineData("", "0d")]
    [InlineData("", "0d0a")]
    [InlineData("", "00050000")]
    [InlineData("3030303030", "303030003030000d0d")]
    public void FuzzFoundInputs(string clientHex, string serverHex)
    {
        byte[] client = Convert.FromHexString(clientHex), server = Convert.FromHexString(serverHex);
        foreach (var registration in FingerprinterRegistry.All)
        {
            foreach (var transport in new[] { Transport.Tcp, Transport.Udp })
            {
                foreach (bool complete in new[] { false, true })
                {
                    Run(registration.Fingerprinter, new InspectionContext(transport, client, server, complete, complete));
                    Run(registration.Fingerprinter, new InspectionContext(transport, server, client, complete, complete));
                }
            }
        }
    }

    [Fact]
    public void ShortInputsOnEverySide()
    {
        var inputs = ShortInputs().ToList();
        foreach (var registration in FingerprinterRegistry.All)
        {
            var fp = registration.Fingerprinter;
            foreach (var input in inputs)
            {
                foreach (var transport in new[] { Transport.Tcp, Transport.Udp })
                {
                    Run(fp, new InspectionContext(transport, input, [], false, false));
                    Run(fp, new InspectionContext(transport, [], input, false, false));
                    Run(fp, new InspectionContext(transport, input, input, true, true));
                }
            }
        }
    }

    private static void Run(IFingerprinter fp, in InspectionContext context)
    {
        try
        {
            var r = fp.Probe(context);
            if (r.Status == ProbeStatus.Match)
            {
                ProtocolMetadata? meta = null;
                fp.Extract(context, ref meta);
            }
        }
        catch (Exception e)
        {
            Assert.Fail($"{fp.Name} threw {e.GetType().Name} on client {Convert.ToHexString(context.Client)} server {Convert.ToHexString(context.Server)} ({context.Transport}, complete {context.ClientComplete}): {e.Message}");
        }
    }
}
