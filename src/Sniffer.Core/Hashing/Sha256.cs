using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Hashing;

/// <summary>SHA-256 (FIPS 180-4) of a short input, in managed code (JA4, unknown-flow shape hash); see <see cref="Sha1"/> for why.</summary>
public static class Sha256
{
    public const int HashSize = 32;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        var state = new State
        {
            A = 0x6a09e667u, B = 0xbb67ae85u, C = 0x3c6ef372u, D = 0xa54ff53au,
            E = 0x510e527fu, F = 0x9b05688cu, G = 0x1f83d9abu, H = 0x5be0cd19u,
        };
        MerkleDamgard.Process<Compression, State>(ref state, source, bigEndianLength: true);
        BinaryPrimitives.WriteUInt32BigEndian(destination, state.A);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], state.B);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], state.C);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], state.D);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], state.E);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], state.F);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], state.G);
        BinaryPrimitives.WriteUInt32BigEndian(destination[28..], state.H);
    }

    private readonly struct Compression : IBlockCompression<State>
    {
        public static void Compress(ref State state, ReadOnlySpan<byte> block) => Block(ref state, block);
    }

    private struct State
    {
        public uint A, B, C, D, E, F, G, H;
    }

    // Unrolled (generated): 64 rounds with their constants inline, the message schedule in a rolling window of 16 locals.
    private static void Block(ref State state, ReadOnlySpan<byte> block)
    {
        block = block[..64];
        uint w0 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(0, 4));
        uint w1 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(4, 4));
        uint w2 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(8, 4));
        uint w3 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(12, 4));
        uint w4 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(16, 4));
        uint w5 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(20, 4));
        uint w6 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(24, 4));
        uint w7 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(28, 4));
        uint w8 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(32, 4));
        uint w9 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(36, 4));
        uint w10 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(40, 4));
        uint w11 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(44, 4));
        uint w12 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(48, 4));
        uint w13 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(52, 4));
        uint w14 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(56, 4));
        uint w15 = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(60, 4));
        uint a = state.A, b = state.B, c = state.C, d = state.D, e = state.E, f = state.F, g = state.G, h = state.H;
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0x428a2f98u + w0;
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0x71374491u + w1;
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0xb5c0fbcfu + w2;
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0xe9b5dba5u + w3;
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x3956c25bu + w4;
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0x59f111f1u + w5;
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x923f82a4u + w6;
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0xab1c5ed5u + w7;
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0xd807aa98u + w8;
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0x12835b01u + w9;
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0x243185beu + w10;
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0x550c7dc3u + w11;
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x72be5d74u + w12;
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0x80deb1feu + w13;
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x9bdc06a7u + w14;
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0xc19bf174u + w15;
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0xe49b69c1u + (w0 += (BitOperations.RotateRight(w1, 7) ^ BitOperations.RotateRight(w1, 18) ^ (w1 >> 3)) + w9 + (BitOperations.RotateRight(w14, 17) ^ BitOperations.RotateRight(w14, 19) ^ (w14 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0xefbe4786u + (w1 += (BitOperations.RotateRight(w2, 7) ^ BitOperations.RotateRight(w2, 18) ^ (w2 >> 3)) + w10 + (BitOperations.RotateRight(w15, 17) ^ BitOperations.RotateRight(w15, 19) ^ (w15 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0x0fc19dc6u + (w2 += (BitOperations.RotateRight(w3, 7) ^ BitOperations.RotateRight(w3, 18) ^ (w3 >> 3)) + w11 + (BitOperations.RotateRight(w0, 17) ^ BitOperations.RotateRight(w0, 19) ^ (w0 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0x240ca1ccu + (w3 += (BitOperations.RotateRight(w4, 7) ^ BitOperations.RotateRight(w4, 18) ^ (w4 >> 3)) + w12 + (BitOperations.RotateRight(w1, 17) ^ BitOperations.RotateRight(w1, 19) ^ (w1 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x2de92c6fu + (w4 += (BitOperations.RotateRight(w5, 7) ^ BitOperations.RotateRight(w5, 18) ^ (w5 >> 3)) + w13 + (BitOperations.RotateRight(w2, 17) ^ BitOperations.RotateRight(w2, 19) ^ (w2 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0x4a7484aau + (w5 += (BitOperations.RotateRight(w6, 7) ^ BitOperations.RotateRight(w6, 18) ^ (w6 >> 3)) + w14 + (BitOperations.RotateRight(w3, 17) ^ BitOperations.RotateRight(w3, 19) ^ (w3 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x5cb0a9dcu + (w6 += (BitOperations.RotateRight(w7, 7) ^ BitOperations.RotateRight(w7, 18) ^ (w7 >> 3)) + w15 + (BitOperations.RotateRight(w4, 17) ^ BitOperations.RotateRight(w4, 19) ^ (w4 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0x76f988dau + (w7 += (BitOperations.RotateRight(w8, 7) ^ BitOperations.RotateRight(w8, 18) ^ (w8 >> 3)) + w0 + (BitOperations.RotateRight(w5, 17) ^ BitOperations.RotateRight(w5, 19) ^ (w5 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0x983e5152u + (w8 += (BitOperations.RotateRight(w9, 7) ^ BitOperations.RotateRight(w9, 18) ^ (w9 >> 3)) + w1 + (BitOperations.RotateRight(w6, 17) ^ BitOperations.RotateRight(w6, 19) ^ (w6 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0xa831c66du + (w9 += (BitOperations.RotateRight(w10, 7) ^ BitOperations.RotateRight(w10, 18) ^ (w10 >> 3)) + w2 + (BitOperations.RotateRight(w7, 17) ^ BitOperations.RotateRight(w7, 19) ^ (w7 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0xb00327c8u + (w10 += (BitOperations.RotateRight(w11, 7) ^ BitOperations.RotateRight(w11, 18) ^ (w11 >> 3)) + w3 + (BitOperations.RotateRight(w8, 17) ^ BitOperations.RotateRight(w8, 19) ^ (w8 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0xbf597fc7u + (w11 += (BitOperations.RotateRight(w12, 7) ^ BitOperations.RotateRight(w12, 18) ^ (w12 >> 3)) + w4 + (BitOperations.RotateRight(w9, 17) ^ BitOperations.RotateRight(w9, 19) ^ (w9 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0xc6e00bf3u + (w12 += (BitOperations.RotateRight(w13, 7) ^ BitOperations.RotateRight(w13, 18) ^ (w13 >> 3)) + w5 + (BitOperations.RotateRight(w10, 17) ^ BitOperations.RotateRight(w10, 19) ^ (w10 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0xd5a79147u + (w13 += (BitOperations.RotateRight(w14, 7) ^ BitOperations.RotateRight(w14, 18) ^ (w14 >> 3)) + w6 + (BitOperations.RotateRight(w11, 17) ^ BitOperations.RotateRight(w11, 19) ^ (w11 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x06ca6351u + (w14 += (BitOperations.RotateRight(w15, 7) ^ BitOperations.RotateRight(w15, 18) ^ (w15 >> 3)) + w7 + (BitOperations.RotateRight(w12, 17) ^ BitOperations.RotateRight(w12, 19) ^ (w12 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0x14292967u + (w15 += (BitOperations.RotateRight(w0, 7) ^ BitOperations.RotateRight(w0, 18) ^ (w0 >> 3)) + w8 + (BitOperations.RotateRight(w13, 17) ^ BitOperations.RotateRight(w13, 19) ^ (w13 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0x27b70a85u + (w0 += (BitOperations.RotateRight(w1, 7) ^ BitOperations.RotateRight(w1, 18) ^ (w1 >> 3)) + w9 + (BitOperations.RotateRight(w14, 17) ^ BitOperations.RotateRight(w14, 19) ^ (w14 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0x2e1b2138u + (w1 += (BitOperations.RotateRight(w2, 7) ^ BitOperations.RotateRight(w2, 18) ^ (w2 >> 3)) + w10 + (BitOperations.RotateRight(w15, 17) ^ BitOperations.RotateRight(w15, 19) ^ (w15 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0x4d2c6dfcu + (w2 += (BitOperations.RotateRight(w3, 7) ^ BitOperations.RotateRight(w3, 18) ^ (w3 >> 3)) + w11 + (BitOperations.RotateRight(w0, 17) ^ BitOperations.RotateRight(w0, 19) ^ (w0 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0x53380d13u + (w3 += (BitOperations.RotateRight(w4, 7) ^ BitOperations.RotateRight(w4, 18) ^ (w4 >> 3)) + w12 + (BitOperations.RotateRight(w1, 17) ^ BitOperations.RotateRight(w1, 19) ^ (w1 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x650a7354u + (w4 += (BitOperations.RotateRight(w5, 7) ^ BitOperations.RotateRight(w5, 18) ^ (w5 >> 3)) + w13 + (BitOperations.RotateRight(w2, 17) ^ BitOperations.RotateRight(w2, 19) ^ (w2 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0x766a0abbu + (w5 += (BitOperations.RotateRight(w6, 7) ^ BitOperations.RotateRight(w6, 18) ^ (w6 >> 3)) + w14 + (BitOperations.RotateRight(w3, 17) ^ BitOperations.RotateRight(w3, 19) ^ (w3 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x81c2c92eu + (w6 += (BitOperations.RotateRight(w7, 7) ^ BitOperations.RotateRight(w7, 18) ^ (w7 >> 3)) + w15 + (BitOperations.RotateRight(w4, 17) ^ BitOperations.RotateRight(w4, 19) ^ (w4 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0x92722c85u + (w7 += (BitOperations.RotateRight(w8, 7) ^ BitOperations.RotateRight(w8, 18) ^ (w8 >> 3)) + w0 + (BitOperations.RotateRight(w5, 17) ^ BitOperations.RotateRight(w5, 19) ^ (w5 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0xa2bfe8a1u + (w8 += (BitOperations.RotateRight(w9, 7) ^ BitOperations.RotateRight(w9, 18) ^ (w9 >> 3)) + w1 + (BitOperations.RotateRight(w6, 17) ^ BitOperations.RotateRight(w6, 19) ^ (w6 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0xa81a664bu + (w9 += (BitOperations.RotateRight(w10, 7) ^ BitOperations.RotateRight(w10, 18) ^ (w10 >> 3)) + w2 + (BitOperations.RotateRight(w7, 17) ^ BitOperations.RotateRight(w7, 19) ^ (w7 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0xc24b8b70u + (w10 += (BitOperations.RotateRight(w11, 7) ^ BitOperations.RotateRight(w11, 18) ^ (w11 >> 3)) + w3 + (BitOperations.RotateRight(w8, 17) ^ BitOperations.RotateRight(w8, 19) ^ (w8 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0xc76c51a3u + (w11 += (BitOperations.RotateRight(w12, 7) ^ BitOperations.RotateRight(w12, 18) ^ (w12 >> 3)) + w4 + (BitOperations.RotateRight(w9, 17) ^ BitOperations.RotateRight(w9, 19) ^ (w9 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0xd192e819u + (w12 += (BitOperations.RotateRight(w13, 7) ^ BitOperations.RotateRight(w13, 18) ^ (w13 >> 3)) + w5 + (BitOperations.RotateRight(w10, 17) ^ BitOperations.RotateRight(w10, 19) ^ (w10 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0xd6990624u + (w13 += (BitOperations.RotateRight(w14, 7) ^ BitOperations.RotateRight(w14, 18) ^ (w14 >> 3)) + w6 + (BitOperations.RotateRight(w11, 17) ^ BitOperations.RotateRight(w11, 19) ^ (w11 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0xf40e3585u + (w14 += (BitOperations.RotateRight(w15, 7) ^ BitOperations.RotateRight(w15, 18) ^ (w15 >> 3)) + w7 + (BitOperations.RotateRight(w12, 17) ^ BitOperations.RotateRight(w12, 19) ^ (w12 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0x106aa070u + (w15 += (BitOperations.RotateRight(w0, 7) ^ BitOperations.RotateRight(w0, 18) ^ (w0 >> 3)) + w8 + (BitOperations.RotateRight(w13, 17) ^ BitOperations.RotateRight(w13, 19) ^ (w13 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0x19a4c116u + (w0 += (BitOperations.RotateRight(w1, 7) ^ BitOperations.RotateRight(w1, 18) ^ (w1 >> 3)) + w9 + (BitOperations.RotateRight(w14, 17) ^ BitOperations.RotateRight(w14, 19) ^ (w14 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0x1e376c08u + (w1 += (BitOperations.RotateRight(w2, 7) ^ BitOperations.RotateRight(w2, 18) ^ (w2 >> 3)) + w10 + (BitOperations.RotateRight(w15, 17) ^ BitOperations.RotateRight(w15, 19) ^ (w15 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0x2748774cu + (w2 += (BitOperations.RotateRight(w3, 7) ^ BitOperations.RotateRight(w3, 18) ^ (w3 >> 3)) + w11 + (BitOperations.RotateRight(w0, 17) ^ BitOperations.RotateRight(w0, 19) ^ (w0 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0x34b0bcb5u + (w3 += (BitOperations.RotateRight(w4, 7) ^ BitOperations.RotateRight(w4, 18) ^ (w4 >> 3)) + w12 + (BitOperations.RotateRight(w1, 17) ^ BitOperations.RotateRight(w1, 19) ^ (w1 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x391c0cb3u + (w4 += (BitOperations.RotateRight(w5, 7) ^ BitOperations.RotateRight(w5, 18) ^ (w5 >> 3)) + w13 + (BitOperations.RotateRight(w2, 17) ^ BitOperations.RotateRight(w2, 19) ^ (w2 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0x4ed8aa4au + (w5 += (BitOperations.RotateRight(w6, 7) ^ BitOperations.RotateRight(w6, 18) ^ (w6 >> 3)) + w14 + (BitOperations.RotateRight(w3, 17) ^ BitOperations.RotateRight(w3, 19) ^ (w3 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0x5b9cca4fu + (w6 += (BitOperations.RotateRight(w7, 7) ^ BitOperations.RotateRight(w7, 18) ^ (w7 >> 3)) + w15 + (BitOperations.RotateRight(w4, 17) ^ BitOperations.RotateRight(w4, 19) ^ (w4 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0x682e6ff3u + (w7 += (BitOperations.RotateRight(w8, 7) ^ BitOperations.RotateRight(w8, 18) ^ (w8 >> 3)) + w0 + (BitOperations.RotateRight(w5, 17) ^ BitOperations.RotateRight(w5, 19) ^ (w5 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        h += (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + 0x748f82eeu + (w8 += (BitOperations.RotateRight(w9, 7) ^ BitOperations.RotateRight(w9, 18) ^ (w9 >> 3)) + w1 + (BitOperations.RotateRight(w6, 17) ^ BitOperations.RotateRight(w6, 19) ^ (w6 >> 10)));
        d += h;
        h += (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        g += (BitOperations.RotateRight(d, 6) ^ BitOperations.RotateRight(d, 11) ^ BitOperations.RotateRight(d, 25)) + ((d & e) ^ (~d & f)) + 0x78a5636fu + (w9 += (BitOperations.RotateRight(w10, 7) ^ BitOperations.RotateRight(w10, 18) ^ (w10 >> 3)) + w2 + (BitOperations.RotateRight(w7, 17) ^ BitOperations.RotateRight(w7, 19) ^ (w7 >> 10)));
        c += g;
        g += (BitOperations.RotateRight(h, 2) ^ BitOperations.RotateRight(h, 13) ^ BitOperations.RotateRight(h, 22)) + ((h & a) ^ (h & b) ^ (a & b));
        f += (BitOperations.RotateRight(c, 6) ^ BitOperations.RotateRight(c, 11) ^ BitOperations.RotateRight(c, 25)) + ((c & d) ^ (~c & e)) + 0x84c87814u + (w10 += (BitOperations.RotateRight(w11, 7) ^ BitOperations.RotateRight(w11, 18) ^ (w11 >> 3)) + w3 + (BitOperations.RotateRight(w8, 17) ^ BitOperations.RotateRight(w8, 19) ^ (w8 >> 10)));
        b += f;
        f += (BitOperations.RotateRight(g, 2) ^ BitOperations.RotateRight(g, 13) ^ BitOperations.RotateRight(g, 22)) + ((g & h) ^ (g & a) ^ (h & a));
        e += (BitOperations.RotateRight(b, 6) ^ BitOperations.RotateRight(b, 11) ^ BitOperations.RotateRight(b, 25)) + ((b & c) ^ (~b & d)) + 0x8cc70208u + (w11 += (BitOperations.RotateRight(w12, 7) ^ BitOperations.RotateRight(w12, 18) ^ (w12 >> 3)) + w4 + (BitOperations.RotateRight(w9, 17) ^ BitOperations.RotateRight(w9, 19) ^ (w9 >> 10)));
        a += e;
        e += (BitOperations.RotateRight(f, 2) ^ BitOperations.RotateRight(f, 13) ^ BitOperations.RotateRight(f, 22)) + ((f & g) ^ (f & h) ^ (g & h));
        d += (BitOperations.RotateRight(a, 6) ^ BitOperations.RotateRight(a, 11) ^ BitOperations.RotateRight(a, 25)) + ((a & b) ^ (~a & c)) + 0x90befffau + (w12 += (BitOperations.RotateRight(w13, 7) ^ BitOperations.RotateRight(w13, 18) ^ (w13 >> 3)) + w5 + (BitOperations.RotateRight(w10, 17) ^ BitOperations.RotateRight(w10, 19) ^ (w10 >> 10)));
        h += d;
        d += (BitOperations.RotateRight(e, 2) ^ BitOperations.RotateRight(e, 13) ^ BitOperations.RotateRight(e, 22)) + ((e & f) ^ (e & g) ^ (f & g));
        c += (BitOperations.RotateRight(h, 6) ^ BitOperations.RotateRight(h, 11) ^ BitOperations.RotateRight(h, 25)) + ((h & a) ^ (~h & b)) + 0xa4506cebu + (w13 += (BitOperations.RotateRight(w14, 7) ^ BitOperations.RotateRight(w14, 18) ^ (w14 >> 3)) + w6 + (BitOperations.RotateRight(w11, 17) ^ BitOperations.RotateRight(w11, 19) ^ (w11 >> 10)));
        g += c;
        c += (BitOperations.RotateRight(d, 2) ^ BitOperations.RotateRight(d, 13) ^ BitOperations.RotateRight(d, 22)) + ((d & e) ^ (d & f) ^ (e & f));
        b += (BitOperations.RotateRight(g, 6) ^ BitOperations.RotateRight(g, 11) ^ BitOperations.RotateRight(g, 25)) + ((g & h) ^ (~g & a)) + 0xbef9a3f7u + (w14 += (BitOperations.RotateRight(w15, 7) ^ BitOperations.RotateRight(w15, 18) ^ (w15 >> 3)) + w7 + (BitOperations.RotateRight(w12, 17) ^ BitOperations.RotateRight(w12, 19) ^ (w12 >> 10)));
        f += b;
        b += (BitOperations.RotateRight(c, 2) ^ BitOperations.RotateRight(c, 13) ^ BitOperations.RotateRight(c, 22)) + ((c & d) ^ (c & e) ^ (d & e));
        a += (BitOperations.RotateRight(f, 6) ^ BitOperations.RotateRight(f, 11) ^ BitOperations.RotateRight(f, 25)) + ((f & g) ^ (~f & h)) + 0xc67178f2u + (w15 += (BitOperations.RotateRight(w0, 7) ^ BitOperations.RotateRight(w0, 18) ^ (w0 >> 3)) + w8 + (BitOperations.RotateRight(w13, 17) ^ BitOperations.RotateRight(w13, 19) ^ (w13 >> 10)));
        e += a;
        a += (BitOperations.RotateRight(b, 2) ^ BitOperations.RotateRight(b, 13) ^ BitOperations.RotateRight(b, 22)) + ((b & c) ^ (b & d) ^ (c & d));
        state.A += a;
        state.B += b;
        state.C += c;
        state.D += d;
        state.E += e;
        state.F += f;
        state.G += g;
        state.H += h;
    }
}
