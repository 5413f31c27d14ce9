using System.Buffers.Binary;
using System.Numerics;

namespace Sniffer.Hashing;

/// <summary>
/// SHA-1 (FIPS 180-4) of a short input, in managed code. The fingerprints and Community ID hash a few dozen to a
/// few hundred bytes per flow: going through OpenSSL (<c>System.Security.Cryptography</c>) costs more in interop,
/// error-queue clearing and digest set-up than the hashing itself, and its first use loads libssl/libcrypto,
/// which dominated start-up. Identity, not security, is asked of these hashes. Allocation-free.
/// </summary>
public static class Sha1
{
    public const int HashSize = 20;

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        var state = new State { A = 0x67452301u, B = 0xEFCDAB89u, C = 0x98BADCFEu, D = 0x10325476u, E = 0xC3D2E1F0u };
        MerkleDamgard.Process<Compression, State>(ref state, source, bigEndianLength: true);
        BinaryPrimitives.WriteUInt32BigEndian(destination, state.A);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], state.B);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], state.C);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], state.D);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], state.E);
    }

    private readonly struct Compression : IBlockCompression<State>
    {
        public static void Compress(ref State state, ReadOnlySpan<byte> block) => Block(ref state, block);
    }

    private struct State
    {
        public uint A, B, C, D, E;
    }

    // Unrolled (generated): 80 steps, the message schedule kept in a rolling window of 16 locals.
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
        uint a = state.A, b = state.B, c = state.C, d = state.D, e = state.E;
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (~b & d)) + 0x5A827999u + w0;
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (~a & c)) + 0x5A827999u + w1;
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (~e & b)) + 0x5A827999u + w2;
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (~d & a)) + 0x5A827999u + w3;
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (~c & e)) + 0x5A827999u + w4;
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (~b & d)) + 0x5A827999u + w5;
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (~a & c)) + 0x5A827999u + w6;
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (~e & b)) + 0x5A827999u + w7;
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (~d & a)) + 0x5A827999u + w8;
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (~c & e)) + 0x5A827999u + w9;
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (~b & d)) + 0x5A827999u + w10;
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (~a & c)) + 0x5A827999u + w11;
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (~e & b)) + 0x5A827999u + w12;
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (~d & a)) + 0x5A827999u + w13;
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (~c & e)) + 0x5A827999u + w14;
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (~b & d)) + 0x5A827999u + w15;
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (~a & c)) + 0x5A827999u + (w0 = BitOperations.RotateLeft(w13 ^ w8 ^ w2 ^ w0, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (~e & b)) + 0x5A827999u + (w1 = BitOperations.RotateLeft(w14 ^ w9 ^ w3 ^ w1, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (~d & a)) + 0x5A827999u + (w2 = BitOperations.RotateLeft(w15 ^ w10 ^ w4 ^ w2, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (~c & e)) + 0x5A827999u + (w3 = BitOperations.RotateLeft(w0 ^ w11 ^ w5 ^ w3, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0x6ED9EBA1u + (w4 = BitOperations.RotateLeft(w1 ^ w12 ^ w6 ^ w4, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0x6ED9EBA1u + (w5 = BitOperations.RotateLeft(w2 ^ w13 ^ w7 ^ w5, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0x6ED9EBA1u + (w6 = BitOperations.RotateLeft(w3 ^ w14 ^ w8 ^ w6, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0x6ED9EBA1u + (w7 = BitOperations.RotateLeft(w4 ^ w15 ^ w9 ^ w7, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0x6ED9EBA1u + (w8 = BitOperations.RotateLeft(w5 ^ w0 ^ w10 ^ w8, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0x6ED9EBA1u + (w9 = BitOperations.RotateLeft(w6 ^ w1 ^ w11 ^ w9, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0x6ED9EBA1u + (w10 = BitOperations.RotateLeft(w7 ^ w2 ^ w12 ^ w10, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0x6ED9EBA1u + (w11 = BitOperations.RotateLeft(w8 ^ w3 ^ w13 ^ w11, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0x6ED9EBA1u + (w12 = BitOperations.RotateLeft(w9 ^ w4 ^ w14 ^ w12, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0x6ED9EBA1u + (w13 = BitOperations.RotateLeft(w10 ^ w5 ^ w15 ^ w13, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0x6ED9EBA1u + (w14 = BitOperations.RotateLeft(w11 ^ w6 ^ w0 ^ w14, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0x6ED9EBA1u + (w15 = BitOperations.RotateLeft(w12 ^ w7 ^ w1 ^ w15, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0x6ED9EBA1u + (w0 = BitOperations.RotateLeft(w13 ^ w8 ^ w2 ^ w0, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0x6ED9EBA1u + (w1 = BitOperations.RotateLeft(w14 ^ w9 ^ w3 ^ w1, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0x6ED9EBA1u + (w2 = BitOperations.RotateLeft(w15 ^ w10 ^ w4 ^ w2, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0x6ED9EBA1u + (w3 = BitOperations.RotateLeft(w0 ^ w11 ^ w5 ^ w3, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0x6ED9EBA1u + (w4 = BitOperations.RotateLeft(w1 ^ w12 ^ w6 ^ w4, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0x6ED9EBA1u + (w5 = BitOperations.RotateLeft(w2 ^ w13 ^ w7 ^ w5, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0x6ED9EBA1u + (w6 = BitOperations.RotateLeft(w3 ^ w14 ^ w8 ^ w6, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0x6ED9EBA1u + (w7 = BitOperations.RotateLeft(w4 ^ w15 ^ w9 ^ w7, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDCu + (w8 = BitOperations.RotateLeft(w5 ^ w0 ^ w10 ^ w8, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (a & c) | (b & c)) + 0x8F1BBCDCu + (w9 = BitOperations.RotateLeft(w6 ^ w1 ^ w11 ^ w9, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (e & b) | (a & b)) + 0x8F1BBCDCu + (w10 = BitOperations.RotateLeft(w7 ^ w2 ^ w12 ^ w10, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (d & a) | (e & a)) + 0x8F1BBCDCu + (w11 = BitOperations.RotateLeft(w8 ^ w3 ^ w13 ^ w11, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (c & e) | (d & e)) + 0x8F1BBCDCu + (w12 = BitOperations.RotateLeft(w9 ^ w4 ^ w14 ^ w12, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDCu + (w13 = BitOperations.RotateLeft(w10 ^ w5 ^ w15 ^ w13, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (a & c) | (b & c)) + 0x8F1BBCDCu + (w14 = BitOperations.RotateLeft(w11 ^ w6 ^ w0 ^ w14, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (e & b) | (a & b)) + 0x8F1BBCDCu + (w15 = BitOperations.RotateLeft(w12 ^ w7 ^ w1 ^ w15, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (d & a) | (e & a)) + 0x8F1BBCDCu + (w0 = BitOperations.RotateLeft(w13 ^ w8 ^ w2 ^ w0, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (c & e) | (d & e)) + 0x8F1BBCDCu + (w1 = BitOperations.RotateLeft(w14 ^ w9 ^ w3 ^ w1, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDCu + (w2 = BitOperations.RotateLeft(w15 ^ w10 ^ w4 ^ w2, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (a & c) | (b & c)) + 0x8F1BBCDCu + (w3 = BitOperations.RotateLeft(w0 ^ w11 ^ w5 ^ w3, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (e & b) | (a & b)) + 0x8F1BBCDCu + (w4 = BitOperations.RotateLeft(w1 ^ w12 ^ w6 ^ w4, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (d & a) | (e & a)) + 0x8F1BBCDCu + (w5 = BitOperations.RotateLeft(w2 ^ w13 ^ w7 ^ w5, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (c & e) | (d & e)) + 0x8F1BBCDCu + (w6 = BitOperations.RotateLeft(w3 ^ w14 ^ w8 ^ w6, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + ((b & c) | (b & d) | (c & d)) + 0x8F1BBCDCu + (w7 = BitOperations.RotateLeft(w4 ^ w15 ^ w9 ^ w7, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + ((a & b) | (a & c) | (b & c)) + 0x8F1BBCDCu + (w8 = BitOperations.RotateLeft(w5 ^ w0 ^ w10 ^ w8, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + ((e & a) | (e & b) | (a & b)) + 0x8F1BBCDCu + (w9 = BitOperations.RotateLeft(w6 ^ w1 ^ w11 ^ w9, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + ((d & e) | (d & a) | (e & a)) + 0x8F1BBCDCu + (w10 = BitOperations.RotateLeft(w7 ^ w2 ^ w12 ^ w10, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + ((c & d) | (c & e) | (d & e)) + 0x8F1BBCDCu + (w11 = BitOperations.RotateLeft(w8 ^ w3 ^ w13 ^ w11, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0xCA62C1D6u + (w12 = BitOperations.RotateLeft(w9 ^ w4 ^ w14 ^ w12, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0xCA62C1D6u + (w13 = BitOperations.RotateLeft(w10 ^ w5 ^ w15 ^ w13, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0xCA62C1D6u + (w14 = BitOperations.RotateLeft(w11 ^ w6 ^ w0 ^ w14, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0xCA62C1D6u + (w15 = BitOperations.RotateLeft(w12 ^ w7 ^ w1 ^ w15, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0xCA62C1D6u + (w0 = BitOperations.RotateLeft(w13 ^ w8 ^ w2 ^ w0, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0xCA62C1D6u + (w1 = BitOperations.RotateLeft(w14 ^ w9 ^ w3 ^ w1, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0xCA62C1D6u + (w2 = BitOperations.RotateLeft(w15 ^ w10 ^ w4 ^ w2, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0xCA62C1D6u + (w3 = BitOperations.RotateLeft(w0 ^ w11 ^ w5 ^ w3, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0xCA62C1D6u + (w4 = BitOperations.RotateLeft(w1 ^ w12 ^ w6 ^ w4, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0xCA62C1D6u + (w5 = BitOperations.RotateLeft(w2 ^ w13 ^ w7 ^ w5, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0xCA62C1D6u + (w6 = BitOperations.RotateLeft(w3 ^ w14 ^ w8 ^ w6, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0xCA62C1D6u + (w7 = BitOperations.RotateLeft(w4 ^ w15 ^ w9 ^ w7, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0xCA62C1D6u + (w8 = BitOperations.RotateLeft(w5 ^ w0 ^ w10 ^ w8, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0xCA62C1D6u + (w9 = BitOperations.RotateLeft(w6 ^ w1 ^ w11 ^ w9, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0xCA62C1D6u + (w10 = BitOperations.RotateLeft(w7 ^ w2 ^ w12 ^ w10, 1));
        c = BitOperations.RotateLeft(c, 30);
        e += BitOperations.RotateLeft(a, 5) + (b ^ c ^ d) + 0xCA62C1D6u + (w11 = BitOperations.RotateLeft(w8 ^ w3 ^ w13 ^ w11, 1));
        b = BitOperations.RotateLeft(b, 30);
        d += BitOperations.RotateLeft(e, 5) + (a ^ b ^ c) + 0xCA62C1D6u + (w12 = BitOperations.RotateLeft(w9 ^ w4 ^ w14 ^ w12, 1));
        a = BitOperations.RotateLeft(a, 30);
        c += BitOperations.RotateLeft(d, 5) + (e ^ a ^ b) + 0xCA62C1D6u + (w13 = BitOperations.RotateLeft(w10 ^ w5 ^ w15 ^ w13, 1));
        e = BitOperations.RotateLeft(e, 30);
        b += BitOperations.RotateLeft(c, 5) + (d ^ e ^ a) + 0xCA62C1D6u + (w14 = BitOperations.RotateLeft(w11 ^ w6 ^ w0 ^ w14, 1));
        d = BitOperations.RotateLeft(d, 30);
        a += BitOperations.RotateLeft(b, 5) + (c ^ d ^ e) + 0xCA62C1D6u + (w15 = BitOperations.RotateLeft(w12 ^ w7 ^ w1 ^ w15, 1));
        c = BitOperations.RotateLeft(c, 30);
        state.A += a;
        state.B += b;
        state.C += c;
        state.D += d;
        state.E += e;
    }
}
