using System.Buffers;

namespace Sniffer.Fingerprinting.Ssh;

/// <summary>
/// HASSH and HASSHServer (salesforce/hassh): MD5 over <c>kex;encryption;mac;compression</c> taken from the
/// client's (client→server lists) or the server's (server→client lists) SSH_MSG_KEXINIT.
/// </summary>
public static class Hassh
{
    public const int Kex = 0, EncC2S = 2, EncS2C = 3, MacC2S = 4, MacS2C = 5, CompC2S = 6, CompS2C = 7;

    /// <summary>The algorithm string that is hashed.</summary>
    public static string AlgorithmString(ReadOnlySpan<byte> stream, in SshKexInit kex, bool server)
    {
        var l = kex.Lists;
        var kexList = stream[l[Kex]];
        var enc = stream[l[server ? EncS2C : EncC2S]];
        var mac = stream[l[server ? MacS2C : MacC2S]];
        var comp = stream[l[server ? CompS2C : CompC2S]];
        int length = kexList.Length + enc.Length + mac.Length + comp.Length + 3;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        var text = rented.AsSpan(0, length);
        kexList.CopyTo(text);
        int n = kexList.Length;
        text[n++] = (byte)';';
        enc.CopyTo(text[n..]);
        n += enc.Length;
        text[n++] = (byte)';';
        mac.CopyTo(text[n..]);
        n += mac.Length;
        text[n++] = (byte)';';
        comp.CopyTo(text[n..]);
        string result = Caching.AsciiStringPool.Get(text); // non-ASCII bytes become '?', as Encoding.ASCII does
        ArrayPool<byte>.Shared.Return(rented);
        return result;
    }

    /// <summary>MD5 of the algorithm string, 32 lowercase hex digits (memoised per worker).</summary>
    public static string Compute(string algorithms) => Caching.DigestCache.Hex(Caching.DigestAlgorithm.Md5, algorithms);
}
