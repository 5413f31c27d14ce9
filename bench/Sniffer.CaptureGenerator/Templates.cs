namespace Sniffer.CaptureGenerator;

/// <summary>The recorded protocol bytes (templates/*.bin, embedded; see templates/record-templates.sh).</summary>
internal static class Templates
{
    public static readonly byte[] Tls12ClientHello = Load("tls12-c1.bin");
    public static readonly byte[] Tls12ServerFlight = Load("tls12-s1.bin");
    public static readonly byte[] Tls12ClientFinished = Load("tls12-c2.bin");
    public static readonly byte[] Tls12ServerFinished = Load("tls12-s2.bin");
    public static readonly byte[] Tls13ClientHello = Load("tls13-c1.bin");
    public static readonly byte[] Tls13ServerFlight = Load("tls13-s1.bin");
    public static readonly byte[] Tls13ClientFinished = Load("tls13-c2.bin");
    public static readonly byte[] Tls13ServerTickets = Load("tls13-s2.bin");
    public static readonly byte[] SshClientKexInit = Load("ssh-c2.bin");
    public static readonly byte[] SshServerKexInit = Load("ssh-s2.bin");
    public static readonly byte[] SshClientKexEcdhInit = Load("ssh-c3.bin");
    public static readonly byte[] SshServerKexEcdhReply = Load("ssh-s3.bin");
    public static readonly byte[] RedisInfo = Load("redis-info.bin");

    private static byte[] Load(string name)
    {
        using var s = typeof(Templates).Assembly.GetManifestResourceStream("templates/" + name)
                      ?? throw new InvalidOperationException($"missing embedded template {name}");
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
