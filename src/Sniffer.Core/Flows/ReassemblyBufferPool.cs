using System.Numerics;

namespace Sniffer.Flows;

/// <summary>
/// Per-worker pool of stream reassembly buffers. Hundreds of flows are under inspection at once, each holding a
/// buffer per direction; ArrayPool.Shared keeps only a few dozen arrays per size and trims them at every full
/// collection, so the rest were allocated again and again and copied around by the GC while they lived. Here the
/// buffers are pinned (never moved by the GC) and kept for reuse up to <see cref="MaxRetainedBytes"/> per worker.
/// </summary>
internal static class ReassemblyBufferPool
{
    /// <summary>Free buffers kept per worker thread; more are dropped on return.</summary>
    public const long MaxRetainedBytes = 32L * 1024 * 1024;
    /// <summary>Smallest buffer handed out (power-of-two size classes from here).</summary>
    public const int MinimumLength = 1024;

    private const int Classes = 24; // up to 2^33: beyond any --inspect-bytes

    [ThreadStatic]
    private static Stack<byte[]>?[]? t_free;
    [ThreadStatic]
    private static long t_retainedBytes;

    /// <summary>A buffer of at least <paramref name="length"/> bytes (contents undefined).</summary>
    public static byte[] Rent(int length)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, MinimumLength));
        int c = SizeClass(size);
        var free = t_free;
        if (free?[c] is { Count: > 0 } stack)
        {
            var buffer = stack.Pop();
            t_retainedBytes -= buffer.Length;
            return buffer;
        }

        return GC.AllocateUninitializedArray<byte>(size, pinned: true);
    }

    public static void Return(byte[] buffer)
    {
        if (!BitOperations.IsPow2(buffer.Length) || buffer.Length < MinimumLength || t_retainedBytes + buffer.Length > MaxRetainedBytes)
        {
            return; // not ours, or enough kept: the GC takes it
        }

        var free = t_free ??= new Stack<byte[]>?[Classes];
        (free[SizeClass(buffer.Length)] ??= new Stack<byte[]>()).Push(buffer);
        t_retainedBytes += buffer.Length;
    }

    private static int SizeClass(int powerOfTwo) => BitOperations.Log2((uint)powerOfTwo) - BitOperations.Log2(MinimumLength);
}
