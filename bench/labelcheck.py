#!/usr/bin/env python3
"""Checks sniffer's identification against the generator's labels.

usage: bench/labelcheck.py LABELS.tsv SNIFFER.ndjson [--min 99] [--name NAME]

LABELS.tsv (from sniffer-capgen): client ip:port, server ip:port, transport, expected protocol, vlan.
SNIFFER.ndjson: sniffer's output; only flow_end records are used (network.protocol, by endpoints, transport and
VLAN; a record whose client/server are swapped still matches its flow). A labelled flow with no flow_end record
counts as wrong ("missing"). Prints per-protocol accuracy and the most common confusions; exits 1 when overall
accuracy is below --min percent (a fast wrong answer does not count).
"""
import argparse, ipaddress, json, sys
from collections import Counter, defaultdict


def endpoint(text):
    host, _, port = text.rpartition(":")
    return ipaddress.ip_address(host.strip("[]")), int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labels")
    ap.add_argument("ndjson")
    ap.add_argument("--min", type=float, default=99.0)
    ap.add_argument("--name", default="sniffer")
    a = ap.parse_args()

    expected = {}
    for line in open(a.labels, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        client, server, transport, proto, *rest = line.rstrip("\n").split("\t")
        vlan = int(rest[0]) if rest else 0
        expected[(transport, endpoint(client), endpoint(server), vlan)] = proto

    got, extra, duplicate = {}, 0, 0
    with open(a.ndjson, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("event", {}).get("action") != "flow_end":
                continue
            net = rec["network"]
            src = (ipaddress.ip_address(rec["source"]["ip"]), rec["source"]["port"])
            dst = (ipaddress.ip_address(rec["destination"]["ip"]), rec["destination"]["port"])
            vlan = int(net.get("vlan", {}).get("id", 0))
            key = (net["transport"], src, dst, vlan)
            if key not in expected:
                swapped = (net["transport"], dst, src, vlan)
                key = swapped if swapped in expected else None
            if key is None:
                extra += 1
                continue
            if key in got:
                duplicate += 1
            got[key] = net.get("protocol", "")

    per = defaultdict(lambda: [0, 0])
    confusion = Counter()
    for key, proto in expected.items():
        result = got.get(key, "(missing)")
        per[proto][1] += 1
        if result == proto:
            per[proto][0] += 1
        else:
            confusion[(proto, result)] += 1

    total_ok = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    accuracy = 100.0 * total_ok / total if total else 0.0
    print(f"label check ({a.name}): {len(expected)} labelled flows, {len(got)} matched flow_end records, "
          f"{extra} records for unlabelled flows, {duplicate} duplicate records")
    print(f"  {'protocol':<10} {'flows':>8} {'correct':>8} {'accuracy':>9}")
    for proto in sorted(per):
        ok, n = per[proto]
        print(f"  {proto:<10} {n:>8} {ok:>8} {100.0 * ok / n:>8.2f}%")
    print(f"  {'all':<10} {total:>8} {total_ok:>8} {accuracy:>8.2f}%")
    if confusion:
        print("  most common errors (expected -> reported: flows):")
        for (exp, res), n in confusion.most_common(8):
            print(f"    {exp} -> {res}: {n}")
    if accuracy < a.min:
        print(f"  FAIL: accuracy {accuracy:.2f}% < {a.min:g}% (a fast wrong answer does not count)")
        return 1
    print(f"  OK: accuracy {accuracy:.2f}% >= {a.min:g}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
