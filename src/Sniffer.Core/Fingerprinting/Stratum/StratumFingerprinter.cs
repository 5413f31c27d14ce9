using Sniffer.Fingerprinting.Text;

namespace Sniffer.Fingerprinting.Stratum;

/// <summary>
/// Stratum mining (line-delimited JSON-RPC): the client opens with {"id":1,"method":"mining.subscribe",...},
/// "mining.authorize", "mining.configure", xmrig's "login", or ethproxy's "eth_submitLogin"; the server answers
/// with results or pushes "mining.notify" / "mining.set_difficulty" / "job".
/// </summary>
public sealed class StratumFingerprinter : IFingerprinter
{
    public static readonly StratumFingerprinter Instance = new();

    /// <summary>Longest method name read.</summary>
    public const int MaxMethodLength = 64;

    public string Name => "stratum";

    private static readonly byte[][] ClientMethods =
    [
        "mining.subscribe"u8.ToArray(), "mining.authorize"u8.ToArray(), "mining.configure"u8.ToArray(),
        "mining.extranonce.subscribe"u8.ToArray(), "mining.submit"u8.ToArray(), "mining.hello"u8.ToArray(),
        "mining.suggest_difficulty"u8.ToArray(), "login"u8.ToArray(), "eth_submitlogin"u8.ToArray(), "eth_getwork"u8.ToArray(),
        "eth_submitwork"u8.ToArray(), "eth_submithashrate"u8.ToArray(), "getjob"u8.ToArray(), "submit"u8.ToArray(),
    ];

    private static readonly byte[][] ServerMethods =
    [
        "mining.notify"u8.ToArray(), "mining.set_difficulty"u8.ToArray(), "mining.set_target"u8.ToArray(),
        "mining.set_extranonce"u8.ToArray(), "job"u8.ToArray(), "client.reconnect"u8.ToArray(),
    ];

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): A JSON object ('{' after optional blanks) on both sides (a bare CR is an
    /// empty partial line, still undecided).
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst =
        FirstBytes.Both(ByteSet.Of((byte)'{', (byte)' ', (byte)'\t', (byte)'\r'));

    public ProbeResult Probe(in InspectionContext context) =>
        TextLine.Combine(Verdict(context.Client, context.ClientComplete, ClientMethods, server: false),
            Verdict(context.Server, context.ServerComplete, ServerMethods, server: true),
            "stratum.request_and_response", "stratum.request", "stratum.response");

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) =>
        StreamExtract.Into<StratumMetadata>(context, ref metadata);

    private static SideVerdict Verdict(ReadOnlySpan<byte> data, bool complete, byte[][] methods, bool server)
    {
        var state = TextLine.First(data, out var line);
        switch (state)
        {
            case TextLine.LineState.Empty:
                return TextLine.Undecided(complete);
            case TextLine.LineState.Invalid:
                return SideVerdict.No;
            case TextLine.LineState.Partial when !complete:
                var t = TextLine.Trim(line);
                return t.IsEmpty || t[0] == '{' ? SideVerdict.Pending : SideVerdict.No;
            case TextLine.LineState.Partial:
                // The side ended inside its first line: no opinion if it was JSON.
                var u = TextLine.Trim(line);
                return !u.IsEmpty && u[0] == '{' ? SideVerdict.Absent : SideVerdict.No;
        }

        var obj = TextLine.Trim(line);
        if (obj.Length < 2 || obj[0] != '{' || obj[^1] != '}')
        {
            return SideVerdict.No;
        }

        var method = JsonLite.StringValue(obj, "\"method\""u8);
        if (!method.IsEmpty)
        {
            foreach (var m in methods)
            {
                if (TextLine.EqualsIgnoreCase(method, m))
                {
                    return SideVerdict.Strong;
                }
            }

            return SideVerdict.No;
        }

        if (!server || !JsonLite.HasKey(obj, "\"id\""u8) || !(JsonLite.HasKey(obj, "\"result\""u8) || JsonLite.HasKey(obj, "\"error\""u8)))
        {
            return SideVerdict.No;
        }

        // xmrig login reply: {"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"..","job":{"blob":..,"job_id":..
        return JsonLite.HasKey(obj, "\"job_id\""u8) || JsonLite.HasKey(obj, "\"blob\""u8) ? SideVerdict.Strong : SideVerdict.Weak;
    }
}
