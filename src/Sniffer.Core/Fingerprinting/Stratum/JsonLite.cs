namespace Sniffer.Fingerprinting.Stratum;

/// <summary>Minimal, allocation-free lookups in one line of JSON (no full parse: keys are matched as quoted text).</summary>
public static class JsonLite
{
    /// <summary>Longest string value returned.</summary>
    public const int MaxValueLength = 512;

    public static bool HasKey(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey) => ValueStart(json, quotedKey) >= 0;

    /// <summary>Index just past the ':' that follows <paramref name="quotedKey"/> (and spaces), or -1.</summary>
    public static int ValueStart(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        int from = 0;
        while (from < json.Length)
        {
            int at = json[from..].IndexOf(quotedKey);
            if (at < 0)
            {
                return -1;
            }

            int i = from + at + quotedKey.Length;
            while (i < json.Length && json[i] is (byte)' ' or (byte)'\t')
            {
                i++;
            }

            if (i < json.Length && json[i] == ':')
            {
                i++;
                while (i < json.Length && json[i] is (byte)' ' or (byte)'\t')
                {
                    i++;
                }

                return i;
            }

            from = from + at + 1;
        }

        return -1;
    }

    /// <summary>The raw (unescaped-as-is) string value of a key, or empty.</summary>
    public static ReadOnlySpan<byte> StringValue(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        int i = ValueStart(json, quotedKey);
        return i < 0 ? default : StringAt(json, i);
    }

    /// <summary>The string starting with a quote at <paramref name="i"/>, without its quotes, or empty.</summary>
    public static ReadOnlySpan<byte> StringAt(ReadOnlySpan<byte> json, int i)
    {
        if (i < 0 || i >= json.Length || json[i] != '"')
        {
            return default;
        }

        int start = i + 1;
        for (int j = start; j < json.Length && j - start <= MaxValueLength; j++)
        {
            if (json[j] == '\\')
            {
                j++;
            }
            else if (json[j] == '"')
            {
                return json[start..j];
            }
        }

        return default;
    }

    /// <summary>The first string element of the array value of a key (e.g. "params":["EWBF 0.3.4b",...]), or empty.</summary>
    public static ReadOnlySpan<byte> FirstArrayString(ReadOnlySpan<byte> json, ReadOnlySpan<byte> quotedKey)
    {
        int i = ValueStart(json, quotedKey);
        if (i < 0 || i >= json.Length || json[i] != '[')
        {
            return default;
        }

        i++;
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        return StringAt(json, i);
    }
}
