using System.Security.Cryptography;
using System.Text;

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
        return string.Join(';',
            Encoding.ASCII.GetString(stream[l[Kex]]),
            Encoding.ASCII.GetString(stream[l[server ? EncS2C : EncC2S]]),
            Encoding.ASCII.GetString(stream[l[server ? MacS2C : MacC2S]]),
            Encoding.ASCII.GetString(stream[l[server ? CompS2C : CompC2S]]));
    }

    public static string Compute(string algorithms) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(algorithms)));
}
