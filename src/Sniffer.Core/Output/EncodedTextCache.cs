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

    /// <summary>Direct-mapped slots in front of the dictionary (a power of two).</summary>
    private const int RecentSlots = 64;

    private readonly Dictionary<string, JsonEncodedText> _texts = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The last strings looked up, by identity hash: a record asks for three or four texts, and a dictionary look-up
    /// (comparer calls, bucket walk) costs several times a slot check.
    /// </summary>
    private readonly (string? Text, JsonEncodedText Encoded)[] _recent = new (string?, JsonEncodedText)[RecentSlots];

    public JsonEncodedText Get(string? text)
    {
        if (text is null)
        {
            return default;
        }

        ref var recent = ref _recent[RuntimeHelpers.GetHashCode(text) & (RecentSlots - 1)];
        if (ReferenceEquals(recent.Text, text))
        {
            return recent.Encoded;
        }

        if (_texts.TryGetValue(text, out var encoded))
        {
            recent = (text, encoded);
            return encoded;
        }

        encoded = JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        if (_texts.Count < MaxEntries)
        {
            _texts.Add(text, encoded);
        }

        recent = (text, encoded);
        return encoded;
    }
}
