namespace Sniffer.Fingerprinting.Quic;

/// <summary>
/// The client's Initial CRYPTO stream while its ClientHello spans several Initial packets (Chrome's hello with
/// post-quantum key shares is larger than one datagram): the data at its offsets and the ranges held. Created
/// only for such flows and dropped when the hello is complete.
/// </summary>
internal sealed class QuicCryptoStream
{
    /// <summary>Later client datagrams looked at before giving up on the rest of the hello.</summary>
    public const int MaxDatagrams = 8;

    private readonly byte[] _data = new byte[QuicParser.MaxCryptoBytes];
    private readonly int[] _starts = new int[QuicParser.MaxCryptoFrames];
    private readonly int[] _ends = new int[QuicParser.MaxCryptoFrames];
    private int _ranges;

    public QuicCryptoStream(ReadOnlySpan<byte> originalDcid) => OriginalDcid = originalDcid.ToArray();

    /// <summary>The DCID of the client's first Initial: the key for all its Initials (RFC 9001 §5.2).</summary>
    public byte[] OriginalDcid { get; }

    public int Datagrams { get; set; }

    /// <summary>In-order bytes from offset 0.</summary>
    public ReadOnlySpan<byte> Contiguous => _data.AsSpan(0, _contiguous);

    private int _contiguous;

    /// <summary>Adds the CRYPTO frames of one decrypted Initial payload; false when the frames are malformed.</summary>
    public bool Add(ReadOnlySpan<byte> plaintext)
    {
        int contiguous = QuicParser.ReassembleCrypto(plaintext, _data, _starts, _ends, ref _ranges);
        if (contiguous < 0)
        {
            return false;
        }

        _contiguous = contiguous;
        return true;
    }
}
