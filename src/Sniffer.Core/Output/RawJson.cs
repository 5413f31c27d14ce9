using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Output;

/// <summary>
/// Builds a small JSON value, or a run of complete properties, from pre-encoded ASCII pieces (fixed property names,
/// numbers, timestamps, addresses, text already escaped by <see cref="JsonEncodedText"/>) in a caller's stack
/// buffer, for <c>Utf8JsonWriter.WriteRawValue</c>: one copy and no escaping pass over text that cannot need it,
/// instead of one writer call (with its own checks and copies) per property. Only for pieces known to be valid
/// JSON: plain ASCII without quotes or backslashes, or encoded text.
/// </summary>
/// <remarks>
/// A run of properties (<see cref="Property"/>, then <see cref="WriteTo"/>) relies on the record writer's
/// <c>SkipValidation</c>: with it, <c>WriteRawValue(…, skipInputValidation: true)</c> only puts the list separator
/// before the bytes when something precedes them in the open object, copies them, and asks for a separator before
/// the next item — exactly what writing the same properties one by one produces. The run separates its own
/// properties.
/// </remarks>
internal ref struct RawJson
{
    /// <summary>Longest escaped form of one ASCII byte (<c>\u001F</c>).</summary>
    private const int MaxAsciiEscape = 6;

    /// <summary>
    /// Each ASCII byte as the record writer writes it in a string (relaxed encoder): made by the encoder itself, so
    /// the two cannot disagree.
    /// </summary>
    internal static readonly byte[][] AsciiEscapes = CreateAsciiEscapes();

    private readonly Span<byte> _buffer;
    private int _length;

    private static byte[][] CreateAsciiEscapes()
    {
        var escapes = new byte[128][];
        for (int b = 0; b < escapes.Length; b++)
        {
            escapes[b] = JsonEncodedText.Encode(((char)b).ToString(), JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray();
        }

        return escapes;
    }

    public RawJson(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Bytes still free in the buffer.</summary>
    public readonly int Remaining => _buffer.Length - _length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(scoped ReadOnlySpan<byte> ascii)
    {
        ascii.CopyTo(_buffer[_length..]);
        _length += ascii.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(byte ascii) => _buffer[_length++] = ascii;

    public void Append(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out int n);
        _length += n;
    }

    public void AppendTime(long unixNanoseconds) => _length += Rfc3339.Format(unixNanoseconds, _buffer[_length..]);

    /// <summary>Appends <c>true</c> or <c>false</c>.</summary>
    public void Append(bool value) => Append(value ? "true"u8 : "false"u8);

    /// <summary>Appends <c>"text"</c>: the encoded form's bytes (already escaped) between quotes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendQuoted(JsonEncodedText text)
    {
        _buffer[_length++] = (byte)'"';
        Append(text.EncodedUtf8Bytes);
        _buffer[_length++] = (byte)'"';
    }

    /// <summary>Appends <c>"ascii"</c> (plain ASCII that needs no escaping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AppendQuoted(scoped ReadOnlySpan<byte> ascii)
    {
        _buffer[_length++] = (byte)'"';
        Append(ascii);
        _buffer[_length++] = (byte)'"';
    }

    /// <summary>
    /// Appends <c>"text"</c> for ASCII <paramref name="text"/>, escaped as the record writer escapes it; false (and
    /// nothing appended) when the text is not ASCII or does not fit.
    /// </summary>
    public bool TryAppendQuotedAscii(scoped ReadOnlySpan<byte> text)
    {
        if (Remaining < (text.Length * MaxAsciiEscape) + 2 || !Ascii.IsValid(text))
        {
            return false;
        }

        _buffer[_length++] = (byte)'"';
        _length += EscapeAscii(text, _buffer[_length..]);
        _buffer[_length++] = (byte)'"';
        return true;
    }

    /// <summary>
    /// Writes ASCII <paramref name="ascii"/> escaped as the record writer escapes it into <paramref name="destination"/>
    /// (room for <see cref="MaxAsciiEscape"/> bytes per input byte); returns the bytes written. Byte by byte: the
    /// texts are short and escapes frequent (binary first bytes shown as \xNN).
    /// </summary>
    internal static int EscapeAscii(scoped ReadOnlySpan<byte> ascii, Span<byte> destination)
    {
        var escapes = AsciiEscapes;
        int n = 0;
        foreach (byte b in ascii)
        {
            var escaped = escapes[b];
            if (escaped.Length == 1)
            {
                destination[n++] = b;
            }
            else
            {
                escaped.CopyTo(destination[n..]);
                n += escaped.Length;
            }
        }

        return n;
    }

    /// <summary>
    /// Starts a property of a run: a separator when the run already holds one, then <paramref name="quotedNameColon"/>
    /// (<c>"name":</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Property(scoped ReadOnlySpan<byte> quotedNameColon)
    {
        if (_length != 0)
        {
            _buffer[_length++] = (byte)',';
        }

        Append(quotedNameColon);
    }

    /// <summary>Writes the run (if any) into the writer's open object and empties the buffer.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (_length != 0)
        {
            writer.WriteRawValue(_buffer[.._length], skipInputValidation: true);
            _length = 0;
        }
    }
}
