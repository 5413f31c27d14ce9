namespace Sniffer.Fingerprinting.Binary;

/// <summary>
/// Shared decision rule of the binary fingerprinters: each direction is judged on its own, then the two answers
/// are combined. A direction that proves "not this protocol" ends the probe; two directions that both match give
/// High; a single-direction match below High waits for the other direction while it can still speak.
/// </summary>
internal static class ProbeCombiner
{
    /// <summary>
    /// Combines per-direction answers. Pass <see cref="ProbeResult.NeedMore"/> for an empty direction; the
    /// emptiness and completeness of each direction are read from <paramref name="context"/>.
    /// </summary>
    public static ProbeResult Combine(in InspectionContext context, ProbeResult client, ProbeResult server)
    {
        client = Settle(client, context.Client.IsEmpty, context.ClientComplete);
        server = Settle(server, context.Server.IsEmpty, context.ServerComplete);
        bool clientEmpty = context.Client.IsEmpty;
        bool serverEmpty = context.Server.IsEmpty;

        if ((!clientEmpty && client.Status == ProbeStatus.NoMatch) || (!serverEmpty && server.Status == ProbeStatus.NoMatch))
        {
            return ProbeResult.NoMatch;
        }

        bool clientMatch = client.Status == ProbeStatus.Match;
        bool serverMatch = server.Status == ProbeStatus.Match;
        if (clientMatch && serverMatch)
        {
            return ProbeResult.Matched(Confidence.High, client.Evidence ?? server.Evidence ?? "both");
        }

        if (clientMatch || serverMatch)
        {
            var one = clientMatch ? client : server;
            bool otherEmpty = clientMatch ? serverEmpty : clientEmpty;
            bool otherComplete = clientMatch ? context.ServerComplete : context.ClientComplete;
            if (one.Confidence == Confidence.High || (otherEmpty && otherComplete))
            {
                return one;
            }

            // The other direction may still confirm (or refute) it.
            return ProbeResult.NeedMore;
        }

        if (context.ClientComplete && context.ServerComplete)
        {
            return ProbeResult.NoMatch;
        }

        return ProbeResult.NeedMore;
    }

    /// <summary>
    /// The same flow seen the other way round. A flow picked up mid-stream may have its directions guessed
    /// wrong (the first speaker is taken as the client); request/response protocols try this view when the
    /// given one is refused.
    /// </summary>
    public static InspectionContext Swap(in InspectionContext context) =>
        new(context.Transport, context.Server, context.Client, context.ServerComplete, context.ClientComplete);

    private static ProbeResult Settle(ProbeResult side, bool empty, bool complete)
    {
        if (empty)
        {
            return ProbeResult.NeedMore;
        }

        // A direction that will get no more bytes cannot stay undecided.
        return side.Status == ProbeStatus.NeedMoreData && complete ? ProbeResult.NoMatch : side;
    }
}
