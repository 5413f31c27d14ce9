using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Dns;

/// <summary>One DNS exchange: the question and, when seen, the response's code, flags and answers (ECS <c>dns.*</c>).</summary>
public sealed class DnsMetadata : ProtocolMetadata
{
    /// <summary>Most answers kept per response.</summary>
    public const int MaxAnswers = 16;
    /// <summary>Longest TXT data kept.</summary>
    public const int MaxTxtLength = 256;

    private readonly List<DnsAnswer> _answers = [];
    private readonly List<string> _resolved = [];

    public bool QueryParsed { get; private set; }
    public bool ResponseParsed { get; private set; }
    public ushort Id { get; private set; }
    public int OpCode { get; private set; }
    public int? ResponseCode { get; private set; }
    public ushort HeaderFlags { get; private set; }
    public bool DnssecOk { get; private set; }
    public string? QuestionName { get; private set; }
    public ushort QuestionType { get; private set; }
    public ushort QuestionClass { get; private set; }
    /// <summary>"mdns" when the message uses the mDNS class top bit (unicast-response / cache-flush), else null.</summary>
    public string? Variant { get; private set; }
    public IReadOnlyList<DnsAnswer> Answers => _answers;
    public IReadOnlyList<string> ResolvedIps => _resolved;

    internal void Parse(ReadOnlySpan<byte> m, bool fromServer)
    {
        if (fromServer)
        {
            ResponseParsed = true;
        }
        else
        {
            QueryParsed = true;
        }

        if (m.Length < DnsParser.HeaderLength)
        {
            return;
        }

        bool response = DnsParser.IsResponse(m);
        Id = DnsParser.Id(m);
        OpCode = DnsParser.OpCode(m);

        if (response || ResponseCode is null)
        {
            HeaderFlags = DnsParser.Flags(m);
        }

        if (response)
        {
            ResponseCode = DnsParser.ResponseCode(m);
        }

        Span<byte> name = stackalloc byte[DnsParser.MaxNameLength];
        int qd = DnsParser.Count(m, 0);
        int records = DnsParser.Count(m, 1) + DnsParser.Count(m, 2) + DnsParser.Count(m, 3);
        int answers = DnsParser.Count(m, 1);
        int offset = DnsParser.HeaderLength;
        for (int i = 0; i < qd && i < DnsParser.MaxQuestions; i++)
        {
            int end = DnsParser.SkipName(m, offset);
            if (end < 0 || end + 4 > m.Length)
            {
                return;
            }

            if (i == 0 && QuestionName is null)
            {
                int n = DnsParser.ReadName(m, offset, name);
                QuestionName = n < 0 ? null : (n == 0 ? "." : WireText.Decode(name[..n], DnsParser.MaxNameLength));
                QuestionType = BinaryPrimitives.ReadUInt16BigEndian(m[end..]);
                QuestionClass = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(m[(end + 2)..]) & 0x7FFF);
            }

            if ((BinaryPrimitives.ReadUInt16BigEndian(m[(end + 2)..]) & 0x8000) != 0)
            {
                Variant = "mdns";
            }

            offset = end + 4;
        }

