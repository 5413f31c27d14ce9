using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>
/// Real first messages of each binary protocol (from the nDPI captures in /work/shared/corpus/ndpi/pcap or from
/// Debian servers on 127.0.0.1), shared so that every fingerprinter is checked against all the others.
/// </summary>
internal static class BinarySamples
{
    // ---- postgresql (pgsql.pcap) ----
    public static readonly byte[] PgStartup = Hex("000000260003000075736572006f727978006461746162617365006d61696c73746f72650000");
    public static readonly byte[] PgAuthMd5 = Hex("520000000c00000005ad44ff54");
    public static readonly byte[] PgStartupPsql = Hex("000000500003000075736572007465737400646174616261736500706f737467726573006170706c69636174696f6e5f6e616d65007073716c00636c69656e745f656e636f64696e6700555446380000");
    public static readonly byte[] PgAuthSasl = Hex("52000000170000000a534352414d2d5348412d3235360000");
    public static readonly byte[] PgSslRequest = Hex("0000000804d2162f");
    public static readonly byte[] PgGssEncRequest = Hex("0000000804d21630");
    public static readonly byte[] PgAuthOkParams = Hex("520000000800000000530000001c636c69656e745f656e636f64696e6700554e49434f4445005300000017446174655374796c650049534f2c204d445900530000001569735f737570657275736572006f66660053000000197365727665725f76657273696f6e00372e342e3600530000001f73657373696f6e5f617574686f72697a6174696f6e006f727978004b0000000c000058e823de9db85a0000000549");

    // ---- mysql (MariaDB 10.11 on 127.0.0.1, mariadb client 3.3) ----
    public static readonly byte[] MyGreeting = Hex("640000000a352e352e352d31302e31312e31392d4d6172696144422d302b6465623132753100030000003c796f423a3c5b3900fef72d0200ff81150000000000001d000000473b332b7a4c496a595e4e4d006d7973716c5f6e61746976655f70617373776f726400");
    public static readonly byte[] MyResponse = Hex("d100000184a2bf000000100021000000000000000000000000000000000000001d000000616c6963650014584b51ecacc58a61cf205f7dd744af168482a2b16d7973716c5f6e61746976655f70617373776f7264007f035f6f73054c696e75780c5f636c69656e745f6e616d650a6c69626d617269616462045f7069640531323935350f5f636c69656e745f76657273696f6e06332e332e3230095f706c6174666f726d067838365f36340c70726f6772616d5f6e616d65056d7973716c0c5f7365727665725f686f7374093132372e302e302e31");
    public static readonly byte[] MyAccessDenied = Hex("49000002ff15042332383030304163636573732064656e69656420666f7220757365722027616c6963652740276c6f63616c686f73742720287573696e672070617373776f72643a2059455329");

    // ---- mongodb (mongodb.pcap) ----
    public static readonly byte[] MongoIsMasterPy = Hex("f700000098366e4d00000000d40700000000000061646d696e2e24636d640000000000ffffffffd00000001069736d6173746572000100000003636c69656e7400b500000003647269766572002a000000026e616d65000800000050794d6f6e676f000276657273696f6e0006000000332e342e300000036f7300550000000274797065000700000044617277696e00026e616d65000700000044617277696e000261726368697465637475726500070000007838365f3634000276657273696f6e000800000031302e31312e36000002706c6174666f726d001700000043507974686f6e20322e372e31302e66696e616c2e30000000");
    public static readonly byte[] MongoGetNonce = Hex("3b0000000000000000000000d4070000000000006162746573742e24636d640000000000ffffffff13000000106765746e6f6e6365000100000000");
    public static readonly byte[] MongoShell = Hex("0d0100000000000000000000d40700000000000061646d696e2e24636d64000000000001000000e60000001069734d6173746572000100000003636c69656e7400cb000000036170706c69636174696f6e001d000000026e616d65000e0000004d6f6e676f4442205368656c6c000003647269766572003a000000026e616d6500180000004d6f6e676f444220496e7465726e616c20436c69656e74000276657273696f6e0006000000332e342e300000036f7300560000000274797065000700000044617277696e00026e616d6500090000004d6163204f532058000261726368697465637475726500070000007838365f3634000276657273696f6e000700000031362e332e3000000000");
    public static readonly byte[] MongoMinusOne = Hex("4900000087910000ffffffffd407000000000000496e616374697665557365724964656e746974792e24636d6400000000000100000013000000106765746e6f6e6365000100000000");

