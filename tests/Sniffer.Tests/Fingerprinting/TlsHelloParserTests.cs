using System.Buffers.Binary;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Tls;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>
/// The hello parser (values into a per-thread scratch, shapes interned per worker): what it keeps, its limits,
/// truncated and mutated hellos, and — against the former List-based parser kept below as the oracle — that
/// every field comes out as before.
/// </summary>
public class TlsHelloParserTests
{
    private static byte[] Message(byte[] stream) => stream[5..(5 + BinaryPrimitives.ReadUInt16BigEndian(stream.AsSpan(3)))];

    private static byte[] ClientMessage => Message(SampleStreams.Tls.Client);

    private static byte[] ServerMessage => Message(SampleStreams.Tls.Server);

    /// <summary>A ClientHello message (type, length, body) with the given cipher suites and extensions.</summary>
    private static byte[] ClientHello(ushort[] ciphers, params (ushort Type, byte[] Data)[] extensions)
    {
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);
        body.Add(0); // session id
        body.Add((byte)(ciphers.Length * 2 >> 8));
        body.Add((byte)(ciphers.Length * 2));
        foreach (ushort c in ciphers)
        {
            body.Add((byte)(c >> 8));
            body.Add((byte)c);
        }

        body.AddRange([1, 0]); // compression: null
        var ext = new List<byte>();
        foreach (var (type, data) in extensions)
        {
            ext.AddRange([(byte)(type >> 8), (byte)type, (byte)(data.Length >> 8), (byte)data.Length]);
            ext.AddRange(data);
        }

