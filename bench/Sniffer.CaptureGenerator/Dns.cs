using System.Buffers.Binary;

namespace Sniffer.CaptureGenerator;

/// <summary>DNS over UDP: one query (sometimes A then AAAA from the same socket) and its answer per exchange.</summary>
internal static class Dns
{
    private const ushort A = 1, Ns = 2, Cname = 5, Soa = 6, Ptr = 12, Mx = 15, Txt = 16, Aaaa = 28, Srv = 33, Opt = 41;

    private static readonly (ushort Type, int Weight)[] Types =
        [(A, 42), (Aaaa, 22), (Txt, 6), (Mx, 6), (Ptr, 8), (Srv, 6), (Cname, 4), (Ns, 6)];

    private static readonly string[] SrvNames =
    [
        "_ldap._tcp.dc._msdcs.corp.example", "_kerberos._udp.corp.example", "_sip._udp.example.com",
        "_xmpp-client._tcp.example.net", "_imaps._tcp.example.org", "_minecraft._tcp.example.com",
    ];

    /// <summary>The datagrams of one DNS flow, in order (client query, server answer, ...).</summary>
    public static List<(bool FromClient, byte[] Data)> Build(Rng r)
    {
        var list = new List<(bool, byte[])>();
        ushort type = PickType(r);
        string name = NameFor(r, type);
        bool edns = r.Chance(0.6);
        AddExchange(r, list, name, type, edns);
        if (type == A && r.Chance(0.3))
        {
            AddExchange(r, list, name, Aaaa, edns); // glibc-style A + AAAA from the same socket
        }

        return list;
    }

    private static void AddExchange(Rng r, List<(bool, byte[])> list, string name, ushort type, bool edns)
    {
        ushort id = (ushort)r.Next(65536);
        list.Add((true, Query(id, name, type, edns, r)));
        list.Add((false, Response(r, id, name, type, edns)));
    }

    private static ushort PickType(Rng r)
    {
        int x = r.Next(Types.Sum(t => t.Weight));
        foreach (var (type, weight) in Types)
        {
            if (x < weight)
            {
                return type;
            }

            x -= weight;
        }

        return A;
    }

    private static string NameFor(Rng r, ushort type) => type switch
    {
        Ptr => $"{r.Next(1, 255)}.{r.Next(0, 256)}.{r.Next(0, 256)}.{r.Next(1, 224)}.in-addr.arpa",
        Srv => r.Pick(SrvNames),
        Txt => r.Next(3) switch { 0 => "_dmarc." + r.Pick(Names.Domains), 1 => $"selector{r.Next(1, 3)}._domainkey.{r.Pick(Names.Domains)}", _ => r.Pick(Names.Domains) },
        Mx or Ns => r.Pick(Names.Domains),
        _ => Names.HostName(r),
    };

    private static byte[] Query(ushort id, string name, ushort type, bool edns, Rng r)
    {
        var w = new DnsWriter();
        w.U16(id);
        w.U16(0x0100); // RD
        w.U16(1);
        w.U16(0);
        w.U16(0);
        w.U16(edns ? (ushort)1 : (ushort)0);
        w.Name(name);
        w.U16(type);
        w.U16(1);
        if (edns)
        {
            Edns(w, r.Chance(0.3));
        }

        return w.ToArray();
    }

    private static void Edns(DnsWriter w, bool dnssecOk)
    {
        w.U8(0);
        w.U16(Opt);
        w.U16(1232);
        w.U32(dnssecOk ? 0x8000u : 0u);
        w.U16(0);
    }

