using System.Buffers.Text;
using System.Text.Json;

namespace Sniffer.Output;

/// <summary>
/// Writes a stretch of a record — properties, nested objects and arrays — into a per-thread buffer and hands it to
/// the <see cref="Utf8JsonWriter"/> in one <c>WriteRawValue</c>: a metadata object of a dozen properties costs one
/// writer call instead of a dozen (each with its own state checks, buffer checks and copy). String values come from
/// <see cref="JsonStringCache"/>, so they are escaped exactly as <c>WriteString</c> escapes them; names are
/// pre-encoded <see cref="JsonEncodedText"/>. The output is byte for byte what the same calls on the writer give.
/// </summary>
/// <remarks>
/// Relies on the record writer's <c>SkipValidation</c> (see <see cref="RawJson"/>): the writer puts the separator
/// before the run when something precedes it in the open object. The run separates its own items and is only
/// handed over between complete items at its outer level, where the writer's separator is the one needed; inside
/// an object it opened, it grows instead. With a writer of other options (tests) every call goes to the writer.
/// Call <see cref="Flush"/> at the end. One run at a time per thread (a nested one gets its own buffer).
/// </remarks>
public ref struct JsonRun
{
    /// <summary>Buffer kept per thread; a larger record grows it (kept up to <see cref="MaxKeptBytes"/>).</summary>
    private const int InitialBytes = 16 * 1024;
    private const int MaxKeptBytes = 256 * 1024;

    [ThreadStatic]
    private static byte[]? t_buffer;

    private readonly Utf8JsonWriter _writer;
    private readonly bool _direct;
    private byte[] _buffer;
    private int _length;
    private int _depth;
    private bool _separator;

    public JsonRun(Utf8JsonWriter writer)
    {
        _writer = writer;
        _direct = !JsonStringCache.IsCompatible(writer);
        _buffer = t_buffer ?? new byte[InitialBytes];
        t_buffer = null; // a nested run takes another buffer
    }

    public void StartObject(JsonEncodedText name)
    {
        if (_direct)
        {
            _writer.WriteStartObject(name);
            return;
        }

        Name(name, 1);
        _buffer[_length++] = (byte)'{';
        Open();
    }

    /// <summary>An object as an array element.</summary>
    public void StartObject()
    {
        if (_direct)
        {
            _writer.WriteStartObject();
            return;
        }

        Separator(1);
        _buffer[_length++] = (byte)'{';
        Open();
    }

    public void EndObject()
    {
        if (_direct)
        {
            _writer.WriteEndObject();
            return;
        }

        Close((byte)'}');
    }

    public void StartArray(JsonEncodedText name)
    {
        if (_direct)
        {
            _writer.WriteStartArray(name);
            return;
        }

        Name(name, 1);
        _buffer[_length++] = (byte)'[';
        Open();
    }

    public void EndArray()
    {
        if (_direct)
        {
            _writer.WriteEndArray();
            return;
        }

        Close((byte)']');
    }

    /// <summary>Same as <c>WriteString(name, value)</c>; null: <c>"name":null</c>.</summary>
    public void String(JsonEncodedText name, string? value)
    {
        if (_direct)
        {
            _writer.WriteString(name, value);
            return;
        }

        if (value is null)
        {
            Name(name, 4);
            Append("null"u8);
        }
        else
        {
            Item(JsonStringCache.Encoded(name, hasName: true, value));
        }

        _separator = true;
    }

    /// <summary>Same as <c>WriteStringValue(value)</c>.</summary>
    public void StringValue(string? value)
    {
        if (_direct)
        {
            _writer.WriteStringValue(value);
            return;
        }

        if (value is null)
        {
            Separator(4);
            Append("null"u8);
        }
        else
        {
            Item(JsonStringCache.Encoded(default, hasName: false, value));
        }

        _separator = true;
    }

    /// <summary>Same as <c>WriteString(name, value)</c> for a pre-encoded value.</summary>
    public void String(JsonEncodedText name, JsonEncodedText value)
    {
        if (_direct)
        {
            _writer.WriteString(name, value);
            return;
        }

        var bytes = value.EncodedUtf8Bytes;
        Name(name, bytes.Length + 2);
        _buffer[_length++] = (byte)'"';
        Append(bytes);
        _buffer[_length++] = (byte)'"';
        _separator = true;
    }

    /// <summary>Same as <c>WriteStringValue(value)</c> for a pre-encoded value.</summary>
    public void StringValue(JsonEncodedText value)
    {
        if (_direct)
        {
            _writer.WriteStringValue(value);
            return;
        }

        var bytes = value.EncodedUtf8Bytes;
        Separator(bytes.Length + 2);
        _buffer[_length++] = (byte)'"';
        Append(bytes);
        _buffer[_length++] = (byte)'"';
        _separator = true;
    }

    /// <summary>Same as <c>WriteString(name, ascii)</c> for ASCII bytes (numbers, hex, tokens).</summary>
    /// <exception cref="ArgumentException">A byte is not ASCII.</exception>
    public void AsciiString(JsonEncodedText name, scoped ReadOnlySpan<byte> ascii)
    {
        if (_direct)
        {
            _writer.WriteString(name, ascii);
            return;
        }

        if (!System.Text.Ascii.IsValid(ascii))
        {
            throw new ArgumentException("ASCII only", nameof(ascii));
        }

        Name(name, (ascii.Length * 6) + 2);
        _buffer[_length++] = (byte)'"';
        _length += RawJson.EscapeAscii(ascii, _buffer.AsSpan(_length));
        _buffer[_length++] = (byte)'"';
        _separator = true;
    }

    public void Number(JsonEncodedText name, long value)
    {
        if (_direct)
        {
            _writer.WriteNumber(name, value);
            return;
        }

        Name(name, 20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int n);
        _length += n;
        _separator = true;
    }

    /// <summary>Hands the rest to the writer; the run can be used on afterwards, and gives its buffer back here.</summary>
    public void Flush()
    {
        if (_direct)
        {
            return;
        }

        if (_length > 0)
        {
            _writer.WriteRawValue(_buffer.AsSpan(0, _length), skipInputValidation: true);
            _length = 0;
        }

        if (_buffer.Length <= MaxKeptBytes)
        {
            t_buffer = _buffer;
        }
    }

    private void Open()
    {
        _depth++;
        _separator = false;
    }

    private void Close(byte token)
    {
        Ensure(1);
        _buffer[_length++] = token;
        _depth--;
        _separator = true;
    }

    /// <summary>A complete item (<c>"name":"value"</c> or <c>"value"</c>) after its separator.</summary>
    private void Item(ReadOnlySpan<byte> encoded)
    {
        Separator(encoded.Length);
        Append(encoded);
    }

    /// <summary>Separator and <c>"name":</c>, with room for <paramref name="valueBytes"/> more.</summary>
    private void Name(JsonEncodedText name, int valueBytes)
    {
        var bytes = name.EncodedUtf8Bytes;
        Separator(bytes.Length + 3 + valueBytes);
        _buffer[_length++] = (byte)'"';
        Append(bytes);
        _buffer[_length++] = (byte)'"';
        _buffer[_length++] = (byte)':';
    }

    /// <summary>
    /// Makes room for a separator and <paramref name="bytes"/> more, then writes the separator if the run holds the
    /// item before (when the run is empty, the writer puts it).
    /// </summary>
    private void Separator(int bytes)
    {
        if (_length + 1 + bytes > _buffer.Length)
        {
            if (_depth == 0 && _length > 0)
            {
                // Between complete items at the outer level: the writer's separator is the right one.
                _writer.WriteRawValue(_buffer.AsSpan(0, _length), skipInputValidation: true);
                _length = 0;
            }

            Ensure(1 + bytes);
        }

        if (_separator && _length > 0)
        {
            _buffer[_length++] = (byte)',';
        }
    }

    private void Ensure(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            var larger = new byte[Math.Max(_buffer.Length * 2, _length + bytes)];
            _buffer.AsSpan(0, _length).CopyTo(larger);
            _buffer = larger;
        }
    }

    private void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }
}
