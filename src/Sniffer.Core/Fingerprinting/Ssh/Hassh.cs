using System.Buffers;
using System.Text;
using Sniffer.Hashing;

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
        char[] rented = ArrayPool<char>.Shared.Rent(length);
        var chars = rented.AsSpan(0, length);
        int n = Encoding.ASCII.GetChars(kexList, chars);
        chars[n++] = ';';
        n += Encoding.ASCII.GetChars(enc, chars[n..]);
        chars[n++] = ';';
        n += Encoding.ASCII.GetChars(mac, chars[n..]);
        chars[n++] = ';';
        n += Encoding.ASCII.GetChars(comp, chars[n..]);
        string result = new(chars[..n]);
        ArrayPool<char>.Shared.Return(rented);
        return result;
    }

    public static string Compute(string algorithms)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.ASCII.GetMaxByteCount(algorithms.Length));
        Span<byte> digest = stackalloc byte[Md5.HashSize];
        int n = Encoding.ASCII.GetBytes(algorithms, rented);
        Md5.HashData(rented.AsSpan(0, n), digest);
        ArrayPool<byte>.Shared.Return(rented);
        return Hex.ToStringLower(digest);
    }
}