    private static byte[] Response(Rng r, ushort id, string name, ushort type, bool edns)
    {
        bool nx = r.Chance(0.08);
        var answers = new List<(string? Owner, ushort Type, Action<DnsWriter> Rdata)>();
        if (!nx)
        {
            string owner = name;
            if (type is A or Aaaa && r.Chance(0.2))
            {
                string target = $"{r.Label(8)}.{r.Pick(Names.Domains)}";
                answers.Add((null, Cname, x => x.Name(target)));
                owner = target;
            }

            int n = type is A or Aaaa or Ns or Mx or Txt ? r.Next(1, 5) : 1;
            for (int i = 0; i < n; i++)
            {
                string? o = owner == name ? null : owner;
                switch (type)
                {
                    case A: { var ip = r.Bytes(4); answers.Add((o, A, x => x.Bytes(ip))); break; }
                    case Aaaa: { var ip = (byte[])[0x20, 0x01, 0x0d, 0xb8, .. r.Bytes(12)]; answers.Add((o, Aaaa, x => x.Bytes(ip))); break; }
                    case Ns: { string ns = $"ns{i + 1}.{r.Pick(Names.Domains)}"; answers.Add((o, Ns, x => x.Name(ns))); break; }
                    case Mx: { string mx = $"mx{i + 1}.{name}"; ushort pref = (ushort)(10 * (i + 1)); answers.Add((o, Mx, x => { x.U16(pref); x.Name(mx); })); break; }
                    case Txt:
                        {
                            string txt = name.StartsWith("_dmarc", StringComparison.Ordinal) ? "v=DMARC1; p=reject; rua=mailto:dmarc@" + name[7..]
                                : name.Contains("_domainkey", StringComparison.Ordinal) ? "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(r.Bytes(160))
                                : $"v=spf1 include:_spf.{r.Pick(Names.Domains)} ~all";
                            answers.Add((o, Txt, x => x.CharacterStrings(txt)));
                            break;
                        }

                    case Ptr: { string host = Names.HostName(r); answers.Add((o, Ptr, x => x.Name(host))); break; }
                    case Srv:
                        {
                            string target = $"{r.Pick(Names.Hosts)}.{r.Pick(Names.Domains)}";
                            ushort port = (ushort)r.Next(1, 65535);
                            answers.Add((o, Srv, x => { x.U16(0); x.U16(100); x.U16(port); x.Name(target); }));
                            break;
                        }

                    default: { string cname = $"{r.Label(6)}.{r.Pick(Names.Domains)}"; answers.Add((o, Cname, x => x.Name(cname))); break; }
                }
            }
        }

        var w = new DnsWriter();
        w.U16(id);
        w.U16(nx ? (ushort)0x8183 : (ushort)0x8180);
        w.U16(1);
        w.U16((ushort)answers.Count);
        w.U16(nx ? (ushort)1 : (ushort)0);
        w.U16(edns ? (ushort)1 : (ushort)0);
        w.Name(name);
        w.U16(type);
        w.U16(1);
        foreach (var (owner, t, rdata) in answers)
        {
            if (owner is null)
            {
                w.U16(0xC00C); // pointer to the question name
            }
            else
            {
                w.Name(owner);
            }

            w.U16(t);
            w.U16(1);
            w.U32((uint)r.Next(30, 86400));
            w.RData(rdata);
        }

        if (nx)
        {
            string zone = name.Contains('.', StringComparison.Ordinal) ? name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..] : name;
            w.Name(zone);
            w.U16(Soa);
            w.U16(1);
            w.U32(900);
            w.RData(x =>
            {
                x.Name("ns1." + zone);
                x.Name("hostmaster." + zone);
                x.U32((uint)r.Next(2020010100, 2025123199));
                x.U32(7200);
                x.U32(3600);
                x.U32(1209600);
                x.U32(300);
            });
        }

        if (edns)
        {
            Edns(w, false);
        }

        return w.ToArray();
    }

    private sealed class DnsWriter
    {
        private readonly List<byte> _b = new(512);

        public void U8(byte v) => _b.Add(v);

        public void U16(ushort v)
        {
            _b.Add((byte)(v >> 8));
            _b.Add((byte)v);
        }

        public void U32(uint v)
        {
            U16((ushort)(v >> 16));
            U16((ushort)v);
        }

        public void Bytes(byte[] b) => _b.AddRange(b);

        public void Name(string name)
        {
            foreach (string label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                var l = System.Text.Encoding.ASCII.GetBytes(label);
                int n = Math.Min(l.Length, 63);
                _b.Add((byte)n);
                _b.AddRange(l.AsSpan(0, n));
            }

            _b.Add(0);
        }

        public void CharacterStrings(string text)
        {
            var b = System.Text.Encoding.ASCII.GetBytes(text);
            for (int o = 0; o < b.Length; o += 255)
            {
                int n = Math.Min(255, b.Length - o);
                _b.Add((byte)n);
                _b.AddRange(b.AsSpan(o, n));
            }
        }

        /// <summary>RDLENGTH then the data <paramref name="write"/> produces.</summary>
        public void RData(Action<DnsWriter> write)
        {
            int lengthAt = _b.Count;
            U16(0);
            write(this);
            int length = _b.Count - lengthAt - 2;
            _b[lengthAt] = (byte)(length >> 8);
            _b[lengthAt + 1] = (byte)length;
        }

        public byte[] ToArray() => [.. _b];
    }
}

/// <summary>Flows of random bytes: what the sniffer must call "unknown".</summary>
internal static class RandomFlow
{
    public static Conversation Tcp(Rng r, int bulkLength)
    {
        var c = new Conversation();
        int rounds = r.Chance(0.4) ? 2 : 1;
        for (int i = 0; i < rounds; i++)
        {
            c.Client(r.Bytes((int)r.LogUniform(8, 900)));
            c.Server(r.Bytes((int)r.LogUniform(8, 900)));
        }

        c.BulkFromClient = r.Chance(0.5);
        c.Bulk = r.Bytes(bulkLength);
        c.ClientClosesFirst = r.Chance(0.5);
        return c;
    }

    public static List<(bool FromClient, byte[] Data)> Udp(Rng r)
    {
        var list = new List<(bool, byte[])>();
        int exchanges = r.Next(1, 5);
        for (int i = 0; i < exchanges; i++)
        {
            list.Add((true, r.Bytes((int)r.LogUniform(8, 1200))));
            if (r.Chance(0.8))
            {
                list.Add((false, r.Bytes((int)r.LogUniform(8, 1200))));
            }
        }

        return list;
    }
}
