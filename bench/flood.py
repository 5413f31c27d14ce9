#!/usr/bin/env python3
"""Writes a flood capture: COUNT one-packet flows, each from a distinct source, to one server port.

    bench/flood.py {udp,syn} COUNT OUT.pcap [--port 3624] [--rate 100000] [--payload 64] [--zero-payload]

udp: one UDP datagram per flow (PAYLOAD bytes, random unless --zero-payload); syn: one TCP SYN per flow (no
payload), as a spoofed SYN flood sends. Sources are 10.0.0.0/8 addresses in order (so COUNT <= 16,777,216 keeps
every 5-tuple distinct) with ports 10000..59999 (clear of the UDP tunnel ports); packets are RATE per second of capture time (2,000,000 at 100,000/s
span 20 s, inside the default UDP and TCP idle timeouts: the flow table fills and evicts). Deterministic: the same
arguments write the same bytes. Classic pcap, Ethernet, microsecond timestamps.
"""
import argparse
import random
import struct
import sys

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("kind", choices=["udp", "syn"])
p.add_argument("count", type=int)
p.add_argument("out")
p.add_argument("--port", type=int, default=3624)
p.add_argument("--rate", type=int, default=100_000, help="packets per second of capture time")
p.add_argument("--payload", type=int, default=64, help="UDP payload bytes")
p.add_argument("--zero-payload", action="store_true", help="UDP payload of zeros instead of random bytes")
a = p.parse_args()
if a.count > 1 << 24:
    sys.exit("flood.py: at most 16,777,216 flows (one 10.0.0.0/8 address each)")

rng = random.Random(3624)
pool = bytes(a.payload) * 1 if a.zero_payload else rng.randbytes(a.payload + 4096)
if a.kind == "udp":
    l4_len = 8 + a.payload
    proto = 17
else:
    l4_len = 20
    proto = 6
ip_len = 20 + l4_len
frame_len = 14 + ip_len
eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
dst = bytes([192, 0, 2, 1])
start = 1_767_225_600  # 2026-01-01T00:00:00Z

with open(a.out, "wb", buffering=1 << 20) as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    rec = bytearray(16 + frame_len)
    rec[16:30] = eth
    for i in range(a.count):
        us = i * 1_000_000 // a.rate
        struct.pack_into("<IIII", rec, 0, start + us // 1_000_000, us % 1_000_000, frame_len, frame_len)
        src = (10 << 24) | i
        sport = 10000 + (i % 50000)  # above the tunnel ports (3544 Teredo, 4789 VXLAN, 6081 Geneve)
        struct.pack_into(">BBHHHBBHI4s", rec, 30, 0x45, 0, ip_len, i & 0xFFFF, 0, 64, proto, 0, src, dst)
        if a.kind == "udp":
            struct.pack_into(">HHHH", rec, 50, sport, a.port, l4_len, 0)
            off = 0 if a.zero_payload else (i * 7) % 4096
            rec[58:58 + a.payload] = pool[off:off + a.payload]
        else:
            struct.pack_into(">HHIIBBHHH", rec, 50, sport, a.port, rng.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
        f.write(rec)
