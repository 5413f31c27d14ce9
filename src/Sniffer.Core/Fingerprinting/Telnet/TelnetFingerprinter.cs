
namespace Sniffer.Fingerprinting.Telnet;

/// <summary>
/// Telnet (RFC 854/855): a side opens with IAC option negotiation — 0xFF then WILL/WONT/DO/DONT (0xFB–0xFE) and an
/// option code, or a sub-negotiation IAC SB ... IAC SE. At least two commands are required for a match.
/// </summary>
public sealed class TelnetFingerprinter : IFingerprinter
{
    public static readonly TelnetFingerprinter Instance = new();

    /// <summary>Negotiation commands needed from one side.</summary>
    public const int MinCommands = 2;
    /// <summary>Commands parsed at most.</summary>
    public const int MaxCommands = 64;
    /// <summary>Longest sub-negotiation accepted.</summary>
    public const int MaxSubnegotiation = 256;
    /// <summary>Highest option code accepted (IANA registry ends at 49; 255 is EXOPL).</summary>
    public const byte MaxOption = 49;

    private const byte Iac = 0xFF;
    private const byte Sb = 0xFA;
    private const byte Se = 0xF0;

    public string Name => "telnet";

    /// <summary>
    /// Prefilter (see <see cref="FirstBytes"/>): Option negotiation starts with IAC on both sides.
    /// </summary>
    public FirstBytes AcceptedFirstBytes(Transport transport) => AcceptedFirst;

    private static readonly FirstBytes AcceptedFirst = FirstBytes.Both(ByteSet.Of(Iac));

    public ProbeResult Probe(in InspectionContext context)
    {
        var c = Verdict(context.Client, context.ClientComplete);
        var s = Verdict(context.Server, context.ServerComplete);
        return Text.TextLine.Combine(c, s, "telnet.negotiation_both", "telnet.negotiation", "telnet.negotiation");
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as TelnetMetadata ?? new TelnetMetadata();
        metadata = meta;
        meta.ClientCommands = Math.Max(meta.ClientCommands, Count(context.Client, out _));
        meta.ServerCommands = Math.Max(meta.ServerCommands, Count(context.Server, out _));
        return meta.ClientCommands >= MinCommands && meta.ServerCommands >= MinCommands;
    }

    private static Text.SideVerdict Verdict(ReadOnlySpan<byte> data, bool complete)
    {
        if (data.IsEmpty)
        {
            return Text.TextLine.Undecided(complete);
        }

        int n = Count(data, out bool bad);
        if (bad)
        {
            return Text.SideVerdict.No;
        }

        if (n >= MinCommands)
        {
            return Text.SideVerdict.Strong;
        }

        return complete || n < 0 ? Text.SideVerdict.No : Text.SideVerdict.Pending;
    }

    /// <summary>
    /// Number of well-formed negotiation commands at the start of <paramref name="data"/>; <paramref name="bad"/>
    /// when the bytes do not start with one or hold a malformed one before any other data.
    /// </summary>
    internal static int Count(ReadOnlySpan<byte> data, out bool bad)
    {
        bad = false;
        int n = 0;
        int i = 0;
        while (i < data.Length && n < MaxCommands)
        {
            if (data[i] != Iac)
            {
                bad = n == 0;
                return n; // data after the negotiation (e.g. a login prompt) is fine
            }

            if (i + 1 >= data.Length)
            {
                return n;
            }

            byte cmd = data[i + 1];
            if (cmd is >= 0xFB and <= 0xFE)
            {
                if (i + 2 >= data.Length)
                {
                    return n;
                }

                if (data[i + 2] > MaxOption && data[i + 2] != 0xFF)
                {
                    bad = true;
                    return n;
                }

                i += 3;
                n++;
            }
            else if (cmd == Sb)
            {
                if (i + 2 >= data.Length)
                {
                    return n;
                }

                if (data[i + 2] > MaxOption)
                {
                    bad = true;
                    return n;
                }

                int end = -1;
                int limit = Math.Min(data.Length - 1, i + MaxSubnegotiation);
                for (int j = i + 3; j < limit; j++)
                {
                    if (data[j] == Iac && data[j + 1] == Se)
                    {
                        end = j + 2;
                        break;
                    }
                }

                if (end < 0)
                {
                    bad = data.Length - i > MaxSubnegotiation;
                    return n;
                }

                i = end;
                n++;
            }
            else if (cmd is 0xF1 or 0xF9)
            {
                i += 2; // NOP, GA: allowed between negotiations, not counted
            }
            else
            {
                bad = true;
                return n;
            }
        }

        return n;
    }
}