    // ---- kafka (kafka.pcapng) ----
    public static readonly byte[] KafkaApiVersions = Hex("000000150012000000000081000772646b61666b6100000000");
    public static readonly byte[] KafkaApiVersionsV3 = Hex("0000003400120003000000030010636f6e736f6c652d70726f647563657200126170616368652d6b61666b612d6a61766106332e362e3100");
    public static readonly byte[] KafkaMetadataReq = Hex("000000280003000200000082000772646b61666b610000000100114c425f4d41494e5f4c4f475f494e505554");
    public static readonly byte[] KafkaApiVersionsResponse = Hex("0000015a0000008100000000003800000000000900010000000c00020000000600030000000b000400000005000500000003");

    // ---- amqp (RabbitMQ 3.10.8 on 127.0.0.1; amqp.pcap for mid-stream frames) ----
    public static readonly byte[] AmqpHeader091 = "AMQP\0\0\u0009\u0001"u8.ToArray();
    public static readonly byte[] AmqpHeader010 = Hex("414d51500101000a");
    public static readonly byte[] AmqpServerHeader = Hex("414d515000000901");
    public static readonly byte[] AmqpConnectionStart = Hex("010000000001ed000a000a0009000001c80c6361706162696c697469657346000000c7127075626c69736865725f636f6e6669726d7374011a65786368616e67655f65786368616e67655f62696e64696e677374010a62617369632e6e61636b740116636f6e73756d65725f63616e63656c5f6e6f74696679740112636f6e6e656374696f6e2e626c6f636b6564740113636f6e73756d65725f7072696f72697469657374011c61757468656e7469636174696f6e5f6661696c7572655f636c6f73657401107065725f636f6e73756d65725f716f7374010f6469726563745f7265706c795f746f74010c636c75737465725f6e616d65530000000666706240766d09636f707972696768745300000037436f707972696768742028632920323030372d3230323220564d776172652c20496e632e206f722069747320616666696c69617465732e0b696e666f726d6174696f6e53000000394c6963656e73656420756e64657220746865204d504c20322e302e20576562736974653a2068747470733a2f2f7261626269746d712e636f6d08706c6174666f726d530000001145726c616e672f4f54502032352e322e330770726f6475637453000000085261626269744d510776657273696f6e5300000006332e31302e380000000e414d51504c41494e20504c41494e00000005656e5f5553ce");
    public static readonly byte[] AmqpBasicPublish = Hex("01000100000021003c002800000863656c657279657610776f726b65722e68656172746265617400ce");

    // ---- mqtt (mqtt.pcap; Mosquitto 2.0 on 127.0.0.1 with mosquitto_pub) ----
    public static readonly byte[] MqttConnect31 = Hex("104000064d514973647003c20014001663626161626362616261636262626262616161616162000c303244353035303232334433000c303244353035303232334433");
    public static readonly byte[] MqttConnectAzure = Hex("109a0200044d51545404c00258001050343737373549443137305732313230004a696f74617a6577706d6c69746875622e617a7572652d646576696365732e6e65742f503437373735494431373057323132302f3f6170692d76657273696f6e3d323031382d30362d333000b05368617265644163636573735369676e6174757265207369673d4b5534556942546657652532467873253242675447355751444c767a72507834553632485470536c666b66787266512533442673653d313634333031373934372673723d696f74617a6577706d6c69746875622e617a7572652d646576696365732e6e6574253246503437373735494431373057323132302532462533466170692d76657273696f6e253344323031382d30362d3330");
    public static readonly byte[] MqttConnect311User = Hex("102300044d51545404c2003c000973656e736f722d343200086d7174747573657200027077");
    public static readonly byte[] MqttConnect5 = Hex("101800044d5154540502003c03210014000873656e736f722d35");
    public static readonly byte[] MqttConnack = Hex("20020000");
    public static readonly byte[] MqttConnack5 = Hex("200900000622000a210014");

