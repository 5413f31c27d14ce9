using System.Globalization;
using System.Net;

namespace Sniffer.Output.Delivery;

public enum SyslogTransport
{
    Tcp,
    Udp,
}

/// <summary>A <c>--syslog</c> destination: <c>tcp://HOST:PORT</c> or <c>udp://HOST:PORT</c>; HOST a name, an IPv4 literal or a bracketed IPv6 literal.</summary>
public sealed record SyslogEndpoint(SyslogTransport Transport, string Host, int Port)
{
    /// <summary>Longest host name accepted (DNS).</summary>
    public const int MaxHostLength = 253;

    public static bool TryParse(string text, out SyslogEndpoint? endpoint, out string error)
    {
        endpoint = null;
        SyslogTransport transport;
        string rest;
        if (text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            transport = SyslogTransport.Tcp;
            rest = text[6..];
        }
        else if (text.StartsWith("udp://", StringComparison.OrdinalIgnoreCase))
        {
            transport = SyslogTransport.Udp;
            rest = text[6..];
        }
        else
        {
            error = "expected tcp://HOST:PORT or udp://HOST:PORT";
            return false;
        }

        rest = rest.TrimEnd('/');
        string host;
        string port;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
            {
                error = "an IPv6 address needs brackets and a port: tcp://[::1]:514";
                return false;
            }

            host = rest[1..close];
            port = rest[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"\"{host}\" is not an IPv6 address";
                return false;
            }
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || rest.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = "expected HOST:PORT (an IPv6 address goes in brackets: [::1]:514)";
                return false;
            }

            host = rest[..colon];
            port = rest[(colon + 1)..];
            if (host.Length > MaxHostLength || Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            {
                error = $"\"{host}\" is not a host name or IPv4 address";
                return false;
            }
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
        {
            error = $"\"{port}\" is not a port from 1 to 65535";
            return false;
        }

        endpoint = new SyslogEndpoint(transport, host, p);
        error = "";
        return true;
    }

    public override string ToString() =>
        $"{(Transport == SyslogTransport.Tcp ? "tcp" : "udp")}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>How records are sent to a syslog receiver (<c>--syslog*</c>).</summary>
public sealed record SyslogOptions
{
    /// <summary>Default <c>--syslog-max-size</c>: rsyslog's default <c>maxMessageSize</c> (8096 bytes); a longer message would be cut by it, breaking the JSON.</summary>
    public const int DefaultMaxMessageBytes = 8096;
    /// <summary>Smallest <c>--syslog-max-size</c>: what RFC 5426 says every UDP receiver must accept.</summary>
    public const int MinMaxMessageBytes = 480;
    /// <summary>Largest message over UDP: the IPv4 UDP payload limit (65535 − 20 − 8).</summary>
    public const int MaxUdpMessageBytes = 65507;
    /// <summary>Largest message over TCP.</summary>
    public const int MaxTcpMessageBytes = 1 << 20;
    /// <summary>Default <c>--syslog-queue</c>: records held while the receiver is away, in bytes.</summary>
    public const long DefaultQueueBytes = 64L << 20;
    /// <summary>The end of a run gives up handing the queue to the receiver after this long without progress.</summary>
    public static readonly TimeSpan DefaultFlushTimeout = TimeSpan.FromSeconds(5);
    /// <summary>…and after this long in all, even while records still flow.</summary>
    public static readonly TimeSpan DefaultMaxFlushTime = TimeSpan.FromSeconds(60);

    public required SyslogEndpoint Endpoint { get; init; }
    public int Facility { get; init; } = SyslogFacility.Default;
    /// <summary>Longest syslog message (header + JSON record) sent; a record that would make a longer one is dropped and counted.</summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;
    public long QueueBytes { get; init; } = DefaultQueueBytes;
    public TimeSpan FlushTimeout { get; init; } = DefaultFlushTimeout;
    public TimeSpan MaxFlushTime { get; init; } = DefaultMaxFlushTime;
    /// <summary>
    /// Reading a capture (not live): a full queue makes the output wait for the receiver instead of dropping —
    /// reading slower loses nothing — unless the sender makes no progress for <see cref="FlushTimeout"/>.
    /// </summary>
    public bool WaitWhenFull { get; init; }
    /// <summary>HOSTNAME of the messages (the machine's host name).</summary>
    public string? Hostname { get; init; }
    /// <summary>Told (one line) when the receiver goes away and when it is back.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>What a syslog sender did, for the end-of-run report.</summary>
public sealed record SyslogStatistics(
    string Endpoint,
    long Sent,
    long DroppedQueueFull,
    long DroppedTooLong,
    long NotDelivered,
    long Connections,
    int MaxMessageBytes)
{
    public long Lost => DroppedQueueFull + DroppedTooLong + NotDelivered;

    /// <summary>The end-of-run statistics line.</summary>
    public string Summary() =>
        $"syslog {Endpoint}: {Sent} records sent, {DroppedQueueFull} dropped (queue full), {DroppedTooLong} dropped (longer than {MaxMessageBytes} bytes), " +
        $"{NotDelivered} not delivered at exit, {Connections} connections";

    /// <summary>The warning printed (also with -q) when records did not reach the receiver.</summary>
    public string LossWarning() =>
        $"syslog {Endpoint}: {Lost} records not sent ({DroppedQueueFull} queue full, {DroppedTooLong} too long, {NotDelivered} still queued at exit)";
}
