using System.Text.Json;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;

namespace Sniffer.Attribution;

/// <summary>What the look-up of one side of a flow found (<c>sniffer.process_lookup.server</c> / <c>.client</c>).</summary>
public enum LookupStatus : byte
{
    /// <summary>Not finished when the record was written.</summary>
    Pending,
    /// <summary>The process is named.</summary>
    Found,
    /// <summary>No open socket for this endpoint any more: the connection had closed — typically because its
    /// process exited — before the look-up ran (or it was in TIME_WAIT, which no process holds).</summary>
    Closed,
    /// <summary>The socket's process was found but had exited before its details could be read.</summary>
    Exited,
    /// <summary>The socket exists but no process holds it where /proc shows it (a kernel socket, or it closed meanwhile).</summary>
    NotFound,
    /// <summary>The socket exists but the processes that could hold it are not readable without privileges.</summary>
    Denied,
    /// <summary>The endpoint's address is not one of this host's.</summary>
    NotLocal,
    /// <summary>The look-up queue was full; no look-up was made (counted).</summary>
    Dropped,
}

/// <summary>
/// The process look-up of one flow: created by the worker that owns the flow (only when an endpoint is local),
/// filled in by the attribution thread, read by the worker when it writes the flow's records. The results are
/// written first and <see cref="IsDone"/> last (a volatile write), so a worker that sees it done sees them all.
/// One small object per new flow; the <see cref="ProcessInfo"/> it points at is shared.
/// </summary>
public sealed class ProcessLookup
{
    private static readonly JsonEncodedText ProcessName = JsonEncodedText.Encode("process");
    private static readonly JsonEncodedText ClientName = JsonEncodedText.Encode("client");
    private static readonly JsonEncodedText ServerName = JsonEncodedText.Encode("server");
    private static readonly JsonEncodedText LookupName = JsonEncodedText.Encode("process_lookup");

    private volatile bool _done;
    private volatile bool _abandoned;

    public ProcessLookup(Transport transport, IpAddr clientIp, ushort clientPort, IpAddr serverIp, ushort serverPort, bool clientLocal, bool serverLocal, long createdAt)
    {
        Transport = transport;
        ClientIp = clientIp;
        ClientPort = clientPort;
        ServerIp = serverIp;
        ServerPort = serverPort;
        ClientStatus = clientLocal ? LookupStatus.Pending : LookupStatus.NotLocal;
        ServerStatus = serverLocal ? LookupStatus.Pending : LookupStatus.NotLocal;
        CreatedAt = createdAt;
    }

    public Transport Transport { get; }
    public IpAddr ClientIp { get; }
    public ushort ClientPort { get; }
    public IpAddr ServerIp { get; }
    public ushort ServerPort { get; }

    /// <summary>Stopwatch timestamp of the request (for the latency statistics).</summary>
    public long CreatedAt { get; }

    public LookupStatus ClientStatus { get; private set; }
    public LookupStatus ServerStatus { get; private set; }
    public ProcessInfo? Client { get; private set; }
    public ProcessInfo? Server { get; private set; }

    /// <summary>True once the attribution thread has published the results.</summary>
    public bool IsDone => _done;

    /// <summary>Set by the worker when the flow's last record is written: the attribution thread may skip it.</summary>
    public bool IsAbandoned => _abandoned;

    public void Abandon() => _abandoned = true;

    // Working state of the attribution thread between its passes (never read by workers).
    internal ulong ClientInode;
    internal ulong ServerInode;
    /// <summary>Inode of the listening (or unconnected UDP) socket on the server port, the fallback owner.</summary>
    internal ulong ListenerInode;

    /// <summary>Publishes the results (attribution thread).</summary>
    internal void Complete(LookupStatus server, ProcessInfo? serverProcess, LookupStatus client, ProcessInfo? clientProcess)
    {
        if (ServerStatus != LookupStatus.NotLocal)
        {
            ServerStatus = server;
            Server = serverProcess;
        }

        if (ClientStatus != LookupStatus.NotLocal)
        {
            ClientStatus = client;
            Client = clientProcess;
        }

        _done = true;
    }

    /// <summary>The queue was full (worker, before anyone else sees the object).</summary>
    internal void MarkDropped()
    {
        if (ServerStatus != LookupStatus.NotLocal)
        {
            ServerStatus = LookupStatus.Dropped;
        }

        if (ClientStatus != LookupStatus.NotLocal)
        {
            ClientStatus = LookupStatus.Dropped;
        }

        _done = true;
    }

    /// <summary>Top-level ECS <c>process.*</c>: the server's process, when found.</summary>
    /// <param name="done"><see cref="IsDone"/> read once for the whole record, so its parts agree.</param>
    public void WriteEcs(Utf8JsonWriter w, bool done)
    {
        if (done && Server is { } server)
        {
            server.Write(w, ProcessName);
        }
    }

    /// <summary>Inside <c>sniffer</c>: <c>client.process.*</c> and <c>process_lookup.{server,client}</c>.</summary>
    /// <param name="done">The same snapshot of <see cref="IsDone"/> as given to <see cref="WriteEcs"/>.</param>
    public void WriteSniffer(Utf8JsonWriter w, bool done)
    {
        if (done && Client is { } client)
        {
            w.WriteStartObject(ClientName);
            client.Write(w, ProcessName);
            w.WriteEndObject();
        }

        w.WriteStartObject(LookupName);
        w.WriteString(ServerName, StatusName(done ? ServerStatus : Unfinished(ServerStatus)));
        w.WriteString(ClientName, StatusName(done ? ClientStatus : Unfinished(ClientStatus)));
        w.WriteEndObject();
    }

    private static LookupStatus Unfinished(LookupStatus s) => s == LookupStatus.NotLocal ? s : LookupStatus.Pending;

    public static string StatusName(LookupStatus s) => s switch
    {
        LookupStatus.Found => "found",
        LookupStatus.Closed => "closed",
        LookupStatus.Exited => "exited",
        LookupStatus.NotFound => "not_found",
        LookupStatus.Denied => "denied",
        LookupStatus.NotLocal => "not_local",
        LookupStatus.Dropped => "dropped",
        _ => "pending",
    };
}