    // ---- smb (smbv1.pcap, smb_deletefile.pcap; SMB2 negotiate built per MS-SMB2 2.2.3/2.2.4) ----
    public static readonly byte[] Smb1NegotiateRequest = Hex("00000085ff534d4272000000001853c00000000000000000000000000000fffe00004000006200025043204e4554574f524b2050524f4752414d20312e3000024c414e4d414e312e30000257696e646f777320666f7220576f726b67726f75707320332e316100024c4d312e325830303200024c414e4d414e322e3100024e54204c4d20302e313200");
    public static readonly byte[] Smb1NegotiateResponse = Hex("00000071ff534d4272000000009853c00000000000000000000000000000fffe000040001105000332000100041100000000010000000000fce3010040f49cd344b5d201f000082c0008ab1c2fe1ece6a957004f0052004b00470052004f005500500000004a004f0048004e002d00500043000000");
    /// <summary>First 380 bytes of an SMB2 compound Create request (the frame announces 0x178 bytes).</summary>
    public static readonly byte[] Smb2Create = Hex("00000178fe534d4240000100000000000500000100000000980000009c0f000000000000fffe0000110000001d0000000028000000000000000000000000000000000000390000000200000000000000000000000000000000000000810010001000000007000000010000000100000078001c0000000000000000004c007500630061005c0044006f0077006e006c006f0061006400730000000000fe534d4240000100000000000e00000104000000880000009d0f000000000000fffe0000110000001d00000000280000000000000000000000000000000000002100250300000000ffffffffffffffffffffffffffffffff600026000000010069006e006e006f00730065007400750070002d0035002e0036002e0031002e006500780065000000fe534d4240000100000000000600000104000000000000009e0f000000000000fffe0000110000001d00000000280000000000000000000000000000000000001800000000000000ffffffffffffffffffffffffffffffff");
    public static readonly byte[] Smb2NegotiateRequest = Hex("0000006e" + "fe534d42400000000000000000000100000000000000000000000000000000000000fffe00000000000000000000000000000000000000000000000000000000"
        + "24000500010000007f0000000102030405060708090a0b0c0d0e0f10000000000000000002021002000302031103");
    public static readonly byte[] Smb2NegotiateResponse = Hex("00000081" + "fe534d42400000000000000000000100010000000000000000000000000000000000fffe00000000000000000000000000000000000000000000000000000000"
        + "41000100110300000102030405060708090a0b0c0d0e0f102f00000000008000000080000000800000000000000000000000000000000000800000000000000000");

    // ---- rdp (rdp.pcap; the cookie request is built per MS-RDPBCGR 2.2.1.1) ----
    public static readonly byte[] RdpRequest = Hex("030000130ee00000000000010008000b000000");
    public static readonly byte[] RdpConfirm = Hex("030000130ed00000123400021f080008000000");
    public static readonly byte[] RdpCookieRequest = Hex("0300002e29e00000000000" + "436f6f6b69653a206d737473686173683d61646d696e6973740d0a" + "0100080003000000");

    // ---- vnc (vnc.pcap: RealVNC-style RFB 4.1 server, then security types) ----
    public static readonly byte[] VncServer = Hex("524642203030342e3030310a070d850581068202");
    public static readonly byte[] VncClient = Hex("524642203030342e3030310a0d");

    // ---- ldap (OpenLDAP slapd 2.5 on 127.0.0.1, ldapsearch) ----
    public static readonly byte[] LdapSimpleBind = Hex("302c0201016027020103041a636e3d61646d696e2c64633d6578616d706c652c64633d6f72678006736563726574");
    public static readonly byte[] LdapBindResponse = Hex("300c02010161070a010004000400");
    public static readonly byte[] LdapSearch = Hex("30360201026331041164633d6578616d706c652c64633d6f72670a01020a0100020100020100010100870b6f626a656374436c6173733000");
    public static readonly byte[] LdapAnonymousBind = Hex("300c020101600702010304008000");
    /// <summary>JNDI lookup "a" with a ManageDsaIT control, from log4j-webapp-exploit.pcap.</summary>
    public static readonly byte[] LdapJndiSearch = Hex("304302010263210401610a01000a0103020100020100010100870b6f626a656374436c6173733000a01b30190417322e31362e3834302e312e3131333733302e332e342e32");
    public static readonly byte[] LdapRootDseSearch = Hex("3035020102633004000a01000a0100020100020100010100870b6f626a656374436c6173733010040e6e616d696e67436f6e7465787473");

