using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Mqtt;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class MqttTests
{
    private static readonly MqttFingerprinter Fp = MqttFingerprinter.Instance;

    [Theory]
    [InlineData(0, "3.1")]
    [InlineData(1, "3.1.1")]
    [InlineData(2, "3.1.1")]
    [InlineData(3, "5.0")]
    public void Connect_IsHigh(int sample, string version)
    {
        byte[] connect = new[] { MqttConnect31, MqttConnectAzure, MqttConnect311User, MqttConnect5 }[sample];
        var r = Probe(Fp, Transport.Tcp, connect, [], false, false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("mqtt.connect", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, connect, MqttConnack);
        Assert.Equal(version, Path(doc, "sniffer.mqtt.version"));
    }

    [Fact]
    public void Fields()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, MqttConnect311User, MqttConnack);
        Assert.Equal("sensor-42", Path(doc, "sniffer.mqtt.client_id"));
        Assert.Equal("mqttuser", Path(doc, "ecs.user.name"));
        Assert.Equal("60", Path(doc, "sniffer.mqtt.keep_alive"));
        Assert.Equal("0", Path(doc, "sniffer.mqtt.connack_code"));
        using var azure = ExtractJson(Fp, Transport.Tcp, MqttConnectAzure, []);
        Assert.Equal("P47775ID170W2120", Path(azure, "sniffer.mqtt.client_id"));
        Assert.StartsWith("iotazewpmlithub.azure-devices.net/", Path(azure, "ecs.user.name"), StringComparison.Ordinal);
        using var v5 = ExtractJson(Fp, Transport.Tcp, MqttConnect5, MqttConnack5);
        Assert.Equal("sensor-5", Path(v5, "sniffer.mqtt.client_id"));
    }

    [Fact]
    public void ConnackAlone_IsLow()
    {
        var r = Probe(Fp, Transport.Tcp, [], MqttConnack5, true, true);
        Assert.Equal(Confidence.Low, r.Confidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, MqttConnect5, MqttConnack5).Confidence);
    }

    [Fact]
    public void Standard()
    {
        AssertStandard(Fp, Transport.Tcp, MqttConnect31, MqttConnack);
        AssertStandard(Fp, Transport.Tcp, MqttConnect5, MqttConnack5);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("10ffffffff7f"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("102300044d51545404c3003c000973656e736f722d343200086d7174747573657200027077"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("102300044d51545409c2003c000973656e736f722d343200086d7174747573657200027077"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("102300044d51545404c2003cffff73656e736f722d343200086d7174747573657200027077"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, MqttConnect311User, MqttConnack5);
        AssertSurvivesMutations(Fp, Transport.Tcp, MqttConnectAzure, MqttConnack);
    }
}