        body.AddRange([(byte)(ext.Count >> 8), (byte)ext.Count]);
        body.AddRange(ext);
        return [1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count, .. body];
    }

    private static byte[] U16Vector(int lengthBytes, IEnumerable<ushort> values)
    {
        var v = values.SelectMany(x => new[] { (byte)(x >> 8), (byte)x }).ToArray();
        return lengthBytes == 1 ? [(byte)v.Length, .. v] : [(byte)(v.Length >> 8), (byte)v.Length, .. v];
    }

    private static byte[] Alpn(params byte[][] ids)
    {
        var list = ids.SelectMany(id => (byte[])[(byte)id.Length, .. id]).ToArray();
        return [(byte)(list.Length >> 8), (byte)list.Length, .. list];
    }

    private static byte[] Sni(string name)
    {
        var n = System.Text.Encoding.UTF8.GetBytes(name);
        return [(byte)((n.Length + 3) >> 8), (byte)(n.Length + 3), 0, (byte)(n.Length >> 8), (byte)n.Length, .. n];
    }

    [Fact]
    public void KeepsTheFieldsOfTheSampleHellos()
    {
        var client = TlsHelloParser.Parse(ClientMessage, TlsHelloParser.HandshakeClientHello)!;
        Assert.True(client.IsClient);
        Assert.Equal("demo.sniffer.test", client.ServerName);
        Assert.Equal(new[] { "h2", "http/1.1" }, client.Alpn);
        Assert.True(client.HasAlpn);
        Assert.Contains((ushort)0x0304, client.SupportedVersions.ToArray());
        var server = TlsHelloParser.Parse(ServerMessage, TlsHelloParser.HandshakeServerHello)!;
        Assert.False(server.IsClient);
        Assert.Equal(new ushort[] { 0x1302 }, server.CipherSuites.ToArray());
        Assert.Equal(new ushort[] { 0x0304 }, server.SupportedVersions.ToArray());
        Assert.Null(server.ServerName);
    }

    [Fact]
    public void FlowsOfOneSoftwareShareTheShapeButNotTheServerName()
    {
        ushort[] ciphers = [0x1301, 0x1302];
        var a = TlsHelloParser.Parse(ClientHello(ciphers, (0, Sni("a.example")), (16, Alpn("h2"u8.ToArray()))), TlsHelloParser.HandshakeClientHello)!;
        var b = TlsHelloParser.Parse(ClientHello(ciphers, (0, Sni("b.example")), (16, Alpn("h2"u8.ToArray()))), TlsHelloParser.HandshakeClientHello)!;
        var c = TlsHelloParser.Parse(ClientHello(ciphers, (0, Sni("c.example")), (16, Alpn("h3"u8.ToArray()))), TlsHelloParser.HandshakeClientHello)!;
        Assert.Same(a.Shape, b.Shape);
        Assert.NotSame(a.Shape, c.Shape); // another ALPN: another shape
        Assert.Equal("a.example", a.ServerName);
        Assert.Equal("b.example", b.ServerName);
        Assert.Equal(new[] { "h3" }, c.Alpn);
    }

    [Fact]
    public void EveryPrefixParsesAsTheValidatorSaysAndNeverThrows()
    {
        foreach (var (message, type) in new[] { (ClientMessage, TlsHelloParser.HandshakeClientHello), (ServerMessage, TlsHelloParser.HandshakeServerHello) })
        {
            for (int n = 0; n < message.Length; n++)
            {
                var prefix = message[..n];
                Assert.Equal(TlsHelloParser.IsWellFormed(prefix, type), TlsHelloParser.Parse(prefix, type) is not null);
                AssertSameAsOracle(prefix, type);
            }

            Assert.NotNull(TlsHelloParser.Parse(message, type));
        }
    }

    [Fact]
    public void ListsStopAtTheirLimits()
    {
        var ciphers = Enumerable.Range(1, 300).Select(i => (ushort)i).ToArray();
        var groups = Enumerable.Range(1, 200).Select(i => (ushort)i);
        byte[] formats = [200, .. Enumerable.Range(0, 200).Select(i => (byte)i)];
        var ids = Enumerable.Range(0, 20).Select(i => new[] { (byte)('a' + i) }).ToArray();
        var hello = TlsHelloParser.Parse(ClientHello(ciphers,
            (10, U16Vector(2, groups)), (10, U16Vector(2, groups)), // repeated: one list, cut at the limit
            (11, formats), (11, formats),
            (16, Alpn(ids))), TlsHelloParser.HandshakeClientHello)!;
        Assert.Equal(TlsHello.MaxListEntries, hello.CipherSuites.Length);
        Assert.Equal(TlsHello.MaxListEntries, hello.SupportedGroups.Length);
        Assert.Equal(TlsHello.MaxListEntries, hello.PointFormats.Length);
        Assert.Equal(TlsHello.MaxAlpnEntries, hello.Alpn.Count);
        Assert.Equal(new ushort[] { 10, 10, 11, 11, 16 }, hello.Extensions.ToArray());
        Assert.Equal(Enumerable.Range(1, 256).Select(i => (ushort)i), hello.CipherSuites.ToArray());
        Ja3.ClientString(hello); // the JA3 text of full lists fits its buffer

        // 256 extensions are accepted, 257 are not.
        var many = Enumerable.Range(0, 256).Select(i => ((ushort)(0x1000 + i), Array.Empty<byte>())).ToArray();
        Assert.Equal(256, TlsHelloParser.Parse(ClientHello([0x1301], many), TlsHelloParser.HandshakeClientHello)!.Extensions.Length);
        Assert.Null(TlsHelloParser.Parse(ClientHello([0x1301], [.. many, (0x2000, [])]), TlsHelloParser.HandshakeClientHello));
    }

    [Fact]
    public void LongAlpnAndServerNameAreCutAndCountedEvenWhenTheShapeIsKnown()
    {
        var longId = Enumerable.Repeat((byte)'x', 100).ToArray();
        var message = ClientHello([0x1301], (0, Sni(new string('n', 300))), (16, Alpn(longId, "h2"u8.ToArray())));
        for (int i = 0; i < 2; i++)
        {
            int before = WireText.Truncations;
            var hello = TlsHelloParser.Parse(message, TlsHelloParser.HandshakeClientHello)!;
            Assert.Equal(2, WireText.Truncations - before); // SNI and the long ALPN id, the second time too
            Assert.Equal(new string('x', TlsHelloParser.MaxAlpnLength) + WireText.TruncationMark, hello.Alpn[0]);
            Assert.Equal(TlsHelloParser.MaxServerNameLength + 1, hello.ServerName!.Length);
        }
    }

    [Fact]
    public void MalformedAlpnOrServerNameRejectsTheHello()
    {
        Assert.Null(TlsHelloParser.Parse(ClientHello([0x1301], (16, [0, 2, 0, 0])), TlsHelloParser.HandshakeClientHello)); // empty id
        Assert.Null(TlsHelloParser.Parse(ClientHello([0x1301], (16, [0, 3, 5, 1, 2])), TlsHelloParser.HandshakeClientHello)); // id past the list
        Assert.Null(TlsHelloParser.Parse(ClientHello([0x1301], (0, [0, 9, 0, 0, 9, 1])), TlsHelloParser.HandshakeClientHello));
        Assert.NotNull(TlsHelloParser.Parse(ClientHello([0x1301], (10, [0, 9, 0])), TlsHelloParser.HandshakeClientHello)); // a bad group list is ignored
    }

    [Fact]
    public void MutatedHellosParseAsTheFormerParserDid()
    {
        var random = new Random(3624);
        foreach (var (message, type) in new[] { (ClientMessage, TlsHelloParser.HandshakeClientHello), (ServerMessage, TlsHelloParser.HandshakeServerHello) })
        {
            for (int round = 0; round < 3000; round++)
            {
                var m = (byte[])message.Clone();
                int flips = 1 + random.Next(4);
                for (int f = 0; f < flips; f++)
                {
                    m[4 + random.Next(m.Length - 4)] = (byte)random.Next(256);
                }

                AssertSameAsOracle(m, type);
            }
        }
    }

    [Theory]
    [InlineData("plain.example.com", true)]
    [InlineData("with space<&'+`>.example", true)]
    [InlineData("quote\"x.example", false)]
    [InlineData("back\\slash.example", false)]
    [InlineData("ctl\u0001.example", false)]
    [InlineData("tab\t.example", false)]
    [InlineData("del\u007f.example", null)]
    [InlineData("b\u00fccher.example", false)]
    [InlineData("line\u2028sep.example", false)]
    [InlineData(null, true)]
    public void RawRecordPiecesAreTheBytesTheWriterWrites(string? sni, bool? raw)
    {
        var alpn = Alpn("h2"u8.ToArray(), "http/1.1"u8.ToArray());
        var message = sni is null
            ? ClientHello([0x0a0a, 0x1301, 0x1302, 0xc02f, 0x1234], (16, alpn), (43, [4, 0x03, 0x04, 0x03, 0x03]))
            : ClientHello([0x0a0a, 0x1301, 0x1302, 0xc02f, 0x1234], (0, Sni(sni)), (16, alpn), (43, [4, 0x03, 0x04, 0x03, 0x03]));
        byte[] client = [0x16, 0x03, 0x01, (byte)(message.Length >> 8), (byte)message.Length, .. message];
        TlsHelloParser.Parse(message, TlsHelloParser.HandshakeClientHello); // flows of this software seen before: the shapes are shared
        TlsHelloParser.Parse(ServerMessage, TlsHelloParser.HandshakeServerHello);
        foreach (var server in new[] { SampleStreams.Tls.Server, [] })
        {
            var meta = Assert.IsType<TlsMetadata>(BinaryTestKit.RunExtract(TlsFingerprinter.Instance, Transport.Tcp, client, server));
            Assert.True(meta.Client!.Shape.Shared); // the second parse of this shape (the first was another SNI or side)
            Assert.Equal(sni, meta.Client!.ServerName);
            var (rawEcs, wroteRaw) = Write(w => meta.TryWriteEcsRaw(w));
            var (members, _) = Write(w => { meta.WriteEcsMembers(w); return true; });
            if (raw is { } expected)
            {
                Assert.Equal(expected, wroteRaw);
            }

            Assert.Equal(wroteRaw ? members : "{}", rawEcs);
            var (rawSniffer, snifferRaw) = Write(w => meta.TryWriteSnifferRaw(w));
            var (snifferMembers, _) = Write(w => { meta.WriteSnifferMembers(w); return true; });
            Assert.True(snifferRaw);
            Assert.Equal(snifferMembers, rawSniffer);
            using var doc = System.Text.Json.JsonDocument.Parse(members); // and it is JSON
        }
    }

    [Fact]
    public void AShapeSeenOnceIsWrittenMemberByMemberAndKeepsNoJson()
    {
        var message = ClientHello([0x1301, (ushort)Random.Shared.Next(0x2000, 0x9000), 0x1302], (0, Sni("once.example")));
        byte[] client = [0x16, 0x03, 0x01, (byte)(message.Length >> 8), (byte)message.Length, .. message];
        var meta = Assert.IsType<TlsMetadata>(BinaryTestKit.RunExtract(TlsFingerprinter.Instance, Transport.Tcp, client, []));
        Assert.False(meta.Client!.Shape.Shared);
        var (ecs, _) = Write(w => { meta.WriteEcs(w); return true; });
        var (sniffer, _) = Write(w => { meta.WriteSniffer(w); return true; });
        Assert.False(Write(w => meta.TryWriteEcsRaw(w)).Result);
        Assert.False(Write(w => meta.TryWriteSnifferRaw(w)).Result);
        Assert.Null(meta.Client.Shape.CipherListJson);
        Assert.Contains("\"server_name\":\"once.example\"", ecs, StringComparison.Ordinal);
        Assert.Contains("\"ja4\":", sniffer, StringComparison.Ordinal);

        // The same software again: now shared, and the raw path writes the same bytes.
        var again = Assert.IsType<TlsMetadata>(BinaryTestKit.RunExtract(TlsFingerprinter.Instance, Transport.Tcp, client, []));
        Assert.True(again.Client!.Shape.Shared);
        Assert.Equal(ecs, Write(w => again.TryWriteEcsRaw(w)).Json);
        Assert.Equal(sniffer, Write(w => again.TryWriteSnifferRaw(w)).Json);
    }

    /// <summary>Writes inside an object with the record writer's options (FlowRecordWriter).</summary>
    private static (string Json, bool Result) Write(Func<System.Text.Json.Utf8JsonWriter, bool> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        bool result;
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, Sniffer.Output.FlowRecordWriter.Options))
        {
            w.WriteStartObject();
            result = write(w);
            w.WriteEndObject();
        }

        return (System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), result);
    }

    private static void AssertSameAsOracle(byte[] message, byte type)
    {
        var expected = OldParser.Parse(message, type);
        var actual = TlsHelloParser.Parse(message, type);
        Assert.Equal(expected is null, actual is null);
        if (expected is null || actual is null)
        {
            return;
        }

        Assert.Equal(expected.LegacyVersion, actual.LegacyVersion);
        Assert.Equal(expected.CipherSuites, actual.CipherSuites.ToArray());
        Assert.Equal(expected.Extensions, actual.Extensions.ToArray());
        Assert.Equal(expected.SupportedGroups, actual.SupportedGroups.ToArray());
        Assert.Equal(expected.SignatureAlgorithms, actual.SignatureAlgorithms.ToArray());
        Assert.Equal(expected.SupportedVersions, actual.SupportedVersions.ToArray());
        Assert.Equal(expected.PointFormats.Select(b => (ushort)b), actual.PointFormats.ToArray());
        Assert.Equal(expected.Alpn, actual.Alpn);
        Assert.Equal(expected.ServerName, actual.ServerName);
        Assert.Equal(expected.FirstAlpnRaw is not null, actual.HasAlpn);
        if (type == TlsHelloParser.HandshakeClientHello)
        {
            var old = new TlsHello(true, expected.LegacyVersion, [.. expected.CipherSuites], [.. expected.Extensions], [.. expected.SupportedGroups],
                [.. expected.PointFormats], [.. expected.SignatureAlgorithms], [.. expected.SupportedVersions], expected.Alpn, expected.FirstAlpnRaw);
            Assert.Equal(Ja3.ClientString(old), Ja3.ClientString(actual));
            Assert.Equal(Ja4.Raw(old), Ja4.Raw(actual));
        }
    }

    /// <summary>The parser as it was before the scratch and the shapes (commit d88fd1c): the oracle.</summary>
    private static class OldParser
    {
        public sealed class Hello
        {
            public bool IsClient;
            public ushort LegacyVersion;
            public List<ushort> CipherSuites = [];
            public List<ushort> Extensions = [];
            public List<ushort> SupportedGroups = [];
            public List<byte> PointFormats = [];
            public List<ushort> SignatureAlgorithms = [];
            public List<ushort> SupportedVersions = [];
            public List<string> Alpn = [];
            public byte[]? FirstAlpnRaw;
            public string? ServerName;
        }

        public static Hello? Parse(ReadOnlySpan<byte> m, byte expectedType)
        {
            var hello = new Hello { IsClient = expectedType == TlsHelloParser.HandshakeClientHello };
            if (m.Length < 4 || m[0] != expectedType)
            {
                return null;
            }

            var r = m[4..];
            if (r.Length < 34 || r[0] != 3)
            {
                return null;
            }

            hello.LegacyVersion = BinaryPrimitives.ReadUInt16BigEndian(r);
            r = r[34..];
            if (r.Length < 1 || r[0] > 32 || r.Length < 1 + r[0])
            {
                return null;
            }

            r = r[(1 + r[0])..];
            if (hello.IsClient)
            {
                if (!Vector16(ref r, out var ciphers) || ciphers.Length < 2 || (ciphers.Length & 1) != 0)
                {
                    return null;
                }

                AddU16(hello.CipherSuites, ciphers);
                if (r.Length < 1 || r[0] == 0 || r.Length < 1 + r[0])
                {
                    return null;
                }

                r = r[(1 + r[0])..];
            }
            else
            {
                if (r.Length < 3)
                {
                    return null;
                }

                hello.CipherSuites.Add(BinaryPrimitives.ReadUInt16BigEndian(r));
                r = r[3..];
            }

            if (r.Length == 0)
            {
                return hello;
            }

            if (!Vector16(ref r, out var e) || r.Length != 0)
            {
                return null;
            }

            int count = 0;
            while (e.Length > 0)
            {
                if (e.Length < 2)
                {
                    return null;
                }

                ushort type = BinaryPrimitives.ReadUInt16BigEndian(e);
                e = e[2..];
                if (!Vector16(ref e, out var data) || ++count > 256 || !Extension(hello, type, data))
                {
                    return null;
                }
            }

            return hello;
        }

        private static bool Extension(Hello hello, ushort type, ReadOnlySpan<byte> d)
        {
            hello.Extensions.Add(type);
            switch (type)
            {
                case 0 when hello.IsClient:
                    if (!Vector16(ref d, out var list))
                    {
                        return false;
                    }

                    while (list.Length > 0)
                    {
                        byte nameType = list[0];
                        list = list[1..];
                        if (!Vector16(ref list, out var name))
                        {
                            return false;
                        }

                        if (nameType == 0 && hello.ServerName is null)
                        {
                            hello.ServerName = WireText.Decode(name, TlsHelloParser.MaxServerNameLength);
                        }
                    }

                    break;
                case 10:
                    if (Vector16(ref d, out var groups))
                    {
                        AddU16(hello.SupportedGroups, groups);
                    }

                    break;
                case 11:
                    if (d.Length >= 1 && d.Length >= 1 + d[0])
                    {
                        // The old parser had no limit here; the new one keeps 256 (more needs repeated extensions).
                        foreach (byte f in d.Slice(1, d[0]))
                        {
                            if (hello.PointFormats.Count < 256)
                            {
                                hello.PointFormats.Add(f);
                            }
                        }
                    }

                    break;
                case 13:
                    if (Vector16(ref d, out var algorithms))
                    {
                        AddU16(hello.SignatureAlgorithms, algorithms);
                    }

                    break;
                case 16:
                    if (!Vector16(ref d, out var protocols))
                    {
                        return false;
                    }

                    while (protocols.Length > 0 && hello.Alpn.Count < 16)
                    {
                        int n = protocols[0];
                        if (n == 0 || protocols.Length < 1 + n)
                        {
                            return false;
                        }

                        var proto = protocols.Slice(1, n);
                        protocols = protocols[(1 + n)..];
                        hello.FirstAlpnRaw ??= proto.ToArray();
                        hello.Alpn.Add(WireText.Decode(proto, TlsHelloParser.MaxAlpnLength));
                    }

                    break;
                case 43:
                    if (hello.IsClient)
                    {
                        if (d.Length >= 1 && d.Length >= 1 + d[0])
                        {
                            AddU16(hello.SupportedVersions, d.Slice(1, d[0]));
                        }
                    }
                    else if (d.Length >= 2)
                    {
                        hello.SupportedVersions.Add(BinaryPrimitives.ReadUInt16BigEndian(d));
                    }

                    break;
            }

            return true;
        }

        private static bool Vector16(ref ReadOnlySpan<byte> s, out ReadOnlySpan<byte> v)
        {
            v = default;
            if (s.Length < 2 || s.Length - 2 < BinaryPrimitives.ReadUInt16BigEndian(s))
            {
                return false;
            }

            int n = BinaryPrimitives.ReadUInt16BigEndian(s);
            v = s.Slice(2, n);
            s = s[(2 + n)..];
            return true;
        }

        private static void AddU16(List<ushort> list, ReadOnlySpan<byte> data)
        {
            for (int i = 0; i + 1 < data.Length && list.Count < 256; i += 2)
            {
                list.Add(BinaryPrimitives.ReadUInt16BigEndian(data[i..]));
            }
        }
    }
}