    // ---- socks (socks.pcap) ----
    public static readonly byte[] Socks4Request = Hex("040100505db8d87700");
    public static readonly byte[] Socks4aRequest = Hex("0401005000000001007777772e6578616d706c652e636f6d00");
    public static readonly byte[] Socks4Reply = Hex("005adfb20ab49cf9");
    public static readonly byte[] Socks5GreetingAndRequest = Hex("050100" + "050100030e7777772e676f6f676c652e636f6d0050");
    public static readonly byte[] Socks5MethodNone = Hex("0500");
    public static readonly byte[] Socks5UserPass = Hex("05020002" + "01056a6f686e6e0673656372657400" [..^2] + "050100015db8d8770050");

    // ---- openvpn (openvpn.pcap, openvpn_nohmac_tcp.pcapng) ----
    public static readonly byte[] OvpnUdpPlainClient = Hex("3839fded2daa10a4370000000000");
    public static readonly byte[] OvpnUdpPlainServer = Hex("409421917de7267729010000000039fded2daa10a43700000000");
    public static readonly byte[] OvpnUdpSha1Client = Hex("38b02ccff1b5f0174fc091666e3b124bada39173317b939722d1fe63be0000000157a1c15f0000000000");
    public static readonly byte[] OvpnUdpSha1Server = Hex("40f77fc2efdbe23f57dec4c8d5654d0723bf8c0be54138563270cfae130000000157a1c15f0100000000b02ccff1b5f0174f00000000");
    public static readonly byte[] OvpnUdpSha512Client = Hex("389753568924842f7ba6451d00b204542cec1183d286579c7a0d1b4e77c933bd1e44c778043835399e46c15b986f91d1883467f203c379ef843943c991f4d7fa22093a4bff93864fb800000001669fcf310000000000");
    public static readonly byte[] OvpnUdpSha512Server = Hex("402612593ee3bb277ad1f14afd85cc02bc7bd0615254b1fdf887e59b3913dd9e009d4daf8706f0eff256430404eef14ca230b45db2615232414e8418694d40e747add432cadfbef62300000001669fcf3201000000009753568924842f7b00000000");
    public static readonly byte[] OvpnTcpPlainClient = Hex("000e38507a28a78275788d0000000000");
    public static readonly byte[] OvpnTcpPlainServer = Hex("001a409ad747beb24d8a1b0100000000507a28a78275788d00000000");
    public static readonly byte[] OvpnTcpCryptClient = Hex("0036382a56d979d99eccf40000000163cf4ff5b89824b0aa4e93c089c1e24af5443766b5cab18c23c17d51081eb196a229085eec179d0d88");
    public static readonly byte[] OvpnTcpCryptServer = Hex("0042402f64c09039de36230000000163cf4ff53036751e70bae8a84698d78c132edcf685ea93abfb4eda16e29f47208abaeeb8b2c6d71c379474de67682231f35717fb54");

    // ---- wireguard (wireguard.pcap) ----
    public static readonly byte[] WgInitiation = Hex("01000000d837d0305fcec7c8e5c8e2e3f7989eef60c228d82329d602b6b1e2bb9d068f89cf9d4d4532780f6d27264f7b98701fdc27a4ec00aeb6becdbef2332f1b4084cadb93823935c012ae255e7b25eff13940c321fa6bd66a2a87b061db1430173e937f569349de2856dc5f2616763eeeafc0533b01dd965e7ec76976e28f683d671200000000000000000000000000000000");
    public static readonly byte[] WgResponse = Hex("0200000006f47dabd837d030b18d5550bd4042a37a46823ac08db1ec66839bc0ca2d64bc15cd80232b66232faec24af8918de1060ff5c98e865d5f35f272214c5260110dc4c61e32cdd8542100000000000000000000000000000000");
    public static readonly byte[] WgTransportClient = Hex("040000006da6615e70000000000000000a37e57ae6387b307229673f641e94a51cad4c8cb7ef73400143798494272cb0f4136473bbaae63863c66e753f5301b93d3c3c4591af3ae215293e06ba9ac999075373a2f9b51925befa6cc99aad0845");
    public static readonly byte[] WgTransportServer = Hex("04000000be40698d6d00000000000000fa462bd2b91f9547576d94942bb37248627c75c6d2608f6cd63bb49dc4869e6af436d37a754f33f7444f2e564f1e2247aca24232bfa99a528010f529b27e5cea01b7607d26ec3746300bc526b0164c90");

