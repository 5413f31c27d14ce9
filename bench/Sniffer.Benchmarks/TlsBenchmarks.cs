using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Benchmarks;

/// <summary>
/// TLS metadata: parsing a browser-like ClientHello (its shape interned after the first call: what every later flow
/// of the same software costs) and writing both record parts of an identified flow (done twice per flow:
/// protocol_detected and flow_end). Writing allocates nothing; parsing allocates the flow's small hello object.
/// </summary>
[MemoryDiagnoser]
public class TlsBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter _writer = null!;
    private byte[] _clientHello = null!;
    private byte[] _serverHello = null!;
    private TlsMetadata _metadata = null!;

    [GlobalSetup]
    public void Setup()
    {
        ushort[] ciphers = [0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
        _clientHello = Hello(TlsHelloParser.HandshakeClientHello, U16(2, ciphers), [1, 0],
            (0x0000, [0, 20, 0, 0, 17, .. "www.example.test."u8]),
            (0x0017, []), (0xff01, [0]),
            (0x000a, U16(2, [0x3a3a, 0x001d, 0x0017, 0x0018])),
            (0x000b, [1, 0]), (0x0023, []),
            (0x0010, [0, 12, 2, (byte)'h', (byte)'2', 8, .. "http/1.1"u8]),
            (0x0005, [1, 0, 0, 0, 0]),
            (0x000d, U16(2, [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601])),
            (0x0012, []), (0x002d, [1, 1]),
            (0x002b, U16(1, [0x4a4a, 0x0304, 0x0303])),
            (0x001b, [2, 0, 2]));
        _serverHello = Hello(TlsHelloParser.HandshakeServerHello, [0x13, 0x01], [0], (0x002b, [0x03, 0x04]), (0x0033, [0, 0x1d, 0, 0]));
        _metadata = new TlsMetadata { Client = TlsHelloParser.Parse(_clientHello, TlsHelloParser.HandshakeClientHello) };
        _metadata.OnClientHello();
        _metadata.Server = TlsHelloParser.Parse(_serverHello, TlsHelloParser.HandshakeServerHello);
        _metadata.OnServerHello();
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    [Benchmark]
    public TlsHello? ParseClientHello() => TlsHelloParser.Parse(_clientHello, TlsHelloParser.HandshakeClientHello);

    [Benchmark]
    public int WriteEcsAndSniffer()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _metadata.WriteEcs(_writer);
        _metadata.WriteSniffer(_writer);
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    private static byte[] U16(int lengthBytes, ushort[] values)
    {
        var v = values.SelectMany(x => new[] { (byte)(x >> 8), (byte)x }).ToArray();
        return lengthBytes == 1 ? [(byte)v.Length, .. v] : [(byte)(v.Length >> 8), (byte)v.Length, .. v];
    }

    private static byte[] Hello(byte type, byte[] ciphers, byte[] compression, params (ushort Type, byte[] Data)[] extensions)
    {
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);
        body.Add(0);
        body.AddRange(ciphers);
        body.AddRange(compression);
        var ext = extensions.SelectMany(e => (byte[])[(byte)(e.Type >> 8), (byte)e.Type, (byte)(e.Data.Length >> 8), (byte)e.Data.Length, .. e.Data]).ToArray();
        body.AddRange([(byte)(ext.Length >> 8), (byte)ext.Length, .. ext]);
        return [type, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
    }
}
