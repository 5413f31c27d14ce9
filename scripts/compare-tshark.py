#!/usr/bin/python3
"""Per-file flow agreement between sniffer and tshark's conversation list.

usage: scripts/compare-tshark.py SNIFFER CAPTURE_DIR_OR_FILES... [--verbose]

For each capture, `tshark -q -z conv,tcp -z conv,udp` lists the TCP/UDP conversations (tshark reassembles IP
fragments and shows tunnelled inner conversations); `SNIFFER -r FILE --any-port --records flow_end` lists our
flows. A conversation agrees when a flow_end record has the same transport and the same two ip:port endpoints.
Prints one line per file and a total line "agreement P% (matched/conversations)".
"""
import json, os, re, subprocess, sys

CONV = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+\d")


def split(ep):
    host, _, port = ep.rpartition(":")
    return host.strip("[]").lower(), port


def tshark_convs(path):
    out = subprocess.run(["tshark", "-n", "-q", "-r", path, "-z", "conv,tcp", "-z", "conv,udp"],
                         capture_output=True, text=True, timeout=300).stdout
    convs, proto = [], None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = CONV.match(line)
        if m and proto:
            convs.append((proto, frozenset((split(m.group(1)), split(m.group(2))))))
    return convs


def sniffer_flows(binary, path):
    p = subprocess.run([binary, "-r", path, "--any-port", "--records", "flow_end", "-q"], capture_output=True, timeout=300)
    flows = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        key = (r["network"]["transport"], frozenset(((r["source"]["ip"].lower(), str(r["source"]["port"])),
                                                     (r["destination"]["ip"].lower(), str(r["destination"]["port"])))))
        flows[key] = flows.get(key, 0) + 1
    return flows, p.returncode, p.stderr.decode(errors="replace").strip()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    binary, targets = args[0], args[1:]
    files = []
    for t in targets:
        files += sorted(os.path.join(t, f) for f in os.listdir(t)) if os.path.isdir(t) else [t]
    total = matched = 0
    for f in files:
        convs = tshark_convs(f)
        flows, rc, err = sniffer_flows(binary, f)
        ok = sum(1 for c in convs if c in flows)
        total += len(convs)
        matched += ok
        missing = [c for c in convs if c not in flows]
        mark = "" if ok == len(convs) and rc == 0 else "   <"
        print(f"{os.path.basename(f):45} {ok:5}/{len(convs):<5} exit={rc}{mark}")
        if verbose:
            for c in missing:
                print("      missing", c[0], " <-> ".join(f"{h}:{p}" for h, p in sorted(c[1])))
    pct = 100.0 * matched / total if total else 100.0
    print(f"agreement {pct:.1f}% ({matched}/{total} conversations)")


if __name__ == "__main__":
    main()
