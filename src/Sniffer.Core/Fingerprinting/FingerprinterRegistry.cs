using Sniffer.Fingerprinting.Dns;
using Sniffer.Fingerprinting.Ftp;
using Sniffer.Fingerprinting.Git;
using Sniffer.Fingerprinting.Http2;
using Sniffer.Fingerprinting.Http;
using Sniffer.Fingerprinting.Imap;
using Sniffer.Fingerprinting.Irc;
using Sniffer.Fingerprinting.Kerberos;
using Sniffer.Fingerprinting.Memcached;
using Sniffer.Fingerprinting.NetBios;
using Sniffer.Fingerprinting.Ntp;
using Sniffer.Fingerprinting.Pop3;
using Sniffer.Fingerprinting.Redis;
using Sniffer.Fingerprinting.Rsync;
using Sniffer.Fingerprinting.Rtsp;
using Sniffer.Fingerprinting.Sip;
using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Snmp;
using Sniffer.Fingerprinting.Ssh;
using Sniffer.Fingerprinting.Stratum;
using Sniffer.Fingerprinting.Svn;
using Sniffer.Fingerprinting.Syslog;
using Sniffer.Fingerprinting.Telnet;
using Sniffer.Fingerprinting.Tftp;
using Sniffer.Fingerprinting.Tls;
using Sniffer.Fingerprinting.WebSocket;
using Sniffer.Fingerprinting.Xmpp;

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
        new(Http2Fingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [80, 443, 8080]),
        new(SmtpFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [25, 465, 587]),
        new(Pop3Fingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [110, 995]),
        new(ImapFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [143, 993]),
        new(FtpFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [21, 990]),
        new(IrcFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [194, 6665, 6666, 6667, 6668, 6669, 6697]),
        new(XmppFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [5222, 5223, 5269]),
        new(RtspFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [554, 8554]),
        new(SipFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [5060, 5061]),
        new(RedisFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [6379]),
        new(MemcachedFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [11211]),
        new(StratumFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [3333, 4444, 9999, 14444]),
        new(TelnetFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [23]),
        new(GitFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [9418]),
        new(SvnFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [3690]),
        new(RsyncFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [873]),
        new(NetBiosFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [137, 138, 139]),
        new(DnsFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [53, 5353, 5355]),
        new(SnmpFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [161, 162, 10161, 10162]),
        new(SyslogFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [514, 601]),
        new(NtpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [123]),
        new(TftpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [69]),
        new(KerberosFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [88, 464]),
        // Weak shapes last: probed only after everything else had its say.
        new(WebSocketFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [80, 443]),
    ];
}
