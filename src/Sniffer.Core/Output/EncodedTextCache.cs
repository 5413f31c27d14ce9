using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Sniffer.Output;

/// <summary>
/// JSON-encoded forms of the few strings a record repeats (protocol names, evidence literals, port registrations),
/// encoded once per writer instead of escaped on every record. Keyed by reference: these strings are literals or
/// registry constants; a string seen for the first time is encoded and kept, up to <see cref="MaxEntries"/>.
/// </summary>
internal sealed class EncodedTextCache
{
    /// <summary>Distinct strings kept; more are encoded on each use (correct, only slower).</summary>
    public const int MaxEntries = 256;

    private readonly Dictionary<string, JsonEncodedText> _texts = new(ReferenceEqualityComparer.Instance);

    public JsonEncodedText Get(string? text)
    {
        if (text is null)
        {
            return default;
        }

        if (_texts.TryGetValue(text, out var encoded))
        {
            return encoded;
        }

        encoded = JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        if (_texts.Count < MaxEntries)
        {
            _texts.Add(text, encoded);
        }

        return encoded;
    }
}
