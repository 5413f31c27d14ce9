using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting.Tor;

/// <summary>
/// Tor's link protocol is TLS with a disguise of its own (tor-spec §2, tortls.c): the client names a random host
/// <c>www.&lt;8–20 base32 chars&gt;.com</c> in its SNI (<c>crypto_random_hostname(8, 20, "www.", ".com")</c>) and
/// offers no ALPN, which no browser or common TLS client does. Best effort, a weak match: a real site with such a
/// name and an ALPN-less client looks the same, so the label needs the randomness test below as well.
/// </summary>
public static class TorShape
{
    public const int MinRandomLength = 8;
    public const int MaxRandomLength = 20;
    /// <summary>Signs of randomness needed (a digit counts 2, a consonant run of 5+ counts 2, under 20 % vowels 2).</summary>
    public const int RandomScore = 3;

    /// <summary>True when a ClientHello has Tor's shape.</summary>
    public static bool Matches(TlsHello client) =>
        client.IsClient && client.Alpn.Count == 0 && client.ServerName is { } sni && IsRandomHostname(sni);

    /// <summary><c>www.</c> + base32 label of 8–20 characters that does not read as a word + <c>.com</c>.</summary>
    public static bool IsRandomHostname(string sni)
    {
        if (!sni.StartsWith("www.", StringComparison.Ordinal) || !sni.EndsWith(".com", StringComparison.Ordinal))
        {
            return false;
        }

        var label = sni.AsSpan(4, sni.Length - 8);
        if (label.Length is < MinRandomLength or > MaxRandomLength)
        {
            return false;
        }

        int digits = 0, vowels = 0, run = 0, longestConsonantRun = 0;
        foreach (char c in label)
        {
            if (c is >= '2' and <= '7')
            {
                digits++;
                run = 0;
            }
            else if (c is >= 'a' and <= 'z')
            {
                bool vowel = c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';
                vowels += vowel ? 1 : 0;
                run = vowel ? 0 : run + 1;
                longestConsonantRun = Math.Max(longestConsonantRun, run);
            }
            else
            {
                return false; // outside Tor's base32 alphabet (a–z, 2–7): '-', '0', '1', '8', '9', capitals
            }
        }

        // Random base32 (26 letters, 6 digits) has digits, few vowels and long consonant runs; names of real sites
        // have at most one of these (w3schools: one digit; wordpress: a run of four).
        int score = (2 * digits) + (longestConsonantRun >= 5 ? 2 : 0) + (vowels * 5 < label.Length ? 2 : 0);
        return score >= RandomScore;
    }
}
