using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Output.Delivery;

/// <summary>
/// The ECS <c>observer</c> object that names the sensor in every record: <c>observer.hostname</c> and
/// <c>observer.ingress.interface.name</c> for live capture, <c>observer.name</c> from <c>--sensor-name</c>.
/// Encoded once at start-up; each record only copies the bytes (<see cref="Write"/>).
/// </summary>
public sealed class ObserverFields
{
    /// <summary>Longest <c>--sensor-name</c> accepted, in characters.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Longest host or interface name kept (longer ones are cut; Linux allows 64 and 15).</summary>
    public const int MaxHostLength = 255;

    private static readonly JsonEncodedText Observer = JsonEncodedText.Encode("observer");

    private readonly byte[] _json;

    private ObserverFields(byte[] json, string? hostname, string? interfaceName, string? name)
    {
        _json = json;
        Hostname = hostname;
        InterfaceName = interfaceName;
        Name = name;
    }

    public string? Hostname { get; }

    public string? InterfaceName { get; }

    public string? Name { get; }

    /// <summary>The value of <c>observer</c>, a JSON object (UTF-8).</summary>
    public ReadOnlySpan<byte> Json => _json;

    /// <summary>
    /// The fields for a run, or null when there is nothing to say. Live capture (<paramref name="interfaceName"/>
    /// set) names the host and the interface; a capture file names neither (its output must not depend on the
    /// machine that reads it), only <paramref name="sensorName"/> when given.
    /// </summary>
    public static ObserverFields? Create(string? hostname, string? interfaceName, string? sensorName)
    {
        hostname = Cut(hostname, MaxHostLength);
        interfaceName = Cut(interfaceName, MaxHostLength);
        sensorName = Cut(sensorName, MaxNameLength);
        if (hostname is null && interfaceName is null && sensorName is null)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (hostname is not null)
            {
                w.WriteString("hostname"u8, hostname);
            }

            if (interfaceName is not null)
            {
                w.WriteStartObject("ingress"u8);
                w.WriteStartObject("interface"u8);
                w.WriteString("name"u8, interfaceName);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            if (sensorName is not null)
            {
                w.WriteString("name"u8, sensorName);
            }

            w.WriteEndObject();
        }

        return new ObserverFields(buffer.WrittenSpan.ToArray(), hostname, interfaceName, sensorName);
    }

    /// <summary>Writes <c>"observer":{…}</c> into the record being written (a copy of the pre-encoded bytes).</summary>
    public void Write(Utf8JsonWriter w)
    {
        w.WritePropertyName(Observer);
        w.WriteRawValue(_json, skipInputValidation: true);
    }

    private static string? Cut(string? s, int max) =>
        string.IsNullOrEmpty(s) ? null : s.Length <= max ? s : s[..max];
}
