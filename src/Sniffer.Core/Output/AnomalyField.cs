using System.Numerics;
using System.Text.Json;
using Sniffer.Decoding;

namespace Sniffer.Output;

/// <summary>
/// <c>sniffer.anomalies</c>: the names of the flow-scoped anomalies a flow ran into (<see cref="Flows.Flow.Anomalies"/>),
/// in <see cref="Anomaly"/> order, pre-encoded so writing them allocates nothing. Documented in docs/capture.md.
/// </summary>
public static class AnomalyField
{
    private static readonly JsonEncodedText Property = JsonEncodedText.Encode("anomalies");
    private static readonly JsonEncodedText[] Names = CreateNames();

    private static JsonEncodedText[] CreateNames()
    {
        var names = new JsonEncodedText[(int)Anomaly.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = JsonEncodedText.Encode(AnomalyCounters.Name((Anomaly)i));
        }

        return names;
    }

    /// <summary>Writes <c>"anomalies":[...]</c> into the current object; nothing when <paramref name="bits"/> is 0.</summary>
    public static void Write(Utf8JsonWriter writer, ulong bits)
    {
        if (bits == 0)
        {
            return;
        }

        writer.WriteStartArray(Property);
        while (bits != 0)
        {
            int i = BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
            if (i < Names.Length)
            {
                writer.WriteStringValue(Names[i]);
            }
        }

        writer.WriteEndArray();
    }
}
