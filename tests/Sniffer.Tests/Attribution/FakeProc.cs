using System.Globalization;
using System.Net;
using System.Text;
using Sniffer.Attribution;
using Sniffer.Decoding;

namespace Sniffer.Tests.Attribution;

/// <summary>
/// A directory laid out like /proc (net/tcp…, PID/stat, PID/status, PID/cmdline, PID/exe, PID/fd/N links to
/// "socket:[INODE]", stat with btime) so that the resolver's answers can be checked deterministically.
/// </summary>
public sealed class FakeProc : IDisposable
{
    public const long BootSeconds = 1_700_000_000;
    private const string TableHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private readonly Dictionary<string, List<string>> _tables = new()
    {
        ["tcp"] = [], ["tcp6"] = [], ["udp"] = [], ["udp6"] = [],
    };

    public FakeProc()
    {
        Root = Directory.CreateTempSubdirectory("sniffer-fakeproc").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "net"));
        File.WriteAllText(Path.Combine(Root, "stat"), $"cpu  1 2 3 4\nintr 0\nctxt 1\nbtime {BootSeconds}\nprocesses 10\n");
        WriteTables();
    }

    public string Root { get; }

    public ProcessResolverOptions Options(params string[] localAddresses) => new()
    {
        ProcRoot = Root,
        LittleEndian = true, // the tables below are written as a little-endian kernel writes them
        LocalAddressSource = () => localAddresses.Select(IpAddr.Parse),
    };

    public ProcessResolver Resolver(params string[] localAddresses)
    {
        var r = ProcessResolver.TryCreate(Options(localAddresses), out string? error);
        return r ?? throw new InvalidOperationException(error);
    }

    /// <summary>Adds a socket to net/TABLE (tcp, tcp6, udp, udp6), printed as a little-endian kernel prints it.</summary>
    public FakeProc Socket(string table, string local, int localPort, string remote, int remotePort, byte state, ulong inode, uint uid = 0)
    {
        var list = _tables[table];
        bool v6 = table.EndsWith('6');
        list.Add(string.Create(CultureInfo.InvariantCulture,
            $"{list.Count,4}: {Hex(local, v6)}:{localPort:X4} {Hex(remote, v6)}:{remotePort:X4} {state:X2} 00000000:00000000 00:00000000 00000000 {uid,5} {0,8} {inode} 1 0000000000000000 20 4 30 10 -1"));
        WriteTables();
        return this;
    }

    /// <summary>A process with sockets held under descriptor numbers 3, 4, …</summary>
    public FakeProc Process(int pid, string comm, string[] args, ulong startTicks, uint uid = 0, string? exe = "/usr/bin/fake", params ulong[] socketInodes)
    {
        string dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(dir, "fd"));
        File.WriteAllText(Path.Combine(dir, "stat"), string.Create(CultureInfo.InvariantCulture,
            $"{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {startTicks} 10000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"));
        File.WriteAllText(Path.Combine(dir, "status"), string.Create(CultureInfo.InvariantCulture,
            $"Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\nUid:\t{uid + 1}\t{uid}\t{uid}\t{uid}\nGid:\t0\t0\t0\t0\n"));
        File.WriteAllBytes(Path.Combine(dir, "cmdline"), Encoding.UTF8.GetBytes(string.Concat(args.Select(a => a + "\0"))));
        if (exe is not null)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "exe"), exe);
        }

        File.CreateSymbolicLink(Path.Combine(dir, "fd", "0"), "/dev/null");
        for (int i = 0; i < socketInodes.Length; i++)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "fd", (i + 3).ToString(CultureInfo.InvariantCulture)), $"socket:[{socketInodes[i]}]");
        }

        return this;
    }

    /// <summary>The process exits: its /proc entries go, its descriptor links stay (a race the resolver must survive).</summary>
    public void RemoveDetails(int pid)
    {
        string dir = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        File.Delete(Path.Combine(dir, "stat"));
        File.Delete(Path.Combine(dir, "status"));
        File.Delete(Path.Combine(dir, "cmdline"));
    }

    public void RemoveProcess(int pid) => Directory.Delete(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)), true);

    private static string Hex(string address, bool v6)
    {
        byte[] b = IPAddress.Parse(address).GetAddressBytes();
        if (v6 && b.Length == 4)
        {
            b = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, .. b];
        }

        var sb = new StringBuilder();
        for (int w = 0; w < b.Length; w += 4)
        {
            for (int i = 3; i >= 0; i--)
            {
                sb.Append(b[w + i].ToString("X2", CultureInfo.InvariantCulture)); // each 32-bit word as it lies in little-endian memory
            }
        }

        return sb.ToString();
    }

    private void WriteTables()
    {
        foreach (var (name, lines) in _tables)
        {
            File.WriteAllText(Path.Combine(Root, "net", name), TableHeader + string.Concat(lines.Select(l => l + "\n")));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, true);
        }
        catch (IOException)
        {
        }
    }
}
