namespace Sniffer.Fingerprinting;

/// <summary>IANA service-name registrations for ports the sensor reports on (what the port is "supposed" to be).</summary>
public static class PortRegistry
{
    /// <summary>The port this product watches by default: registered, never shipped.</summary>
    public const ushort DistUpgrade = 3624;

    public static string? IanaServiceName(ushort port) => port switch
    {
        3624 => "dist-upgrade",
        20 => "ftp-data",
        21 => "ftp",
        22 => "ssh",
        23 => "telnet",
        25 => "smtp",
        53 => "domain",
        80 => "http",
        110 => "pop3",
        143 => "imap",
        443 => "https",
        8080 => "http-alt",
        _ => null,
    };
}