        for (int i = 0; i < records && i < DnsParser.MaxRecordsWalked; i++)
        {
            int end = DnsParser.SkipName(m, offset);
            if (end < 0 || end + 10 > m.Length)
            {
                return;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(m[end..]);
            ushort rawClass = BinaryPrimitives.ReadUInt16BigEndian(m[(end + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m[(end + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(m[(end + 8)..]);
            int rdata = end + 10;
            if (rdata + rdLength > m.Length)
            {
                return;
            }

            if (type == 41)
            {
                // EDNS OPT: the DO bit lives in the TTL field (RFC 3225).
                DnssecOk |= (ttl & 0x8000) != 0;
            }
            else if (i < answers && _answers.Count < MaxAnswers && response && fromServer)
            {
                if ((rawClass & 0x8000) != 0)
                {
                    Variant = "mdns";
                }

                int n = DnsParser.ReadName(m, offset, name);
                string owner = n < 0 ? "" : (n == 0 ? "." : WireText.Decode(name[..n], DnsParser.MaxNameLength));
                string? data = RecordData(m, type, rdata, rdLength, name);
                if (data is not null && type is 1 or 28 && _resolved.Count < MaxAnswers)
                {
                    _resolved.Add(data);
                }

                _answers.Add(new DnsAnswer(owner, type, (ushort)(rawClass & 0x7FFF), ttl, data));
            }

            offset = rdata + rdLength;
        }
    }

    private static string? RecordData(ReadOnlySpan<byte> m, ushort type, int rdata, int rdLength, Span<byte> scratch)
    {
        var rd = m.Slice(rdata, rdLength);
        switch (type)
        {
            case 1 when rdLength == 4:
            case 28 when rdLength == 16:
                return new IPAddress(rd).ToString();
            case 2 or 5 or 12 or 39:
            {
                int n = DnsParser.ReadName(m[..(rdata + rdLength)], rdata, scratch);
                return n < 0 ? null : (n == 0 ? "." : WireText.Decode(scratch[..n], DnsParser.MaxNameLength));
            }

            case 15 when rdLength >= 3:
            {
                int n = DnsParser.ReadName(m[..(rdata + rdLength)], rdata + 2, scratch);
                return n < 0 ? null : string.Create(CultureInfo.InvariantCulture,
                    $"{BinaryPrimitives.ReadUInt16BigEndian(rd)} {(n == 0 ? "." : WireText.Decode(scratch[..n], DnsParser.MaxNameLength))}");
            }

            case 16 when rdLength >= 1:
            {
                // TXT: the character-strings, concatenated (RFC 7208 §3.3 style), bounded.
                int written = 0;
                int position = 0;
                Span<byte> text = stackalloc byte[MaxTxtLength + 1]; // one more: a longer TXT is cut with the mark
                while (position < rd.Length && written < text.Length)
                {
                    int length = rd[position++];
                    int take = Math.Min(Math.Min(length, rd.Length - position), text.Length - written);
                    rd.Slice(position, take).CopyTo(text[written..]);
                    written += take;
                    position += length;
                }

                return WireText.Decode(text[..written], MaxTxtLength);
            }

            default:
                return null;
        }
    }

    // Property names and fixed values encoded once (a string or "…"u8 name is checked for escaping on every call).
    private static readonly JsonEncodedText DnsName = JsonEncodedText.Encode("dns");
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TypeProperty = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Answer = JsonEncodedText.Encode("answer");
    private static readonly JsonEncodedText Query = JsonEncodedText.Encode("query");
    private static readonly JsonEncodedText OpCodeProperty = JsonEncodedText.Encode("op_code");
    private static readonly JsonEncodedText HeaderFlagsProperty = JsonEncodedText.Encode("header_flags");
    private static readonly JsonEncodedText ResponseCodeProperty = JsonEncodedText.Encode("response_code");
    private static readonly JsonEncodedText Question = JsonEncodedText.Encode("question");
    private static readonly JsonEncodedText NameProperty = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText ClassProperty = JsonEncodedText.Encode("class");
    private static readonly JsonEncodedText AnswersProperty = JsonEncodedText.Encode("answers");
    private static readonly JsonEncodedText Ttl = JsonEncodedText.Encode("ttl");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText ResolvedIp = JsonEncodedText.Encode("resolved_ip");
    private static readonly JsonEncodedText VariantProperty = JsonEncodedText.Encode("variant");
    private static readonly JsonEncodedText FlagAa = JsonEncodedText.Encode("AA");
    private static readonly JsonEncodedText FlagTc = JsonEncodedText.Encode("TC");
    private static readonly JsonEncodedText FlagRd = JsonEncodedText.Encode("RD");
    private static readonly JsonEncodedText FlagRa = JsonEncodedText.Encode("RA");
    private static readonly JsonEncodedText FlagAd = JsonEncodedText.Encode("AD");
    private static readonly JsonEncodedText FlagCd = JsonEncodedText.Encode("CD");
    private static readonly JsonEncodedText FlagDo = JsonEncodedText.Encode("DO");

    /// <remarks>
    /// Names, answer data and addresses go through <see cref="Output.JsonStringCache"/>: they repeat across flows
    /// and every identified flow is written twice.
    /// </remarks>
    public override void WriteEcs(Utf8JsonWriter writer)
    {
        var w = new Output.JsonRun(writer);
        w.StartObject(DnsName);
        Span<byte> id = stackalloc byte[8];
        Id.TryFormat(id, out int n, default, CultureInfo.InvariantCulture);
        w.AsciiString(IdName, id[..n]);
        w.String(TypeProperty, ResponseParsed ? Answer : Query);
        w.String(OpCodeProperty, OpCodeName(OpCode));
        w.StartArray(HeaderFlagsProperty);
        if ((HeaderFlags & 0x0400) != 0) { w.StringValue(FlagAa); }
        if ((HeaderFlags & 0x0200) != 0) { w.StringValue(FlagTc); }
        if ((HeaderFlags & 0x0100) != 0) { w.StringValue(FlagRd); }
        if ((HeaderFlags & 0x0080) != 0) { w.StringValue(FlagRa); }
        if ((HeaderFlags & 0x0020) != 0) { w.StringValue(FlagAd); }
        if ((HeaderFlags & 0x0010) != 0) { w.StringValue(FlagCd); }
        if (DnssecOk) { w.StringValue(FlagDo); }
        w.EndArray();
        if (ResponseCode is int rcode)
        {
            w.String(ResponseCodeProperty, ResponseCodeName(rcode));
        }

        if (QuestionName is not null)
        {
            w.StartObject(Question);
            w.String(NameProperty, QuestionName);
            w.String(TypeProperty, TypeName(QuestionType));
            w.String(ClassProperty, ClassName(QuestionClass));
            w.EndObject();
        }

        if (_answers.Count > 0)
        {
            w.StartArray(AnswersProperty);
            foreach (var a in _answers)
            {
                w.StartObject();
                w.String(NameProperty, a.Name);
                w.String(TypeProperty, TypeName(a.Type));
                w.String(ClassProperty, ClassName(a.Class));
                w.Number(Ttl, a.Ttl);
                if (a.Data is not null)
                {
                    w.String(Data, a.Data);
                }

                w.EndObject();
            }

            w.EndArray();
        }

        if (_resolved.Count > 0)
        {
            w.StartArray(ResolvedIp);
            foreach (var ip in _resolved)
            {
                w.StringValue(ip);
            }

            w.EndArray();
        }

        w.EndObject();

        w.Flush();
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (Variant is not null)
        {
            writer.WriteStartObject(DnsName);
            Output.JsonStringCache.WriteString(writer, VariantProperty, Variant);
            writer.WriteEndObject();
        }
    }

    public static string OpCodeName(int opcode) => opcode switch
    {
        0 => "QUERY",
        1 => "IQUERY",
        2 => "STATUS",
        4 => "NOTIFY",
        5 => "UPDATE",
        _ => opcode.ToString(CultureInfo.InvariantCulture),
    };

    public static string ResponseCodeName(int rcode) => rcode switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => rcode.ToString(CultureInfo.InvariantCulture),
    };

    public static string ClassName(ushort cls) => cls switch
    {
        1 => "IN",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => "CLASS" + cls.ToString(CultureInfo.InvariantCulture),
    };

    public static string TypeName(ushort type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        39 => "DNAME",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        50 => "NSEC3",
        52 => "TLSA",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        251 => "IXFR",
        252 => "AXFR",
        255 => "ANY",
        257 => "CAA",
        _ => "TYPE" + type.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>One answer record (ECS <c>dns.answers</c> entry).</summary>
public sealed record DnsAnswer(string Name, ushort Type, ushort Class, uint Ttl, string? Data);
