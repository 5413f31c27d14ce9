using System.Net.NetworkInformation;
using Sniffer.Decoding;

namespace Sniffer.Attribution;

/// <summary>
/// The addresses of this host: loopback (127.0.0.0/8, ::1) and every address of every interface. An endpoint
/// with one of them is local, so /proc can name its process; on <c>lo</c> both ends are. The set is replaced
/// whole (workers read it lock-free) and refreshed every <see cref="RefreshIntervalMs"/> by the attribution thread.
/// </summary>
public sealed class LocalAddresses
{
    /// <summary>How often the interface addresses are read again (DHCP, hot-plugged interfaces).</summary>
    public const int RefreshIntervalMs = 5000;

    private readonly Func<IEnumerable<IpAddr>> _source;
    private volatile HashSet<IpAddr> _addresses = [];

    public LocalAddresses(Func<IEnumerable<IpAddr>>? source = null)
    {
        _source = source ?? SystemAddresses;
        Refresh();
    }

    /// <summary>Addresses known now (loopback ranges not included).</summary>
    public int Count => _addresses.Count;

    public bool IsLocal(IpAddr ip) => IsLoopback(ip) || _addresses.Contains(ip);

    public static bool IsLoopback(IpAddr ip)
    {
        Span<byte> b = stackalloc byte[16];
        int n = ip.WriteBytes(b);
        return n == 4 ? b[0] == 127 : b[..15].IndexOfAnyExcept((byte)0) < 0 && b[15] == 1;
    }

    /// <summary>Reads the addresses again; keeps the old set when reading fails.</summary>
    public void Refresh()
    {
        try
        {
            _addresses = [.. _source()];
        }
        catch (NetworkInformationException)
        {
        }
        catch (PlatformNotSupportedException)
        {
        }
    }

    private static List<IpAddr> SystemAddresses()
    {
        var list = new List<IpAddr>();
        Span<byte> b = stackalloc byte[16];
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var a in nic.GetIPProperties().UnicastAddresses)
            {
                if (a.Address.TryWriteBytes(b, out int n))
                {
                    list.Add(n == 4 ? IpAddr.FromV4(b[..4]) : IpAddr.FromV6(b));
                }
            }
        }

        return list;
    }
}
