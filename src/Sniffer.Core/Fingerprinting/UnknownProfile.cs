using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sniffer.Fingerprinting;

/// <summary>
/// What an unidentified flow looks like, so an analyst can still reason about it and recognise the same unknown
/// thing across flows: byte entropy, printable ratio, who spoke first, the first bytes (hex and escaped text), a
/// coarse guess, and a stable shape (and its hash) that ignores the parts of a message that change per flow.
/// Written under <c>sniffer.unknown</c>; the sizes/directions of the first payload packets come from the flow.
/// </summary>
public sealed class UnknownProfile
{
    /// <summary>First bytes of the first message shown in the record.</summary>
    public const int FirstBytesShown = 32;
    /// <summary>Bytes the statistics look at, per direction.</summary>
    public const int MaxStatisticsBytes = 4096;
    /// <summary>Characters of a text protocol's first token kept in the shape.</summary>
    public const int MaxShapeToken = 16;

    public required string Guess { get; init; }
    public double Entropy { get; init; }
    public double PrintableRatio { get; init; }
    public string? FirstBytesHex { get; init; }
    public string? FirstBytesText { get; init; }
    public required string Shape { get; init; }
    public required string ShapeHash { get; init; }
    public int ClientBytesSeen { get; init; }
    public int ServerBytesSeen { get; init; }

    private static readonly UnknownProfile NoPayloadTcp = Build(default, default, null, Transport.Tcp);
    private static readonly UnknownProfile NoPayloadUdp = Build(default, default, null, Transport.Udp);

    /// <summary>Builds the profile from the bytes the detector held when it gave up.</summary>
    public static UnknownProfile Create(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport)
    {
        if (client.IsEmpty && server.IsEmpty)
        {
            return transport == Transport.Tcp ? NoPayloadTcp : NoPayloadUdp; // a scan or a lone SYN: shared, no allocation
        }

        return Build(client, server, clientSpokeFirst, transport);
    }

    private static UnknownProfile Build(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport)
    {
        bool clientFirst = clientSpokeFirst ?? !client.IsEmpty;
        var first = clientFirst ? client : server;
        if (first.IsEmpty)
        {
            first = clientFirst ? server : client;
        }

        var sample = first[..Math.Min(first.Length, MaxStatisticsBytes)];
        double entropy = ComputeEntropy(sample);
        double printable = ComputePrintableRatio(sample);
        string guess;
        if (sample.IsEmpty)
        {
            guess = "no-payload";
        }
        else if (sample.Length >= 16 && entropy >= 0.85 * Math.Min(8.0, Math.Log2(sample.Length)) && printable < 0.8)
        {
            guess = "encrypted-or-compressed";
        }
        else if (printable >= 0.9)
        {
            guess = "text-protocol";
        }
        else
        {
            guess = "binary-protocol";
        }

        string shape = BuildShape(sample, guess, sample.IsEmpty ? '-' : clientFirst ? 'c' : 's', transport);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(shape), hash);
        var shown = first[..Math.Min(first.Length, FirstBytesShown)];
        return new UnknownProfile
        {
            Guess = guess,
            Entropy = Math.Round(entropy, 3),
            PrintableRatio = Math.Round(printable, 3),
            FirstBytesHex = shown.IsEmpty ? null : Convert.ToHexStringLower(shown),
            FirstBytesText = shown.IsEmpty ? null : EscapedText(shown),
            Shape = shape,
            ShapeHash = Convert.ToHexStringLower(hash[..8]),
            ClientBytesSeen = client.Length,
            ServerBytesSeen = server.Length,
        };
    }

    /// <summary>Shannon entropy in bits per byte.</summary>
    public static double ComputeEntropy(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (byte b in data)
        {
            counts[b]++;
        }

        double h = 0;
        foreach (int c in counts)
        {
            if (c > 0)
            {
                double p = (double)c / data.Length;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    public static double ComputePrintableRatio(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        int printable = 0;
        foreach (byte b in data)
        {
            if (b is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\n' or (byte)'\t')
            {
                printable++;
            }
        }

        return (double)printable / data.Length;
    }

    /// <summary>
    /// The stable part of the first message: for text, its first token; for binary, its first 4 bytes; for
    /// encrypted-looking data, only its size class — plus transport, direction and guess.
    /// </summary>
    private static string BuildShape(ReadOnlySpan<byte> first, string guess, char speaker, Transport transport)
    {
        var sb = new StringBuilder();
        sb.Append(transport == Transport.Tcp ? "tcp" : "udp").Append('/').Append(speaker).Append('/').Append(guess).Append('/');
        switch (guess)
        {
            case "text-protocol":
                {
                    int end = first.IndexOfAny(" \r\n\t"u8);
                    var token = first[..Math.Min(end < 0 ? first.Length : end, MaxShapeToken)];
                    foreach (byte b in token)
                    {
                        sb.Append(b is >= (byte)'0' and <= (byte)'9' ? '9' : (char)b);
                    }

                    break;
                }

            case "binary-protocol":
                sb.Append(Convert.ToHexStringLower(first[..Math.Min(4, first.Length)]));
                sb.Append("/len").Append(SizeClass(first.Length));
                break;

            case "encrypted-or-compressed":
                sb.Append("len").Append(SizeClass(first.Length));
                break;
        }

        return sb.ToString();
    }

    private static int SizeClass(int length) => length <= 0 ? 0 : 1 << (int)Math.Ceiling(Math.Log2(length));

    private static string EscapedText(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length * 2);
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case >= 0x20 and < 0x7F: sb.Append((char)b); break;
                default: sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }

        return sb.ToString();
    }

    public void Write(Utf8JsonWriter w, ReadOnlySpan<int> payloadSizes)
    {
        w.WriteStartObject("unknown"u8);
        w.WriteString("guess"u8, Guess);
        w.WriteNumber("entropy"u8, Entropy);
        w.WriteNumber("printable_ratio"u8, PrintableRatio);
        if (FirstBytesHex is not null)
        {
            w.WriteStartObject("first_bytes"u8);
            w.WriteString("hex"u8, FirstBytesHex);
            w.WriteString("text"u8, FirstBytesText);
            w.WriteEndObject();
        }

        w.WriteStartArray("payload_sizes"u8);
        foreach (int s in payloadSizes)
        {
            w.WriteNumberValue(s);
        }

        w.WriteEndArray();
        w.WriteNumber("client_bytes_inspected"u8, ClientBytesSeen);
        w.WriteNumber("server_bytes_inspected"u8, ServerBytesSeen);
        w.WriteString("shape"u8, Shape);
        w.WriteString("shape_hash"u8, ShapeHash);
        w.WriteEndObject();
    }
}
