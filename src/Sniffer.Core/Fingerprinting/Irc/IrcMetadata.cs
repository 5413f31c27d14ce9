using System.Text.Json;
using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Irc;

/// <summary>
/// IRC metadata: <c>user.name</c> (ECS, the USER name), <c>sniffer.irc.nick</c>, <c>sniffer.irc.server</c> (the
/// server's prefix); application from the 002/004 reply ("running version ircd-seven-1.1.3").
/// </summary>
public sealed class IrcMetadata : ProtocolMetadata, IStreamParsedMetadata
{
    /// <summary>Longest nick / user / server name kept.</summary>
    public const int MaxNameLength = 128;
    /// <summary>Lines looked at per side.</summary>
    public const int MaxLines = 32;

    public string? Nick { get; private set; }
    public string? User { get; private set; }
    public string? Server { get; private set; }

    private bool _versionSeen;

    public bool Parse(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        int pos = 0;
        for (int n = 0; n < MaxLines && (Nick is null || User is null) && TextLine.Next(client, ref pos, out var line); n++)
        {
            var verb = TextLine.Word(line, out var rest);
            if (Nick is null && TextLine.EqualsIgnoreCase(verb, "nick"u8))
            {
                var nick = TextLine.Trim(rest);
                Nick = WireText.Decode(nick.Length > 0 && nick[0] == ':' ? nick[1..] : nick, MaxNameLength);
            }
            else if (User is null && TextLine.EqualsIgnoreCase(verb, "user"u8))
            {
                User = WireText.Decode(TextLine.Word(TextLine.Trim(rest), out _), MaxNameLength);
            }
        }

        pos = 0;
        for (int n = 0; n < MaxLines && !_versionSeen && TextLine.Next(server, ref pos, out var line); n++)
        {
            if (line.Length < 2 || line[0] != ':')
            {
                continue;
            }

            var prefix = TextLine.Word(line[1..], out var rest);
            Server ??= WireText.Decode(prefix, MaxNameLength);
            var command = TextLine.Word(rest, out var parameters);
            if (command.SequenceEqual("002"u8) || command.SequenceEqual("004"u8))
            {
                var product = command[2] == '2' ? AfterWord(parameters, "running version "u8) : Param(parameters, 2);
                if (!product.IsEmpty)
                {
                    SetProduct(product);
                    _versionSeen = true;
                }
            }
        }

        return _versionSeen && Nick is not null;
    }

    private static ReadOnlySpan<byte> AfterWord(ReadOnlySpan<byte> s, ReadOnlySpan<byte> lower)
    {
        int at = TextLine.IndexOfIgnoreCase(s, lower);
        return at < 0 ? default : TextLine.Word(s[(at + lower.Length)..], out _);
    }

    /// <summary>The n-th (0-based) space-separated parameter.</summary>
    private static ReadOnlySpan<byte> Param(ReadOnlySpan<byte> s, int index)
    {
        var word = TextLine.Word(s, out var rest);
        for (int i = 0; i < index; i++)
        {
            word = TextLine.Word(rest, out rest);
        }

        return word;
    }

    /// <summary>"ircd-seven-1.1.3" → ("ircd-seven", "1.1.3"); "UnrealIRCd-6.1.0" → ("UnrealIRCd", "6.1.0").</summary>
    private void SetProduct(ReadOnlySpan<byte> product)
    {
        for (int i = 1; i < product.Length - 1; i++)
        {
            if (product[i] is (byte)'-' or (byte)'/' && TextLine.IsDigit(product[i + 1]))
            {
                ApplicationName = WireText.Decode(product[..i], MaxNameLength);
                ApplicationVersion = WireText.Decode(product[(i + 1)..], BannerProduct.MaxVersionLength);
                return;
            }
        }

        ApplicationName = WireText.Decode(product, MaxNameLength);
    }

    public override void WriteEcs(Utf8JsonWriter writer)
    {
        if (User is not null)
        {
            writer.WriteStartObject(JsonNames.User);
            Output.JsonStringCache.WriteString(writer, JsonNames.Name, User);
            writer.WriteEndObject();
        }
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(JsonNames.Irc);
        if (Nick is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Nick, Nick);
        }

        if (Server is not null)
        {
            Output.JsonStringCache.WriteString(writer, JsonNames.Server, Server);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText Irc = JsonEncodedText.Encode("irc");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Nick = JsonEncodedText.Encode("nick");
    public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    public static readonly JsonEncodedText User = JsonEncodedText.Encode("user");
}
