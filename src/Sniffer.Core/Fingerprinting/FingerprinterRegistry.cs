using Sniffer.Fingerprinting.Dns;
using Sniffer.Fingerprinting.Http;
using Sniffer.Fingerprinting.Kerberos;
using Sniffer.Fingerprinting.NetBios;
using Sniffer.Fingerprinting.Ntp;
using Sniffer.Fingerprinting.Snmp;
using Sniffer.Fingerprinting.Ssh;
using Sniffer.Fingerprinting.Syslog;
using Sniffer.Fingerprinting.Tftp;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting;

/// <summary>Registration of one protocol: its fingerprinter, the transports it runs on, and how much it may need.</summary>
public sealed record FingerprinterRegistration(IFingerprinter Fingerprinter, bool Tcp, bool Udp, ushort[] StandardPorts);

/// <summary>
/// The one explicit table of protocols (like nDPI's init_*_dissector list and Suricata's SCRegister*Parser calls).
/// No reflection, no assembly scanning: what is here is what exists. Order is probe order.
/// </summary>
public static class FingerprinterRegistry
{
    public static readonly FingerprinterRegistration[] All =
    [
        new(TlsFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443]),
        new(SshFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [22]),
        new(HttpFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [80, 8000, 8008, 8080, 8888]),
        new(NetBiosFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [137, 138, 139]),
        new(DnsFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [53, 5353, 5355]),
        new(SnmpFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [161, 162, 10161, 10162]),
        new(SyslogFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [514, 601]),
        new(NtpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [123]),
        new(TftpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [69]),
        new(KerberosFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [88, 464]),
    ];
}
