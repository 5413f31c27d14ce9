using Sniffer.Fingerprinting.Http;
using Sniffer.Fingerprinting.Ssh;
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
    ];
}
