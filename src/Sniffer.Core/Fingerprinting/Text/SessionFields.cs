using System.Text.Json;

namespace Sniffer.Fingerprinting.Text;

/// <summary>The fields the greeting-and-login protocols (FTP, POP3, IMAP) write the same way.</summary>
internal static class SessionFields
{
    /// <summary>ECS <c>user.name</c>, when a login named one.</summary>
    public static void WriteUser(Utf8JsonWriter writer, string? user)
    {
        if (user is not null)
        {
            writer.WriteStartObject("user"u8);
            writer.WriteString("name"u8, user);
            writer.WriteEndObject();
        }
    }

    /// <summary><c>sniffer.&lt;protocol&gt;.banner</c> and <c>.starttls</c>.</summary>
    public static void WriteBanner(Utf8JsonWriter writer, ReadOnlySpan<byte> protocol, string? banner, bool startTls)
    {
        writer.WriteStartObject(protocol);
        if (banner is not null)
        {
            writer.WriteString("banner"u8, banner);
        }

        if (startTls)
        {
            writer.WriteBoolean("starttls"u8, true);
        }

        writer.WriteEndObject();
    }
}
