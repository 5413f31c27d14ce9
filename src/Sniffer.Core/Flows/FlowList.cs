namespace Sniffer.Flows;

/// <summary>
/// Intrusive doubly-linked list of flows ordered by last activity (least recently active at the head), so idle
/// expiry and eviction of the oldest idle flow are O(1) per flow.
/// </summary>
public sealed class FlowList
{
    /// <summary>The list's id in <see cref="Flow.ListId"/> (a byte in the flow instead of an 8-byte reference).</summary>
    public FlowList(byte id) => Id = id;

    public byte Id { get; }

    public Flow? Head { get; private set; }
    public Flow? Tail { get; private set; }
    public int Count { get; private set; }

    public void AddLast(Flow flow)
    {
        flow.ListId = Id;
        flow.Prev = Tail;
        flow.Next = null;
        if (Tail is null)
        {
            Head = flow;
        }
        else
        {
            Tail.Next = flow;
        }

        Tail = flow;
        Count++;
    }

    public void Remove(Flow flow)
    {
        if (flow.ListId != Id)
        {
            return;
        }

        if (flow.Prev is null)
        {
            Head = flow.Next;
        }
        else
        {
            flow.Prev.Next = flow.Next;
        }

        if (flow.Next is null)
        {
            Tail = flow.Prev;
        }
        else
        {
            flow.Next.Prev = flow.Prev;
        }

        flow.Prev = flow.Next = null;
        flow.ListId = 0;
        Count--;
    }

    /// <summary>Marks the flow as just active: moves it to the tail.</summary>
    public void Touch(Flow flow)
    {
        if (Tail == flow)
        {
            return;
        }

        Remove(flow);
        AddLast(flow);
    }
}