    // ---- modbus (modbus.pcap) ----
    public static readonly byte[] ModbusRequest = Hex("00d100000006010300010001");
    public static readonly byte[] ModbusResponse = Hex("00d1000000050103020000");

    // ---- dnp3 (frames built per IEEE 1815; header CRC from the CRC-16/DNP reference in the test) ----
    /// <summary>Master (1) → outstation (1024): unconfirmed user data, application READ class 0 (3C 01 06).</summary>
    public static readonly byte[] Dnp3Read = Dnp3Frame(0xC4, 1024, 1, [0xC0, 0xC1, 0x01, 0x3C, 0x01, 0x06]);
    /// <summary>Outstation response: user data, application RESPONSE (0x81) with IIN bytes.</summary>
    public static readonly byte[] Dnp3Response = Dnp3Frame(0x44, 1, 1024, [0xC0, 0xC1, 0x81, 0x00, 0x00]);

    /// <summary>A DNP3 link frame with a correct header CRC and one user-data block with its CRC.</summary>
    public static byte[] Dnp3Frame(byte control, ushort destination, ushort source, byte[] userData)
    {
        var header = new byte[] { 0x05, 0x64, (byte)(5 + userData.Length), control, (byte)destination, (byte)(destination >> 8), (byte)source, (byte)(source >> 8) };
        ushort hc = ReferenceCrc(header);
        ushort dc = ReferenceCrc(userData);
        return [.. header, (byte)hc, (byte)(hc >> 8), .. userData, (byte)dc, (byte)(dc >> 8)];
    }

    /// <summary>Bit-by-bit CRC-16/DNP straight from the definition (poly 0x3D65, reflected in/out, xorout 0xFFFF).</summary>
    public static ushort ReferenceCrc(ReadOnlySpan<byte> data)
    {
        int crc = 0;
        foreach (byte b in data)
        {
            for (int i = 0; i < 8; i++)
            {
                int bit = ((b >> i) & 1) ^ ((crc >> 15) & 1);
                crc = (crc << 1) & 0xFFFF;
                if (bit != 0)
                {
                    crc ^= 0x3D65;
                }
            }
        }

        // Reflect the 16-bit register, then complement.
        int reflected = 0;
        for (int i = 0; i < 16; i++)
        {
            reflected |= ((crc >> i) & 1) << (15 - i);
        }

        return (ushort)(~reflected & 0xFFFF);
    }

    // ---- bitcoin (version messages built per the P2P reference: Bitcoin Core 25.0 mainnet, btcd testnet3) ----
    public static readonly byte[] BtcVersionCore = Hex("f9beb4d976657273696f6e00000000006600000092a778e080110100090400000000000000f1536500000000000000000000000000000000000000000000ffff0a000002208d090400000000000000000000000000000000ffff0000000000008877665544332211102f5361746f7368693a32352e302e302f507b0c0001");
    public static readonly byte[] BtcVersionBtcd = Hex("0b11090776657273696f6e0000000000710000008403dcd280110100010000000000000001f1536500000000000000000000000000000000000000000000ffff0a000001208d010000000000000000000000000000000000ffff00000000000099000000000000001b2f627463776972653a302e352e302f627463643a302e32342e302f517b0c0001");
    public static readonly byte[] BtcVerack = Hex("f9beb4d976657261636b000000000000000000005df6e0e2");

