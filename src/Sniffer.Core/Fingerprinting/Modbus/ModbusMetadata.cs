using System.Text.Json;

namespace Sniffer.Fingerprinting.Modbus;

/// <summary>First Modbus transaction: <c>sniffer.modbus.*</c> (unit_id, function_code, function, exception_code).</summary>
public sealed class ModbusMetadata : ProtocolMetadata
{
    public int? UnitId { get; private set; }
    public int FunctionCode { get; private set; }
    public int? ExceptionCode { get; private set; }
    private bool _serverSeen;

    internal bool Fill(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        if (UnitId is null && ModbusFingerprinter.ProbeRequest(client.IsEmpty ? [1] : client).Status == ProbeStatus.Match)
        {
            UnitId = client[6];
            FunctionCode = client[7];
        }

        if (!_serverSeen && UnitId is not null && server.Length >= 9)
        {
            _serverSeen = true;
            if (server[7] == (FunctionCode | 0x80))
            {
                ExceptionCode = server[8];
            }
        }

        return _serverSeen;
    }

    public static string FunctionName(int fc) => fc switch
    {
        1 => "read_coils",
        2 => "read_discrete_inputs",
        3 => "read_holding_registers",
        4 => "read_input_registers",
        5 => "write_single_coil",
        6 => "write_single_register",
        7 => "read_exception_status",
        8 => "diagnostics",
        11 => "get_comm_event_counter",
        12 => "get_comm_event_log",
        15 => "write_multiple_coils",
        16 => "write_multiple_registers",
        17 => "report_server_id",
        22 => "mask_write_register",
        23 => "read_write_multiple_registers",
        43 => "encapsulated_interface_transport",
        _ => "unknown",
    };

    public override void WriteEcs(Utf8JsonWriter writer)
    {
    }

    public override void WriteSniffer(Utf8JsonWriter writer)
    {
        if (UnitId is not int unit)
        {
            return;
        }

        writer.WriteStartObject(JsonNames.Modbus);
        writer.WriteNumber(JsonNames.UnitId, unit);
        writer.WriteNumber(JsonNames.FunctionCode, FunctionCode);
        Output.JsonStringCache.WriteString(writer, JsonNames.Function, FunctionName(FunctionCode));
        if (ExceptionCode is int code)
        {
            writer.WriteNumber(JsonNames.ExceptionCode, code);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ExceptionCode = JsonEncodedText.Encode("exception_code");
    public static readonly JsonEncodedText Function = JsonEncodedText.Encode("function");
    public static readonly JsonEncodedText FunctionCode = JsonEncodedText.Encode("function_code");
    public static readonly JsonEncodedText Modbus = JsonEncodedText.Encode("modbus");
    public static readonly JsonEncodedText UnitId = JsonEncodedText.Encode("unit_id");
}
