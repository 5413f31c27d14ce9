namespace Sniffer.CaptureGenerator;

/// <summary>
/// Plans the packets of one TCP conversation as a sensor next to the server sees them: 3-way handshake,
/// messages segmented at the MSS (PSH on each message's last segment, every segment acknowledging the peer),
/// bulk segments, then FIN / FIN-ACK / ACK. Client packets arrive one RTT after the server packet they answer;
/// the server answers after a short processing delay. All segments carry the TCP timestamp option, like Linux.
/// </summary>
internal sealed class TcpFlowBuilder
{
    /// <summary>MSS of IPv4 with timestamps on a 1500-byte MTU (1500 - 20 - 20 - 12).</summary>
    public const int Mss = 1448;

    public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;

    private readonly Flow _flow;
    private readonly Rng _rng;
    private readonly long _rttUs;
    private long _t;
    private uint _clientSeq;
    private uint _serverSeq;
    private readonly uint _clientTsBase;
    private readonly uint _serverTsBase;
    private uint _lastClientTs;
    private uint _lastServerTs;
    private bool? _lastFromClient;

    public TcpFlowBuilder(Flow flow, Rng rng, long startUs)
    {
        _flow = flow;
        _rng = rng;
        _t = startUs;
        // Log-uniform RTT between 0.1 ms (same rack) and 80 ms (another continent).
        _rttUs = (long)rng.LogUniform(100, 80_000);
        _clientSeq = rng.NextU32();
        _serverSeq = rng.NextU32();
        _clientTsBase = rng.NextU32();
        _serverTsBase = rng.NextU32();
    }

    public static int MssFor(bool v6) => v6 ? Mss - 20 : Mss;

    public long RttUs => _rttUs;

    public void Handshake()
    {
        Control(fromClient: true, Syn);
        _clientSeq++;
        Advance(fromClient: false);
        Control(fromClient: false, Syn | Ack);
        _serverSeq++;
        Advance(fromClient: true);
        Control(fromClient: true, Ack);
    }

    /// <summary>One application message (e.g. a request), segmented at the MSS.</summary>
    public void Send(bool fromClient, byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        Advance(fromClient);
        int mss = _flow.Mss;
        for (int off = 0; off < data.Length; off += mss)
        {
            if (off > 0)
            {
                _t += _rng.Next(2, 30);
            }

            int len = Math.Min(mss, data.Length - off);
            bool last = off + len >= data.Length;
            Emit(fromClient, (byte)(Ack | (last ? Psh : 0)), data, off, len);
        }
    }

    /// <summary>Bulk transfer: one segment per entry of <paramref name="sizes"/>, cut from <paramref name="data"/>.</summary>
    public void Bulk(bool fromClient, byte[] data, int[] sizes)
    {
        if (sizes.Length == 0)
        {
            return;
        }

        Advance(fromClient);
        int off = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (i > 0)
            {
                _t += _rng.Next(8, 250);
            }

            bool last = i == sizes.Length - 1;
            Emit(fromClient, (byte)(Ack | (last ? Psh : 0)), data, off, sizes[i]);
            off += sizes[i];
        }
    }

    /// <summary>FIN from one side, FIN-ACK from the other, final ACK.</summary>
    public void Close(bool clientFirst)
    {
        Advance(clientFirst);
        Control(clientFirst, Fin | Ack);
        Bump(clientFirst);
        Advance(!clientFirst);
        Control(!clientFirst, Fin | Ack);
        Bump(!clientFirst);
        Advance(clientFirst);
        Control(clientFirst, Ack);
    }

    private void Bump(bool fromClient)
    {
        if (fromClient)
        {
            _clientSeq++;
        }
        else
        {
            _serverSeq++;
        }
    }

    /// <summary>Moves the clock to the next packet of <paramref name="fromClient"/>'s side.</summary>
    private void Advance(bool fromClient)
    {
        if (_lastFromClient is null)
        {
            return;
        }

        if (_lastFromClient == fromClient)
        {
            _t += _rng.Next(5, 60);
        }
        else if (fromClient)
        {
            // The client reacts to what the server sent: one round trip plus a little client time.
            _t += _rttUs + (long)_rng.LogUniform(5, 3_000);
        }
        else
        {
            _t += (long)_rng.LogUniform(15, 2_500); // server processing
        }
    }

    private void Emit(bool fromClient, int flags, byte[]? data, int offset, int length = 0)
    {
        uint clock = (uint)(_t / 1000);
        uint tsVal = (fromClient ? _clientTsBase : _serverTsBase) + clock;
        var p = new Packet
        {
            TimeUs = _t,
            FromClient = fromClient,
            Flags = (byte)flags,
            Seq = fromClient ? _clientSeq : _serverSeq,
            Ack = (flags & Ack) != 0 ? (fromClient ? _serverSeq : _clientSeq) : 0,
            TsVal = tsVal,
            TsEcr = fromClient ? _lastServerTs : _lastClientTs,
            Data = length > 0 ? data : null,
            Offset = offset,
            Length = length,
        };
        _flow.Packets.Add(p);
        if (fromClient)
        {
            _clientSeq += (uint)length;
            _lastClientTs = tsVal;
        }
        else
        {
            _serverSeq += (uint)length;
            _lastServerTs = tsVal;
        }

        _lastFromClient = fromClient;
    }

    private void Control(bool fromClient, int flags) => Emit(fromClient, flags, null, 0, 0);
}

/// <summary>Plans UDP datagrams: a request, the answer after the server delay, and so on.</summary>
internal sealed class UdpFlowBuilder(Flow flow, Rng rng, long startUs)
{
    private long _t = startUs;
    private bool? _lastFromClient;
    private readonly long _rttUs = (long)rng.LogUniform(100, 60_000);

    public void Send(bool fromClient, byte[] data)
    {
        if (_lastFromClient is bool last)
        {
            _t += last == fromClient ? rng.Next(5, 200) : fromClient ? _rttUs + (long)rng.LogUniform(5, 20_000) : (long)rng.LogUniform(20, 5_000);
        }

        flow.Packets.Add(new Packet { TimeUs = _t, FromClient = fromClient, Data = data, Offset = 0, Length = data.Length });
        _lastFromClient = fromClient;
    }
}