    // ---- bittorrent (bittorrent_utp.pcap, bt_search.pcap) ----
    public static readonly byte[] BtDhtGetPeers = Hex("64313a6164323a696432303af7f6007cea13506e514de7ecbc94f2ae517115f8393a696e666f5f6861736832303af7f601d8a6276f762c2c3df274af2827f8d1f1de65313a71393a6765745f7065657273313a74323a0e61313a76343a4c540101313a79313a7165");
    public static readonly byte[] BtUtpStateWithExtension = Hex("2102530206ff3f5f7fffffff0000f00049c7e7f500080000000000000000");
    /// <summary>The peer-wire handshake carried in the first uTP DATA packet (µTorrent Mac "-UM1860-").</summary>
    public static readonly byte[] BtHandshake = Hex("13426974546f7272656e742070726f746f636f6c00000000001000050ca4c8e7fb26a354b1a7aa15baeaf26067c668112d554d313836302d418e52a13ddf1c98a733d923");
    public static readonly byte[] BtUtpSyn = Hex("41004567ed639296000000000010000023c60000");
    public static readonly byte[] BtUtpState = Hex("21004567ed6393410000000000100000456723c6");
    public static readonly byte[] BtLsd = Hex("42542d534541524348202a20485454502f312e310d0a486f73743a203233392e3139322e3135322e3134333a363737310d0a506f72743a2036313139370d0a496e666f686173683a20454434463130383545383835463938463941363942373045453839454239383842384644393131350d0a0d0a0d0a");

    private static readonly (string Protocol, byte[] Bytes)[] All =
    [
        ("bittorrent", BtDhtGetPeers), ("bittorrent", BtUtpStateWithExtension), ("bittorrent", BtHandshake), ("bittorrent", BtUtpSyn), ("bittorrent", BtUtpState), ("bittorrent", BtLsd),
        ("bitcoin", BtcVersionCore), ("bitcoin", BtcVersionBtcd), ("bitcoin", BtcVerack),
        ("modbus", ModbusRequest), ("modbus", ModbusResponse), ("dnp3", Dnp3Read), ("dnp3", Dnp3Response),
        ("wireguard", WgInitiation), ("wireguard", WgResponse), ("wireguard", WgTransportClient),
        ("openvpn", OvpnUdpSha1Client), ("openvpn", OvpnUdpSha1Server), ("openvpn", OvpnUdpSha512Client), ("openvpn", OvpnUdpSha512Server),
        ("openvpn", OvpnTcpPlainClient), ("openvpn", OvpnTcpPlainServer), ("openvpn", OvpnTcpCryptClient), ("openvpn", OvpnTcpCryptServer),
        ("socks", Socks4Request), ("socks", Socks4aRequest), ("socks", Socks4Reply), ("socks", Socks5GreetingAndRequest), ("socks", Socks5UserPass),
        ("ldap", LdapSimpleBind), ("ldap", LdapBindResponse), ("ldap", LdapSearch), ("ldap", LdapAnonymousBind), ("ldap", LdapRootDseSearch), ("ldap", LdapJndiSearch),
        ("rdp", RdpRequest), ("rdp", RdpConfirm), ("rdp", RdpCookieRequest), ("vnc", VncServer), ("vnc", VncClient),
        ("smb", Smb1NegotiateRequest), ("smb", Smb1NegotiateResponse), ("smb", Smb2Create), ("smb", Smb2NegotiateRequest), ("smb", Smb2NegotiateResponse),
        ("mqtt", MqttConnect31), ("mqtt", MqttConnectAzure), ("mqtt", MqttConnect311User), ("mqtt", MqttConnect5), ("mqtt", MqttConnack5),
        ("amqp", AmqpHeader091), ("amqp", AmqpHeader010), ("amqp", AmqpServerHeader), ("amqp", AmqpConnectionStart), ("amqp", AmqpBasicPublish),
        ("kafka", KafkaApiVersions), ("kafka", KafkaApiVersionsV3), ("kafka", KafkaMetadataReq), ("kafka", KafkaApiVersionsResponse),
        ("mongodb", MongoIsMasterPy), ("mongodb", MongoGetNonce), ("mongodb", MongoShell), ("mongodb", MongoMinusOne),
        ("mysql", MyGreeting), ("mysql", MyResponse), ("mysql", MyAccessDenied),
        ("postgresql", PgStartup), ("postgresql", PgAuthMd5), ("postgresql", PgStartupPsql), ("postgresql", PgAuthSasl),
        ("postgresql", PgSslRequest), ("postgresql", PgGssEncRequest), ("postgresql", PgAuthOkParams),
    ];

    /// <summary>Samples of every protocol except <paramref name="protocol"/>.</summary>
    public static IEnumerable<byte[]> ForeignTo(string protocol) =>
        All.Where(s => s.Protocol != protocol).Select(s => s.Bytes);
}
