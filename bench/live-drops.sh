#!/usr/bin/env bash
# Live drop rate: replays a capture at top speed into loopback while `sniffer -i lo` captures it, for several
# kernel buffer sizes (--buffer-size). Prints what was replayed, what sniffer read ("lost %" = not read), libpcap's
# received / dropped / interface-dropped counters, the flow_end records and sniffer's CPU time. On lo, libpcap's
# "received" counts each injected frame twice (the outgoing and the looped-back copy; libpcap hands over one), so
# the loss is measured as replayed - read.
#
#   bench/live-drops.sh [CAPTURE] [BUFFER_MIB...]     (root; tcpreplay, tcprewrite)
#
# Default capture: data/capture-50000f-seed1.pcap (compare.sh makes it). Its port 3624 is rewritten to PORT
# (default 39624) first, so the flood does not reach other test suites that capture port 3624 on lo; sniffer
# watches PORT. Loopback only: the frames never leave the machine. Environment: PORT, RUNS (1), WORKERS (empty:
# sniffer's default), PPS (empty: --topspeed; else tcpreplay --pps=PPS).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SRC=${1:-$ROOT/bench/data/capture-50000f-seed1.pcap}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(2 8 32 128 512)
PORT=${PORT:-39624}
RUNS=${RUNS:-1}
[ "$(id -u)" -eq 0 ] || { echo "live-drops.sh: needs root (capture on lo, tcpreplay)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "live-drops.sh: please install tcpreplay" >&2; exit 1; }
[ -x out/sniffer ] || ./build.sh

TMP=$(mktemp -d /tmp/sniffer-live.XXXXXX)
SNIFFER_PID=""
cleanup() {
  if [ -n "$SNIFFER_PID" ] && kill -0 "$SNIFFER_PID" 2>/dev/null; then kill -TERM "$SNIFFER_PID"; wait "$SNIFFER_PID" || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

REPLAY=$TMP/replay.pcap
tcprewrite --portmap=3624:"$PORT" --infile="$SRC" --outfile="$REPLAY"
PACKETS=$(tcpdump -r "$REPLAY" -w /dev/null 2>&1 | sed -n 's/.*(\([0-9]*\) packets)//p' || true)
echo "capture: $SRC (port 3624 -> $PORT), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-4s %9s %10s %9s %8s %9s %9s %9s %7s %11s\n' "buffer" "run" "replayed" "pps" "read" "lost %" "recv" "drop" "ifdrop" "flow_end" "sniffer cpu"
for mib in "${SIZES[@]}"; do
  for ((run = 1; run <= RUNS; run++)); do
    rm -f "$TMP/out.ndjson"
    args=(-i lo --port "$PORT" -w "$TMP/out.ndjson" --buffer-size $((mib * 1024 * 1024)))
    [ -n "${WORKERS:-}" ] && args+=(--workers "$WORKERS")
    out/sniffer "${args[@]}" 2>"$TMP/stderr" &
    SNIFFER_PID=$!
    sleep 1.5 # let the capture open
    if [ -n "${PPS:-}" ]; then rate=(--pps="$PPS"); else rate=(--topspeed); fi
    tcpreplay "${rate[@]}" -i lo "$REPLAY" >"$TMP/replay.log" 2>&1
    # Let sniffer drain its buffers: wait until its CPU time stops growing.
    prev=-1
    for _ in $(seq 1 60); do
      cpu=$(awk '{print $14 + $15}' "/proc/$SNIFFER_PID/stat")
      [ "$cpu" = "$prev" ] && break
      prev=$cpu; sleep 1
    done
    kill -TERM "$SNIFFER_PID"; wait "$SNIFFER_PID" || true; SNIFFER_PID=""
    sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$TMP/replay.log" | head -1)
    rate_line=$(sed -n 's/^[[:space:]]*Rated: .*, \([0-9.]*\) pps.*/\1/p' "$TMP/replay.log" | head -1)
    stats=$(grep -o 'libpcap: [0-9]* received, [0-9]* dropped, [0-9]* dropped by interface' "$TMP/stderr" || true)
    recv=$(sed -n 's/libpcap: \([0-9]*\) received.*/\1/p' <<<"$stats")
    drop=$(sed -n 's/.*received, \([0-9]*\) dropped,.*/\1/p' <<<"$stats")
    ifdrop=$(sed -n 's/.*dropped, \([0-9]*\) dropped by interface/\1/p' <<<"$stats")
    own=$(grep -o '[0-9]* dropped by sniffer' "$TMP/stderr" | cut -d' ' -f1 || true)
    [ -n "${KEEP_STDERR:-}" ] && { echo "== ${mib} MiB run ${run}"; cat "$TMP/stderr"; } >>"$KEEP_STDERR"
    ends=$(grep -c '"action":"flow_end"' "$TMP/out.ndjson" || true)
    read_n=$(sed -n 's/.*: \([0-9]*\) packets read.*/\1/p' "$TMP/stderr" | head -1)
    pct=$(awk -v s="${sent:-0}" -v r="${read_n:-0}" 'BEGIN { if (s > 0) printf "%.2f", 100 * (s - r) / s; else print "-" }')
    printf '%-10s %-4s %9s %10s %9s %8s %9s %9s %9s %7s %10ss\n' "${mib} MiB" "$run" "${sent:-?}" "${rate_line:-?}" "${read_n:-?}" "$pct" "${recv:-?}" "${drop:-?}" "${ifdrop:-?}" "$ends" "$(awk -v t="$prev" 'BEGIN { printf "%.1f", t / 100 }')"
  done
done
[ -n "$PACKETS" ] && echo "packets in the capture: $PACKETS"
