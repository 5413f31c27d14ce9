namespace Sniffer.Output;

/// <summary>Which record kinds are written (<c>--records</c>).</summary>
[Flags]
public enum RecordKinds
{
    None = 0,
    FlowEnd = 1,
    ProtocolDetected = 2,
    PortSummary = 4,
    /// <summary>Sensor health metrics (<c>--stats N</c>).</summary>
    Stats = 8,
    All = FlowEnd | ProtocolDetected | PortSummary | Stats,
}

public static class RecordKindNames
{
    public static bool TryParse(string list, out RecordKinds kinds)
    {
        kinds = RecordKinds.None;
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "flow_end": kinds |= RecordKinds.FlowEnd; break;
                case "protocol_detected": kinds |= RecordKinds.ProtocolDetected; break;
                case "port_summary": kinds |= RecordKinds.PortSummary; break;
                case "stats": kinds |= RecordKinds.Stats; break;
                case "all": kinds |= RecordKinds.All; break;
                default: return false;
            }
        }

        return kinds != RecordKinds.None;
    }
}
