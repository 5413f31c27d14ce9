using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Modbus;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class ModbusTests
{
    private static readonly ModbusFingerprinter Fp = ModbusFingerprinter.Instance;

    [Fact]
    public void RequestAndResponse()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Tcp, ModbusRequest, [], false, false).Status);
        Assert.Equal(Confidence.Medium, Probe(Fp, Transport.Tcp, ModbusRequest, [], true, true).Confidence);
        var r = Probe(Fp, Transport.Tcp, ModbusRequest, ModbusResponse);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("modbus.request", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, ModbusRequest, ModbusResponse);
        Assert.Equal("1", Path(doc, "sniffer.modbus.unit_id"));
        Assert.Equal("3", Path(doc, "sniffer.modbus.function_code"));
        Assert.Equal("read_holding_registers", Path(doc, "sniffer.modbus.function"));
    }

    [Fact]
    public void Exception()
    {
        byte[] exception = Hex("00d1000000030183" + "02");
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, ModbusRequest, exception).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, ModbusRequest, exception);
        Assert.Equal("2", Path(doc, "sniffer.modbus.exception_code"));
    }

    [Fact]
    public void Mismatches_AreRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, ModbusRequest, Hex("00d2000000050103020000")).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, ModbusRequest, Hex("00d1000000050104020000")).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], ModbusResponse).Status);
    }

    [Fact]
    public void MidStreamReversedDirections_AreRecognised()
    {
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, ModbusResponse, ModbusRequest).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, ModbusResponse, ModbusRequest);
        Assert.Equal("read_holding_registers", Path(doc, "sniffer.modbus.function"));
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Tcp, ModbusRequest, ModbusResponse);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00d100010006010300010001"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00d100000006010300010000"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00d100000006016300010001"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00d1000000ff0110000100020400"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, ModbusRequest, ModbusResponse);
    }
}
