using System.Buffers.Binary;

namespace Sniffer.Fingerprinting.Socks;

/// <summary>What the client side of a SOCKS exchange says (offsets into the client bytes; no allocation).</summary>
internal ref struct SocksRequest
{
    public int Version;
    public bool Socks4a;
    public int Command;
    public int Port;
    public int AddressType;
    public ReadOnlySpan<byte> Address;
    public ReadOnlySpan<byte> User;
    public bool HasRequest;
    /// <summary>Offset just after the request (where tunnelled bytes begin) when <see cref="HasRequest"/>.</summary>
    public int End;
    public ReadOnlySpan<byte> Methods;
}

internal static class SocksParser
{
    public static ProbeResult ProbeClient(ReadOnlySpan<byte> data, out SocksRequest request)
    {
        request = default;
        return data[0] switch
        {
            4 => ProbeSocks4(data, ref request),
            5 => ProbeSocks5(data, ref request),
            _ => ProbeResult.NoMatch,
        };
    }

    private static ProbeResult ProbeSocks4(ReadOnlySpan<byte> data, ref SocksRequest r)
    {
        if (data.Length >= 2 && data[1] is not (1 or 2))
        {
            return ProbeResult.NoMatch;
        }

        if (data.Length < 9)
        {
            return ProbeResult.NeedMore;
        }

        r.Version = 4;
        r.Command = data[1];
        r.Port = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var ip = data.Slice(4, 4);
        // Port 0 or address 0.0.0.0 cannot be a target.
        if (r.Port == 0 || ip.IndexOfAnyExcept((byte)0) < 0)
        {
            return ProbeResult.NoMatch;
        }

        var rest = data[8..];
        if (!ReadCString(rest, out var user, out int used))
        {
            return used < 0 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        r.User = user;
        r.Address = ip;
        r.AddressType = 1;
        if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0)
        {
            // SOCKS4a: the host name follows the user id.
            if (!ReadCString(rest[used..], out var host, out int hostUsed) || host.IsEmpty)
            {
                return hostUsed < 0 || (hostUsed > 0 && host.IsEmpty) ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            r.Socks4a = true;
            r.Address = host;
            r.AddressType = 3;
            r.End = 8 + used + hostUsed;
        }
        else
        {
            r.End = 8 + used;
        }

        r.HasRequest = true;
        return ProbeResult.Matched(Confidence.Medium, "socks4.request");
    }

    /// <summary>A NUL-terminated printable string: false with used = 0 (need more) or -1 (invalid).</summary>
    private static bool ReadCString(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> value, out int used)
    {
        value = default;
        int limit = Math.Min(data.Length, SocksFingerprinter.MaxSocks4String + 1);
        for (int i = 0; i < limit; i++)
        {
            if (data[i] == 0)
            {
                value = data[..i];
                used = i + 1;
                return true;
            }

            if (data[i] is < 0x20 or > 0x7E)
            {
                used = -1;
                return false;
            }
        }

        used = data.Length > SocksFingerprinter.MaxSocks4String ? -1 : 0;
        return false;
    }

    private static ProbeResult ProbeSocks5(ReadOnlySpan<byte> data, ref SocksRequest r)
    {
        if (data.Length < 2)
        {
            return ProbeResult.NeedMore;
        }

        int n = data[1];
        if (n is 0 or > SocksFingerprinter.MaxMethods)
        {
            return ProbeResult.NoMatch;
        }

        var methods = data[2..Math.Min(data.Length, 2 + n)];
        foreach (byte m in methods)
        {
            if (m is > 0x09 and < 0x80 or 0xFF)
            {
                return ProbeResult.NoMatch;
            }
        }

        if (methods.Length < n)
        {
            return ProbeResult.NeedMore;
        }

        r.Version = 5;
        r.Methods = methods;
        var rest = data[(2 + n)..];
        if (rest.IsEmpty)
        {
            // A greeting alone is a weak shape (three bytes such as 05 01 00).
            return ProbeResult.Matched(Confidence.Low, "socks5.greeting");
        }

        // RFC 1929 username/password sub-negotiation: 01, ulen, user, plen, password.
        if (rest[0] == 1)
        {
            if (rest.Length < 2 || rest[1] == 0 || rest.Length < 2 + rest[1] + 1)
            {
                return rest.Length >= 2 && rest[1] == 0 ? ProbeResult.NoMatch : ProbeResult.NeedMore;
            }

            r.User = rest.Slice(2, rest[1]);
            int plen = rest[2 + rest[1]];
            int end = 2 + rest[1] + 1 + plen;
            if (rest.Length < end)
            {
                return ProbeResult.NeedMore;
            }

            rest = rest[end..];
            if (rest.IsEmpty)
            {
                return ProbeResult.Matched(Confidence.Medium, "socks5.greeting");
            }
        }

        // Request: 05, cmd 1..3, 00, atyp, address, port.
        if (rest[0] != 5 || (rest.Length > 1 && rest[1] is < 1 or > 3) || (rest.Length > 2 && rest[2] != 0)
            || (rest.Length > 3 && rest[3] is not (1 or 3 or 4)))
        {
            return ProbeResult.NoMatch;
        }

        if (rest.Length < 5)
        {
            return ProbeResult.NeedMore;
        }

        int addressLength = rest[3] switch
        {
            1 => 4,
            4 => 16,
            _ => rest[4],
        };
        int addressStart = rest[3] == 3 ? 5 : 4;
        if (rest[3] == 3)
        {
            if (addressLength == 0)
            {
                return ProbeResult.NoMatch;
            }

            foreach (byte b in rest[addressStart..Math.Min(rest.Length, addressStart + addressLength)])
            {
                if (b is <= 0x20 or > 0x7E)
                {
                    return ProbeResult.NoMatch;
                }
            }
        }

        if (rest.Length < addressStart + addressLength + 2)
        {
            return ProbeResult.NeedMore;
        }

        r.Command = rest[1];
        r.AddressType = rest[3];
        r.Address = rest.Slice(addressStart, addressLength);
        r.Port = BinaryPrimitives.ReadUInt16BigEndian(rest[(addressStart + addressLength)..]);
        r.End = data.Length - rest.Length + addressStart + addressLength + 2;
        r.HasRequest = true;
        return ProbeResult.Matched(Confidence.Medium, "socks5.request");
    }
}
