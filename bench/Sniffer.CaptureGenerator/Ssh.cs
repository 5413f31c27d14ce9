using System.Buffers.Binary;

namespace Sniffer.CaptureGenerator;

/// <summary>
/// SSH: identification strings (real OpenSSH ones and a few others), OpenSSH's KEXINIT packets (new cookie and
/// padding per flow), the sntrup761x25519 key exchange (new public keys), NEWKEYS, then encrypted packets.
/// </summary>
internal static class Ssh
{
    public static Conversation Build(Rng r, int bulkLength)
    {
        var c = new Conversation();
        string clientBanner = r.Pick(Names.SshClientBanners) + "\r\n";
        string serverBanner = r.Pick(Names.SshServerBanners) + "\r\n";
        if (r.Chance(0.5))
        {
            c.Client(clientBanner);
            c.Server(serverBanner);
        }
        else
        {
            c.Server(serverBanner);
            c.Client(clientBanner);
        }

        c.Client(KexInit(r, Templates.SshClientKexInit));
        c.Server(KexInit(r, Templates.SshServerKexInit));
        c.Client(KeyString(r, Templates.SshClientKexEcdhInit, skipStrings: 0));
        // Server: KEX_ECDH_REPLY (host key kept, new ephemeral key), NEWKEYS, then its first encrypted packet.
        var reply = Templates.SshServerKexEcdhReply;
        int first = 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(reply);
        var varied = KeyString(r, reply.AsSpan(0, first).ToArray(), skipStrings: 1);
        var tail = reply.AsSpan(first).ToArray();
        r.Fill(tail.AsSpan(16)); // after NEWKEYS (16 bytes): ciphertext
        c.Server([.. varied, .. tail]);
        c.Client([.. NewKeys(), .. r.Bytes(r.Next(44, 100))]);
        c.Server(r.Bytes(r.Next(44, 100)));
        c.BulkFromClient = r.Chance(0.4);
        c.Bulk = r.Bytes(bulkLength);
        c.ClientClosesFirst = r.Chance(0.8);
        return c;
    }

    /// <summary>A KEXINIT with a new 16-byte cookie and new random padding.</summary>
    private static byte[] KexInit(Rng r, byte[] template)
    {
        var b = (byte[])template.Clone();
        r.Fill(b.AsSpan(6, 16));
        int padding = b[4];
        int end = 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(b);
        r.Fill(b.AsSpan(end - padding, padding));
        return b;
    }

    /// <summary>Replaces the bytes of the (skipStrings+1)-th string after the message type with random ones.</summary>
    private static byte[] KeyString(Rng r, byte[] template, int skipStrings)
    {
        var b = (byte[])template.Clone();
        int o = 6;
        for (int i = 0; i < skipStrings; i++)
        {
            o += 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(o));
        }

        int len = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(o));
        r.Fill(b.AsSpan(o + 4, len));
        int padding = b[4];
        int end = 4 + (int)BinaryPrimitives.ReadUInt32BigEndian(b);
        r.Fill(b.AsSpan(end - padding, padding));
        return b;
    }

    private static byte[] NewKeys()
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(b, 12);
        b[4] = 10;
        b[5] = 21; // padding left zero, as OpenSSH sends it
        return b;
    }
}
