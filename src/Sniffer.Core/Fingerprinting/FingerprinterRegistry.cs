using Sniffer.Fingerprinting.Amqp;
using Sniffer.Fingerprinting.BitTorrent;
using Sniffer.Fingerprinting.Bitcoin;
using Sniffer.Fingerprinting.Coap;
using Sniffer.Fingerprinting.Dnp3;
using Sniffer.Fingerprinting.Dns;
using Sniffer.Fingerprinting.Dtls;
using Sniffer.Fingerprinting.Elasticsearch;
using Sniffer.Fingerprinting.Ftp;
using Sniffer.Fingerprinting.Git;
using Sniffer.Fingerprinting.Http2;
using Sniffer.Fingerprinting.Http;
using Sniffer.Fingerprinting.Imap;
using Sniffer.Fingerprinting.Irc;
using Sniffer.Fingerprinting.Kafka;
using Sniffer.Fingerprinting.Kerberos;
using Sniffer.Fingerprinting.Ldap;
using Sniffer.Fingerprinting.Memcached;
using Sniffer.Fingerprinting.Modbus;
using Sniffer.Fingerprinting.MongoDb;
using Sniffer.Fingerprinting.Mqtt;
using Sniffer.Fingerprinting.MySql;
using Sniffer.Fingerprinting.NetBios;
using Sniffer.Fingerprinting.Ntp;
using Sniffer.Fingerprinting.OpenVpn;
using Sniffer.Fingerprinting.Pop3;
using Sniffer.Fingerprinting.PostgreSql;
using Sniffer.Fingerprinting.Quic;
using Sniffer.Fingerprinting.Rdp;
using Sniffer.Fingerprinting.Redis;
using Sniffer.Fingerprinting.Rsync;
using Sniffer.Fingerprinting.Rtp;
using Sniffer.Fingerprinting.Rtsp;
using Sniffer.Fingerprinting.Sip;
using Sniffer.Fingerprinting.Smb;
using Sniffer.Fingerprinting.Smtp;
using Sniffer.Fingerprinting.Snmp;
using Sniffer.Fingerprinting.Socks;
using Sniffer.Fingerprinting.Ssh;
using Sniffer.Fingerprinting.Stratum;
using Sniffer.Fingerprinting.Stun;
using Sniffer.Fingerprinting.Svn;
using Sniffer.Fingerprinting.Syslog;
using Sniffer.Fingerprinting.Telnet;
using Sniffer.Fingerprinting.Tftp;
using Sniffer.Fingerprinting.Tls;
using Sniffer.Fingerprinting.Vnc;
using Sniffer.Fingerprinting.WebSocket;
using Sniffer.Fingerprinting.WireGuard;
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
        new(PostgreSqlFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [5432]),
        new(MySqlFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [3306]),
        new(MongoDbFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [27017, 27018, 27019]),
        new(KafkaFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [9092, 9093]),
        new(AmqpFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [5671, 5672]),
        new(MqttFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [1883, 8883]),
        new(SmbFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [139, 445]),
        new(RdpFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [3389]),
        new(VncFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [5900, 5901, 5902, 5903]),
        new(LdapFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [389, 636, 3268, 3269]),
        new(SocksFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [1080]),
        new(OpenVpnFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [1194]),
        new(WireGuardFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [51820]),
        new(ModbusFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [502]),
        new(Dnp3Fingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [20000]),
        new(BitcoinFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [8333, 18333, 38333, 18444, 48333]),
        new(BitTorrentFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [6771, 6881, 6882, 6883, 6884, 6885, 6886, 6887, 6888, 6889]),
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
        new(QuicFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [443, 80, 8443]),
        new(DtlsFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [443, 4433, 5061, 5684, 3478]),
        new(TftpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [69]),
        new(KerberosFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [88, 464]),
        new(StunFingerprinter.Instance, Tcp: true, Udp: true, StandardPorts: [3478, 3479, 5349, 19302]),
        new(CoapFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: [5683, 5684]),
        new(ElasticsearchFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [9300]),
        // Weak shapes last: probed only after everything else had its say.
        new(WebSocketFingerprinter.Instance, Tcp: true, Udp: false, StandardPorts: [80, 443]),
        new(RtpFingerprinter.Instance, Tcp: false, Udp: true, StandardPorts: []),
    ];
}
