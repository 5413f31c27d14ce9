using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Fingerprinting.Tls;

/// <summary>
/// Assembles a JSON object of a TLS record from pieces that are already JSON text — pre-encoded names and values
/// (<see cref="JsonEncodedText"/>), cached arrays — for one <c>Utf8JsonWriter.WriteRawValue</c>, like
/// <c>Output/RawJson</c> does for the event and endpoints. The only wire text, the server name, is copied only when
/// it is ASCII that the record writer's encoder leaves as it is; otherwise <see cref="TryAsciiString"/> says no and
/// the caller writes the object through the writer, which escapes it.
/// </summary>
internal ref struct TlsRawJson
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    private readonly Span<byte> _buffer;
    private int _length;
    private bool _first;

    /// <param name="capacity">Upper bound of the object's length (names, punctuation and every piece).</param>
    public TlsRawJson(int capacity)
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Length < capacity)
        {
            buffer = t_buffer = new byte[Math.Max(capacity, 4096)];
        }

        _buffer = buffer;
        _length = 0;
        _first = true;
    }

    /// <summary>Room for the names and punctuation of a TLS object (its pieces are counted by the caller).</summary>
    public const int Overhead = 256;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Open()
    {
        _buffer[_length++] = (byte)'{';
        _first = true;
    }

    public void Close()
    {
        _buffer[_length++] = (byte)'}';
        _first = false;
    }

    /// <summary><c>,"name":</c> (no comma for an object's first member).</summary>
    public void Name(JsonEncodedText name)
    {
        if (!_first)
        {
            _buffer[_length++] = (byte)',';
        }

        _first = false;
        String(name);
        _buffer[_length++] = (byte)':';
    }

    /// <summary>A pre-rendered run of members (<see cref="JsonFragment"/>), after a comma unless it comes first.</summary>
    public void Members(ReadOnlySpan<byte> members)
    {
        if (!_first)
        {
            _buffer[_length++] = (byte)',';
        }

        _first = false;
        Raw(members);
    }

    public void String(JsonEncodedText value)
    {
        _buffer[_length++] = (byte)'"';
        Raw(value.EncodedUtf8Bytes);
        _buffer[_length++] = (byte)'"';
    }

    public void Raw(ReadOnlySpan<byte> json)
    {
        json.CopyTo(_buffer[_length..]);
        _length += json.Length;
    }

    /// <summary>
    /// The string quoted, when it is ASCII that <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> (the record
    /// writer's encoder) does not escape: the writer would then copy it unchanged too. False (nothing usable
    /// written) otherwise.
    /// </summary>
    public bool TryAsciiString(string value)
    {
        var destination = _buffer[(_length + 1)..];
        if (Ascii.FromUtf16(value, destination, out int written) != OperationStatus.Done ||
            JavaScriptEncoder.UnsafeRelaxedJsonEscaping.FindFirstCharacterToEncodeUtf8(destination[..written]) >= 0)
        {
            return false;
        }

        _buffer[_length] = (byte)'"';
        _length += 1 + written;
        _buffer[_length++] = (byte)'"';
        return true;
    }
}
