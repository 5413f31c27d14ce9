using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Kafka;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class KafkaTests
{
    private static readonly KafkaFingerprinter Fp = KafkaFingerprinter.Instance;

    [Fact]
    public void RequestAndEchoedCorrelation_IsHigh()
    {
        var r = Probe(Fp, Transport.Tcp, KafkaApiVersions, KafkaApiVersionsResponse, false, false);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("kafka.request", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, KafkaApiVersions, KafkaApiVersionsResponse);
        Assert.Equal("18", Path(doc, "sniffer.kafka.api_key"));
        Assert.Equal("ApiVersions", Path(doc, "sniffer.kafka.api_name"));
        Assert.Equal("rdkafka", Path(doc, "sniffer.kafka.client_id"));
    }

    [Fact]
    public void RequestAlone_WaitsThenMedium()
    {
        Assert.Equal(ProbeStatus.NeedMoreData, Probe(Fp, Transport.Tcp, KafkaMetadataReq, [], false, false).Status);
        var r = Probe(Fp, Transport.Tcp, KafkaMetadataReq, [], true, true);
        Assert.Equal(Confidence.Medium, r.Confidence);
    }

    [Fact]
    public void WrongCorrelation_IsRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, KafkaMetadataReq, KafkaApiVersionsResponse).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], KafkaApiVersionsResponse).Status);
    }

    [Fact]
    public void ApiVersionsV3_ClientSoftware()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, KafkaApiVersionsV3, []);
        Assert.Equal("console-producer", Path(doc, "sniffer.kafka.client_id"));
        Assert.Equal("apache-kafka-java", Path(doc, "sniffer.kafka.client_software_name"));
        Assert.Equal("3.6.1", Path(doc, "sniffer.kafka.client_software_version"));
        Assert.Equal("3", Path(doc, "sniffer.kafka.api_version"));
    }

    [Fact]
    public void MidStreamReversedDirections_AreRecognised()
    {
        // The broker spoke first in the capture, so it was taken as the client.
        var r = Probe(Fp, Transport.Tcp, KafkaApiVersionsResponse, KafkaApiVersions);
        Assert.Equal(Confidence.High, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, KafkaApiVersionsResponse, KafkaApiVersions);
        Assert.Equal("rdkafka", Path(doc, "sniffer.kafka.client_id"));
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Tcp, KafkaApiVersions, KafkaApiVersionsResponse);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00000015 0063 0000 00000081 0007 72646b61666b61"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00000015 0012 0000 00000081 0007 72640b61666b61"), []).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("00000015 0012 0000 00000081 7fff 72646b61666b61"), []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, KafkaApiVersionsV3, []);
    }
}
