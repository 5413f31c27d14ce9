using System.Text.Json;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Quic;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class QuicTests
{
    private static readonly QuicFingerprinter Fp = QuicFingerprinter.Instance;

    // RFC 9001 appendix A.2: the protected client Initial (DCID 8394c8f03e515708, SNI example.com, ALPN "alpn").
    // quic-29.pcap: Firefox draft-29 client Initial to localhost and the server's Retry.
    // quic_q46.pcap: Chrome 74 gQUIC Q046 CHLO to play.google.com and the server's first packet.
    // quic_frags_different_dcid.pcapng: v1 client Initial whose ClientHello (with ECH) continues in the next datagram.

    private static readonly byte[] RfcClientInitial = Hex(
        "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f3991c260ec4c60d17b31f8429157bb35a12" +
        "82a643a8d2262cad67500cadb8e7378c8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df621230c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5" +
        "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c2084dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e" +
        "610ac8b7ec3faf6ad760b7bad1db4ba3485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c" +
        "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f89937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556be52afe3f565636ad1b17d508b73d874" +
        "3eeb524be22b3dcbc2c7468d54119c7468449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663ac69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00" +
        "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee82e57a85aaf4e2513e4f0" +
        "5796b07ba2ee47d80506f8d2c25e50fd14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198" +
        "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009ddc324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73203a4a13e96f5432ec0fd4a1ee65accd" +
        "d5e3904df54c1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450efc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade" +
        "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e72404790a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2162f40a29f0c3c8745c0f50fba3852e5" +
        "66d44575c29d39a03f0cda721984b6f440591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e" +
        "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f0940054da48781893a7e49ad5aff4af300cd8" +
        "04a6b6279ab3ff3afb64491c85194aab760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4" +
        "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd46840647e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934");

    private static readonly byte[] Draft29Client = Hex(
        "c2ff00001d12f36e07bf0b7088ef28c71d488acaaff39ffc1143944eda18beb7e548b38d375bf3c2a3bc0044b743b590a797856cfe3b435db160a5ce8ae47c38a73c65dfb3e7fc034e2681da0ca59a6a" +
        "5f5e85969d6f66e1c7e8dbdb824eba947a841c0e536314a8ce65386ba7e42b7da0efcc5f933f699b755027e43545c9cdd31b0f7273a78d6a0ce2c6201462ba012c562fd43601e7872d9a4514085dfc0b" +
        "e2eb3f95d23f665cb374043900dd88dbe158a531faf9dec890f60ddbf539fdf5de821122dc9e5d59f62f129a7364633f83d1021a1d3a9583ae7901ebabbc1ce17152fe10f4753c6a7965fd96ad711b4d" +
        "fe4cf3145cdfe58a185f06ed8b29c485fc910d8a7d3486b9694e678070e8780218f04a808e46730c166ba4910def45ca760c5b674f71db8f2f9228bf0583ec9bc8308d2f99f8d303529e419dd4aa25a9" +
        "fa2d876e881292d454361023073e27c801e46415f1ac6088dc1c42c726f7776e322e4398dc2c3435d46336f40ab0d0231d94267419950524fa0e058b5b5a407e000af332fee5d5fa5d0bce4b13a91868" +
        "d4aea72fe4c67e2ad0577d9e53a297873317b9e9e348665104f9cee50e20c7b9ec6e1a93497b8cb3cf1609e33dcb89e7e6e1647831a84a2ee983e255e6915287084c45a4138ec555d2785dcb4dec2316" +
        "adbb6b55347288aa06e632a38a9443cbe1409d6a5663976c414e152adcb89e17625e973269acc23224c1973019949fbdbd5cf2528da05594dd4f5026c900898e60b3620fb0ab836ac44e610f1e015651" +
        "58ed59487d3f8b39765e33efa7b08389698ec96925b68bed638bb8c6bf0bd9fa5eb10792539e2b2a9d44dd17c1919110224e0db91c1b291f0b56aeafcfa3896abf30d960cdc989a0a1e42f146ef2bd24" +
        "9c834fcbc41aee4b66ee2fc96fb30ac084cba1ed626f9397ecb4c011fd4d8ba1c9b2bd9382ff32479b28091041e64fbc13701ec0569e618ae381647b8eea966d744c53c926e623bf7b365a4c69a1faad" +
        "005d2ab4692fa198c1e8133078330b07396345df8ca5ca602b1e91ecb30f8ece9d7c4a3247ffbee1f3193e66799ca87d2f636898a9c982723f43b723923f3ee06ec3a53abfe4288f0a7efaf046ec583a" +
        "f7d5e39f95bb20daae4ad1c02a05bbee496aeb70a116593f696dc85cb21f82178b3cf9e520e852689afebd2010590d10074d85a7dd51a571cc67b44a16ec7a7131f21b4a732dd4fe9b7cd7872bd00302" +
        "ed4b6936652a48e398afa06e3c9eb3b975086b74498c04e6e0c4d227998ce9fe353da7f7a4c98e5eb7e37846b19186328b291155f3e83271ebc8ec72c9001912dfb6e9c02b859cadb9b4315c9951b7fa" +
        "f075dc92b0074a5e5937f81bc178c7c02ffa916fda88c36141d63c3616e825070ac1331b380795c0a175286ccb18a348a80f1c448061d53d562c2a9e8b793c81dfc2edbc4a3605f361e246c3fb1c1802" +
        "825ab71ed01f0617c5ce460bb5855bfa33077fb2e068fe81bd83d52ad093fed868f81101e4658cc86de0b4d1191dd152c9cde739a7cb0e97b935a09d89c509c3a96aba73c120ad5ad2bfcc74f02e3a84" +
        "297f8b374e2bb1afc0611069490e3a42f402b8844441e8782149445b4ff3902ac22749721f2d6cafbbba040f3746d492586228d7e74370a1ef68ba7f42bc0f1f30dceb9be8a064ed6b2612d1412228d1" +
        "0e0c1be6b563b6222e27217eea17a0cb6596eb17f789643b34c3235b131edb7d63e58b4c8033c14d56c501168acf1667abf61903");

    private static readonly byte[] Draft29Server = Hex(
        "f0ff00001d1143944eda18beb7e548b38d375bf3c2a3bc122e9a32ed45c9066ad4f9ac32c1d23c19e480b6907375db299ac3b8c0116101cfa539946cdc0bd6f7aac1308a926fc779a44d62ce556742f2" +
        "7f3249c7fadc73d661f144e6516d421ecdb186e7df7fb5f0dc0280c49edf4ce0ef885332c4");

    private static readonly byte[] Q046Client = Hex(
        "c35130343650eacfe6e706df272d0000000460da58929f6839d0860efc58a4010400040043484c4f1a00000050414400b6010000534e4900c501000053544b00fd010000534e4f003102000056455200" +
        "3502000043435300450200004e4f4e43650200004145414469020000554149449402000053434944a402000054434944a802000050444d44ac020000534d484cb00200004943534cb40200004e4f4e50" +
        "d402000050554253f40200004d494453f802000053434c53fc0200004b45585300030000584c4354080300004353435408030000434f50540c030000434352541c030000495254542003000043464357" +
        "2403000053464357280300002d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d" +
        "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d" +
        "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d" +
        "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d" +
        "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d" +
        "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d706c61792e676f6f676c652e636f6d4c5e5068944a6933684a92766f2570" +
        "fe7da347f4978830146b14570b20e5687d77a18191be698b87951f9f057eaa43fcac12ea97a3f47158690860d7272a2eeea760f9d9c1c96240913498f82521f327d839831174815821e3ba64a1101b3b" +
        "e1396c6c19d9246d09348e835d5130343601e8816092921ae87eed8086a21582915cf619d1303030303030303020d56a5d1448a1930b3a731a0987572712e76fe4414553474368726f6d652f37342e30" +
        "2e333732392e31353720416e64726f696420382e302e303b20424e442d4c3231a99d8b89310f3e52396ceb51976b16c30000000058353039010000001e0000003ee7e131018f4a678dd6022e606e8406" +
        "69dfd7658f4d82c0b2bc0be57a7db88a6619ba2c6ec79409e3e783ea192948625f0e7f7e5c117227ad6b146d2dd8c92b64000000010000004332353533f8a7f05a47764a4e53545033f8a7f05a47764a" +
        "67f8adc58015e3ff7bb800000000f00000006000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");

    private static readonly byte[] Q046Server = Hex(
        "c35130343605eacfe6e706df272d000000056c6b26edeab5bec41b317d1c400424200300");

    private static readonly byte[] V1FragClient = Hex(
        "c20000000108ac49898ddc4590e8000044d0e9cb3a09cab5a4d10430d26e3416fd96eefd7418f504757bfc769bf65a38ee9e50121a803a41326c05a59cefd45236f8354f8f919897d6946ccd7743eac0" +
        "55526782521d82a4c03861e138409bb07048c38ec73de90f0b6a0d94af676042eb7d797fa9bd55a17a6d34330ccff899eeadb90e62b8efd1b5c6f1402307d59d0c97eeb59d771299358323b2214a1a73" +
        "0fe3288ecedf7424aee6723bd5b51900824e52fd17747be150a6ef5922f963950f830e53ca6fd0bc8d195ab2128f1e8e14c19860a8170b36d3464bea491f59883aeb3fac88054d9aa6fabca3f91351c4" +
        "259db3e42358145a93fb45955e8615c670f7e19cb3cac1490581b2a1093aa2310964af730dd3e581423c319174a84fd2870ae024ebc01b6a616c79797fa2ec92e6ede49e09f5ce1090ccde7b625df31f" +
        "47ac25b7d77ab9cf4186b0284bfbc1e3328c5c2168a0af3e182b91b0cb241a1b5be4c21d45e2013cf8879a0a4c24392a50bef6896ca79c37f10d9a0394006531972436e7a44d55a59effcf9876adba10" +
        "657b31faeb0dd5a46581ccf4f4227185bd8bf0c0bd74d711f147c139a302e5311cfbcf4f773329839bf979429dedaac60a40506d7f6cb495f5cc9ad3d41fbf01e7f0820eca7235d3d26a0a1bc67e5ae6" +
        "79505c80a9b8f6c167dc109f9ad70e1083430b038c6d27488ba8033181c0d9ef50b0e183a8c358e0eaeda0a6aa634cd8f0124f6308a26e6dbe39ac582df4a5e726399d5dc30d5fbf3a669465a78e2d3c" +
        "64aa0ccd6dc186cbe10a314c2e04c1a2666d6cf8832a29b7707f8ec1fb4b90dcbf71af34f235dfd4062983c32cf3082e435535a94a4a1a18f75850be542cf0cc64541d837832374240796404e6c0ada7" +
        "224fc4cea7e5c9fa7926105eecf944b1e74121088c660fadf18272d027f76ecdc6706e521ab4cedf861716361eed56099c917ea76d7da09b8db62d55e23fa804c3144f64d55bdcdb3eed318d8de6ee04" +
        "3fb70895ecc41ddda820ea63a219c3abbc7c8d149a06b8d368e19d1fec4843ef428e8ad74e35c30ebb4bb430e80de2189f2c1a9a6f9b6de56c511c99691fc310c26993232cd260d7c040d31af036a954" +
        "cc638fd33deaf0910181980ea4188b1a55d8d2d4b4592dc7a1533fe26d6b74eaf8800a56154e6e37dfc136f3e143d1d780dfba8dd2e5bc5d0211f0d889cc42b358ddc5a04c640a45a21eab20e257ef25" +
        "ab12f1f2b2d2bd08bdd22d01d2ac7e7d1630b0670a6913ff08aa25056097c49662236ac7c47d32981c56206e358fc74840c0ef4b46c3cf40939cfc85f7787ca4b4628271a4ab4d9eff1a736980e6bd87" +
        "6ec90e63075eda75db650754494b326f7d1d6586967456df0f52e1bb9b654611e3a1b37dd34f141ac47ce6609527cdc68b5af5d6f26051812f190cd2132f40e754954a1c43109e75ad3b636fdf95f702" +
        "824202c9f6e62c920e8670018da3137c7260b2d327ec6c68ac0fcf885151a531d21fd81d428bf163a6ee88f5871478f68ce80969c85c683520f088b9db1dea3a9a5f8c9f675ca044b99d891cc5cacfc1" +
        "9dec17f1bbce3e00db153d7a7eeded57c9ca4ab31db01daa1f1d44993e3976e85fb88c6b133c0b67e76e20d4d3f4bb8c6cca06575fe704c05945cad3153821e9e2cc23b5b150deadb4536a641bd29a4b" +
        "4faabbd7682f9005fd6d12bc2240c0923dd66caa1e836405eed217bc9a0f08a3fe7c2d582bc8b25632cc4635692bd6757555");

    private static readonly byte[] V1FragServer = Hex(
        "c70000000100140164bccb0bceb2de8f64afc9a9cea6a36437ab44004016e696f72254fd6f27064989382e33beb5836f47618b3100000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");

    [Fact]
    public void Rfc9001KeysAndPacket()
    {
        Span<byte> key = stackalloc byte[16], iv = stackalloc byte[12], hp = stackalloc byte[16];
        QuicParser.DeriveClientKeys(QuicParser.Version1, Hex("8394c8f03e515708"), key, iv, hp);
        Assert.Equal("1f369613dd76d5467730efcbe3b1a22d", Convert.ToHexStringLower(key));
        Assert.Equal("fa044b2f42a3fd3b46fb255c", Convert.ToHexStringLower(iv));
        Assert.Equal("9f50449e04a0e810283a1e9933adedd2", Convert.ToHexStringLower(hp));

        // RFC 9369 appendix A.1 (QUIC v2), same DCID.
        QuicParser.DeriveClientKeys(QuicParser.Version2, Hex("8394c8f03e515708"), key, iv, hp);
        Assert.Equal("8b1a0bc121284290a29e0971b5cd045d", Convert.ToHexStringLower(key));
        Assert.Equal("91f73e2351d8fa91660e909f", Convert.ToHexStringLower(iv));
        Assert.Equal("45b95e15235d6f45a6b19cbcb0294ba9", Convert.ToHexStringLower(hp));

        Assert.True(QuicParser.TryParseHeader(RfcClientInitial, out var p));
        Assert.True(p.IsInitial);
        var plain = new byte[1200];
        int n = QuicParser.DecryptClientInitial(RfcClientInitial, p, plain);
        Assert.Equal(1162, n);
        // The plaintext starts with the CRYPTO frame of A.2: 060040f1 010000ed 0303ebf8fa56f129...
        Assert.Equal("060040f1010000ed0303ebf8fa56f129", Convert.ToHexStringLower(plain.AsSpan(0, 16)));

        var r = ProbeClient(Fp, Transport.Udp, RfcClientInitial);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("quic.client_initial", r.Evidence);

        using var doc = Json(RunExtract(Fp, Transport.Udp, RfcClientInitial, [])!);
        Assert.Equal("example.com", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal("1.3", Path(doc, "ecs.tls.version"));
        Assert.Equal("1", Path(doc, "sniffer.quic.version"));
        Assert.Equal("8394c8f03e515708", Path(doc, "sniffer.quic.dcid"));
        Assert.Equal("[\"alpn\"]", Path(doc, "sniffer.tls.client.alpn"));
        Assert.StartsWith("q13d", Path(doc, "sniffer.tls.client.ja4"), StringComparison.Ordinal);
    }

    [Fact]
    public void Draft29MatchesNdpiFingerprints()
    {
        var r = Probe(Fp, Transport.Udp, Draft29Client, Draft29Server);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        var server = ProbeServer(Fp, Transport.Udp, Draft29Server);
        Assert.Equal(Confidence.Medium, server.Confidence);
        Assert.Equal("quic.long_header", server.Evidence);

        var meta = (QuicMetadata)RunExtract(Fp, Transport.Udp, Draft29Client, Draft29Server)!;
        using var doc = Json(meta);
        Assert.Equal("localhost", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal("b3e43d74f4b790abca2f5fe7dd06e7cf", Path(doc, "ecs.tls.client.ja3"));
        // nDPI prints q13d0512h3_...: it takes the first two characters of "h3-29"; the JA4 spec takes the first
        // and last ones ("h9"). The cipher and extension hashes agree with nDPI.
        Assert.Equal("q13d0512h9_d55e91d5c3b2_cd318bf3b157", Path(doc, "sniffer.tls.client.ja4"));
        Assert.Equal("[\"h3-29\"]", Path(doc, "sniffer.tls.client.alpn"));
        Assert.Equal("draft-29", Path(doc, "sniffer.quic.version"));
        var fingerprints = new List<string>();
        meta.CollectFingerprints(fingerprints);
        Assert.Contains("ja4:q13d0512h9_d55e91d5c3b2_cd318bf3b157", fingerprints);
    }

    [Fact]
    public void GoogleQuicQ046()
    {
        var r = ProbeClient(Fp, Transport.Udp, Q046Client);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("gquic.chlo", r.Evidence);
        var s = ProbeServer(Fp, Transport.Udp, Q046Server);
        Assert.Equal(ProbeStatus.Match, s.Status);
        Assert.Equal(Confidence.Medium, s.Confidence);

        var meta = RunExtract(Fp, Transport.Udp, Q046Client, Q046Server)!;
        using var doc = Json(meta);
        Assert.Equal("Q046", Path(doc, "sniffer.quic.version"));
        Assert.Equal("play.google.com", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal("Chrome/74.0.3729.157 Android 8.0.0; BND-L21", Path(doc, "ecs.user_agent.original"));
        Assert.Equal("Chrome", meta.ApplicationName);
        Assert.Equal("74.0.3729.157", meta.ApplicationVersion);
    }

    [Fact]
    public void V1HelloSpanningDatagrams()
    {
        var r = ProbeClient(Fp, Transport.Udp, V1FragClient);
        Assert.Equal(Confidence.High, r.Confidence);
        using var doc = Json(RunExtract(Fp, Transport.Udp, V1FragClient, V1FragServer)!);
        Assert.Equal("1", Path(doc, "sniffer.quic.version"));
        Assert.Equal("true", Path(doc, "sniffer.quic.client_hello_truncated"));
        Assert.Null(Path(doc, "sniffer.tls.client.ja4"));
        Assert.Equal("cdnjs.cloudflare.com", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Udp, V1FragServer).Status);
    }

    [Fact]
    public void VersionTwoAndNegotiation()
    {
        // A v2 long header (Initial is type 0b01 in v2): structurally a QUIC packet even without valid protection.
        var v2 = (byte[])RfcClientInitial.Clone();
        v2[0] = 0xd0;
        v2[1] = 0x6b; v2[2] = 0x33; v2[3] = 0x43; v2[4] = 0xcf;
        var r = ProbeClient(Fp, Transport.Udp, v2);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.Medium, r.Confidence);
        // Version Negotiation from a server listing v1 and v2.
        var vn = Hex("8000000000" + "04a1b2c3d4" + "0401020304" + "000000016b3343cf");
        Assert.Equal("quic.version_negotiation", ProbeServer(Fp, Transport.Udp, vn).Evidence);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, vn).Status);
    }

    /// <summary>Protects <paramref name="payload"/> as a client Initial of <paramref name="version"/> (packet number 2, 4 bytes).</summary>
    private static byte[] Protect(uint version, byte[] dcid, byte[] payload, byte[]? keyDcid = null)
    {
        bool v2 = version == QuicParser.Version2;
        var header = new List<byte> { (byte)(0xc3 | (v2 ? 0x10 : 0x00)), (byte)(version >> 24), (byte)(version >> 16), (byte)(version >> 8), (byte)version, (byte)dcid.Length };
        header.AddRange(dcid);
        int length = 4 + payload.Length + 16;
        header.AddRange([0, 0, (byte)(0x40 | (length >> 8)), (byte)length, 0, 0, 0, 2]);
        var aad = header.ToArray();
        int pnOffset = aad.Length - 4;
        byte[] key = new byte[16], iv = new byte[12], hp = new byte[16];
        QuicParser.DeriveClientKeys(version, keyDcid ?? dcid, key, iv, hp);
        var nonce = (byte[])iv.Clone();
        nonce[11] ^= 2;
        var cipher = new byte[payload.Length];
        var tag = new byte[16];
        using (var gcm = new System.Security.Cryptography.AesGcm(key, 16))
        {
            gcm.Encrypt(nonce, payload, cipher, tag, aad);
        }

        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = hp;
        var mask = aes.EncryptEcb(cipher.AsSpan(0, 16).ToArray(), System.Security.Cryptography.PaddingMode.None);
        aad[0] ^= (byte)(mask[0] & 0x0f);
        for (int i = 0; i < 4; i++)
        {
            aad[pnOffset + i] ^= mask[1 + i];
        }

        return [.. aad, .. cipher, .. tag];
    }

    /// <summary>A CRYPTO frame (2-byte varints) padded with PADDING frames to <paramref name="size"/> bytes.</summary>
    private static byte[] CryptoFrame(int offset, ReadOnlySpan<byte> data, int size)
    {
        var f = new List<byte> { 0x06, (byte)(0x40 | (offset >> 8)), (byte)offset, (byte)(0x40 | (data.Length >> 8)), (byte)data.Length };
        f.AddRange(data.ToArray());
        f.AddRange(new byte[Math.Max(0, size - f.Count)]);
        return [.. f];
    }

    [Fact]
    public void ClientHelloOverTwoInitialsWithANewDcid()
    {
        // RFC 9001 A.2's ClientHello, split over two Initials; the second is sent to the server's connection ID
        // but, as RFC 9001 §5.2 says, protected with the keys of the first DCID (nDPI's quic_frags_different_dcid).
        Assert.True(QuicParser.TryParseHeader(RfcClientInitial, out var p));
        var plain = new byte[1200];
        int n = QuicParser.DecryptClientInitial(RfcClientInitial, p, plain);
        var crypto = new byte[QuicParser.MaxCryptoBytes];
        int helloLength = QuicParser.ReassembleCrypto(plain.AsSpan(0, n), crypto);
        Assert.True(helloLength > 100);
        var hello = crypto.AsSpan(0, helloLength);
        int half = helloLength / 2;
        var dcid = Hex("8394c8f03e515708");
        var serverCid = Hex("f067a5502a4262b5");
        var first = Protect(QuicParser.Version1, dcid, CryptoFrame(0, hello[..half], n));
        var second = Protect(QuicParser.Version1, serverCid, CryptoFrame(half, hello[half..], n), keyDcid: dcid);
        var serverReply = Protect(QuicParser.Version1, serverCid, CryptoFrame(0, new byte[40], 200));
        serverReply[0] = 0xc3;

        var frames = new List<Support.CapturedFrame>
        {
            new(1_000_000_000, Support.FrameBuilder.UdpFrame("10.1.1.1", 40000, "10.2.2.2", 3624, first)),
            new(1_001_000_000, Support.FrameBuilder.UdpFrame("10.2.2.2", 3624, "10.1.1.1", 40000, serverReply)),
            new(1_002_000_000, Support.FrameBuilder.UdpFrame("10.1.1.1", 40000, "10.2.2.2", 3624, second)),
        };
        var (records, _) = Support.PipelineRunner.Run(Support.CaptureBuilder.Pcap(1, frames));
        var end = Assert.Single(Support.PipelineRunner.Action(records, "flow_end"));
        Assert.Equal("quic", Support.PipelineRunner.Str(end, "network.protocol"));
        Assert.Equal("example.com", Support.PipelineRunner.Str(end, "tls.client.server_name"));
        Assert.Null(end.GetProperty("sniffer").GetProperty("quic").TryGetProperty("client_hello_truncated", out _) ? "truncated" : null);

        // The same hello in one Initial gives the same fingerprints.
        using var whole = Json(RunExtract(Fp, Transport.Udp, RfcClientInitial, [])!);
        Assert.Equal(Path(whole, "ecs.tls.client.ja3"), Support.PipelineRunner.Str(end, "tls.client.ja3"));
        Assert.Equal(Path(whole, "sniffer.tls.client.ja4"), Support.PipelineRunner.Str(end, "sniffer.tls.client.ja4"));
        Assert.NotNull(Support.PipelineRunner.Str(end, "tls.client.ja3"));
    }

    [Fact]
    public void ReprotectedInitialsOfOtherVersions()
    {
        Assert.True(QuicParser.TryParseHeader(RfcClientInitial, out var p));
        var plain = new byte[1200];
        int n = QuicParser.DecryptClientInitial(RfcClientInitial, p, plain);
        var frames = plain[..n];
        var dcid = Hex("8394c8f03e515708");
        foreach (var (version, name, evidence) in new[]
        {
            (QuicParser.Version1, "1", "quic.client_initial"),
            (QuicParser.Version2, "2", "quic.client_initial"),
            (QuicParser.Draft29, "draft-29", "quic.client_initial"),
            (QuicParser.VersionT051, "T051", "gquic.client_initial"),
        })
        {
            var packet = Protect(version, dcid, frames);
            Assert.Equal(1200, packet.Length);
            if (version == QuicParser.Version1)
            {
                Assert.Equal(RfcClientInitial, packet); // the encoder reproduces RFC 9001 A.2
            }

            var r = ProbeClient(Fp, Transport.Udp, packet);
            Assert.Equal(Confidence.High, r.Confidence);
            Assert.Equal(evidence, r.Evidence);
            using var doc = Json(RunExtract(Fp, Transport.Udp, packet, [])!);
            Assert.Equal(name, Path(doc, "sniffer.quic.version"));
            Assert.Equal("example.com", Path(doc, "ecs.tls.client.server_name"));
        }

        // Q050: the Initial carries a CHLO (SNI and UAID tags) instead of a TLS ClientHello.
        var ua = "Chrome/120.0.6099.71 Windows NT 10.0; Win64; x64"u8.ToArray();
        var sniValue = "www.example.org"u8.ToArray();
        var chlo = new List<byte>();
        chlo.AddRange("CHLO"u8.ToArray());
        chlo.AddRange([2, 0, 0, 0]);
        chlo.AddRange("SNI\0"u8.ToArray());
        chlo.AddRange(BitConverter.GetBytes(sniValue.Length));
        chlo.AddRange("UAID"u8.ToArray());
        chlo.AddRange(BitConverter.GetBytes(sniValue.Length + ua.Length));
        chlo.AddRange(sniValue);
        chlo.AddRange(ua);
        var q050Payload = new byte[n];
        byte[] prefix = [0x08, 0x00, 0x41, 0x00];
        prefix.CopyTo(q050Payload, 0);
        chlo.ToArray().CopyTo(q050Payload, prefix.Length);
        var q050 = Protect(QuicParser.VersionQ050, dcid, q050Payload);
        var q = ProbeClient(Fp, Transport.Udp, q050);
        Assert.Equal("gquic.chlo", q.Evidence);
        Assert.Equal(Confidence.High, q.Confidence);
        var meta = RunExtract(Fp, Transport.Udp, q050, [])!;
        using var qdoc = Json(meta);
        Assert.Equal("Q050", Path(qdoc, "sniffer.quic.version"));
        Assert.Equal("www.example.org", Path(qdoc, "ecs.tls.client.server_name"));
        Assert.Equal("Chrome", meta.ApplicationName);
        Assert.Equal("120.0.6099.71", meta.ApplicationVersion);
        AssertSurvivesMutations(Fp, Transport.Udp, q050, rounds: 500);
    }

    [Fact]
    public void GoogleQuicQ043PublicHeader()
    {
        // Public flags 0x0d (version, 8-byte CID), CID, "Q043", 1-byte packet number, 12-byte message hash,
        // STREAM frame header, then the CHLO with an SNI tag; padded like Chrome's 1350-byte CHLO.
        var chlo = Hex("43484c4f0100000053" + "4e4900" + "0b000000").Concat("www.youtube"u8.ToArray());
        byte[] packet = [0x0d, .. Hex("1122334455667788"), .. "Q043"u8.ToArray(), 0x01, .. new byte[12], 0xa0, 0x01, 0x00, 0x00, .. chlo];
        packet = [.. packet, .. new byte[1350 - packet.Length]];
        var r = ProbeClient(Fp, Transport.Udp, packet);
        Assert.Equal("gquic.chlo", r.Evidence);
        using var doc = Json(RunExtract(Fp, Transport.Udp, packet, [])!);
        Assert.Equal("Q043", Path(doc, "sniffer.quic.version"));
        Assert.Equal("www.youtube", Path(doc, "ecs.tls.client.server_name"));
        Assert.Equal("1122334455667788", Path(doc, "sniffer.quic.dcid"));
        // Without the version flag the header proves nothing.
        var noVersion = (byte[])packet.Clone();
        noVersion[0] = 0x0c;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, noVersion).Status);
        AssertPrefixes(Fp, Transport.Udp, packet, asClient: true, datagram: true);
        AssertSurvivesMutations(Fp, Transport.Udp, packet, rounds: 500);
    }

    [Fact]
    public void HeaderViolationsDoNotMatch()
    {
        var unknownVersion = (byte[])RfcClientInitial.Clone();
        unknownVersion[4] = 0x07;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, unknownVersion).Status);
        var noFixedBit = (byte[])RfcClientInitial.Clone();
        noFixedBit[0] &= 0xbf;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, noFixedBit).Status);
        var longCid = (byte[])RfcClientInitial.Clone();
        longCid[5] = 21;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, longCid).Status);
        // Length varint pointing past the datagram.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, RfcClientInitial[..1000]).Status);
        // A tampered payload no longer authenticates: only the structural match remains.
        var tampered = (byte[])RfcClientInitial.Clone();
        tampered[600] ^= 1;
        Assert.Equal(Confidence.Medium, ProbeClient(Fp, Transport.Udp, tampered).Confidence);
        using var doc = Json(RunExtract(Fp, Transport.Udp, tampered, [])!);
        Assert.Null(Path(doc, "ecs.tls"));
        // Never over TCP.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, RfcClientInitial).Status);
    }

    [Fact]
    public void PrefixesSplitsAndMutations()
    {
        foreach (var (client, server) in new[] { (RfcClientInitial, Array.Empty<byte>()), (Draft29Client, Draft29Server), (Q046Client, Q046Server), (V1FragClient, V1FragServer) })
        {
            AssertPrefixes(Fp, Transport.Udp, client, asClient: true, datagram: true);
            if (server.Length > 0)
            {
                AssertPrefixes(Fp, Transport.Udp, server, asClient: false, datagram: true);
            }

            AssertSplits(Fp, Transport.Udp, client, server);
        }

        AssertSurvivesMutations(Fp, Transport.Udp, RfcClientInitial, rounds: 1500);
        AssertSurvivesMutations(Fp, Transport.Udp, Q046Client, rounds: 1500);
        AssertSurvivesMutations(Fp, Transport.Udp, Draft29Server, rounds: 1500);
        // Header-only mutations keep the packet near the decryption path.
        var random = new Random(9001);
        for (int i = 0; i < 500; i++)
        {
            var m = (byte[])RfcClientInitial.Clone();
            m[random.Next(40)] = (byte)random.Next(256);
            var r = ProbeClient(Fp, Transport.Udp, m);
            if (r.Status == ProbeStatus.Match)
            {
                RunExtract(Fp, Transport.Udp, m, []);
            }
        }
    }

    [Fact]
    public void HostileCryptoFrames()
    {
        // CRYPTO frames out of order, overlapping, past the buffer, and garbage after them.
        var payload = Hex("0600050102030405" + "06000501020304" + "060540" + "06 44 00 03 aabbcc".Replace(" ", "", StringComparison.Ordinal) + "0100");
        var buffer = new byte[QuicParser.MaxCryptoBytes];
        Assert.Equal(-1, QuicParser.ReassembleCrypto(payload, buffer));
        var ordered = Hex("06050301020306000501020304050100");
        Assert.Equal(8, QuicParser.ReassembleCrypto(ordered, buffer));
        var far = Hex("068000ffff0201ff");
        Assert.Equal(0, QuicParser.ReassembleCrypto(far, buffer));
        var ack = Hex("02030040ff00");
        Assert.Equal(-1, QuicParser.ReassembleCrypto(ack, buffer));
        Assert.Equal(0, QuicParser.ReassembleCrypto(Hex("0200000000"), buffer));
        // CHLO with offsets pointing past the end and a decreasing offset.
        var chlo = Hex("43484c4f0200000053454e4900ff000055414944010000004142");
        Assert.True(QuicParser.TryFindChlo(chlo, out var c));
        Assert.False(QuicParser.TryGetChloTag(c, 0x534e4900, out _));
    }

    [Fact]
    public void ForeignDatagramsNeverMatch()
    {
        AssertNeverMatches(Fp, CommonNegatives());
        AssertNeverMatches(Fp,
        [
            Hex("123401000001000000000000076578616d706c6503636f6d0000010001"), // DNS query
            Hex("230207eb00000450000003ab83bc03dfd94f51c33165b860d944575530336fd0d944575531b4e978d94f51f42d26e2f4"), // NTP
            Hex("302602010104067075626c6963a01902044a5a1c42020100020100300b300906052b060102010500"), // SNMP get
            Hex("000100002112a442b7e7a701bc34d686fa87dfae"), // STUN binding request
            [0x01, 0, 0, 0, .. Enumerable.Range(0, 144).Select(i => (byte)(i * 37))], // WireGuard initiation
            [0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, .. new byte[40]], // DTLS
            [0xc0, 0, 0, 0, 1, .. new byte[1250]], // v1 with zero lengths
            [0xc0, 0, 0, 0, 1, 8, .. Enumerable.Repeat((byte)0xff, 1250)],
        ]);
        var random = new Random(443);
        var buffer = new byte[1300];
        for (int i = 0; i < 300; i++)
        {
            random.NextBytes(buffer);
            buffer[0] |= 0xc0;
            Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, buffer).Status);
        }
    }
}
