#!/usr/bin/env bash
# Performance comparison of sniffer with tcpdump, ndpiReader (nDPI) and tshark on a generated capture.
#
#   bench/compare.sh [FLOWS]        (default 50000 flows, ~1.1 M packets)
#
# 1. builds out/sniffer (../build.sh) and the capture generator (bench/Sniffer.CaptureGenerator);
# 2. generates bench/data/capture-<FLOWS>f-seed<SEED>.pcap and its .labels.tsv (reused while the generator's
#    sources and parameters are unchanged);
# 3. warms the page cache, then runs every tool RUNS times, round-robin (so a burst of load from another user
#    hits every tool alike), and reports the median wall time, packets/s and peak RSS (/usr/bin/time %M);
# 4. prints the ratios the targets are stated in, the start-up time on a one-packet file, and checks sniffer's
#    network.protocol on every flow_end record against the labels (bench/labelcheck.py).
#
# Exit status: 0, or 1 when the identification accuracy (1 or 2 workers) is below MIN_ACCURACY percent — a fast
# wrong answer does not count. With STRICT=1 a missed performance target also exits 1.
#
# Environment: RUNS (5), SEED (1), MIN_ACCURACY (99), SLICE_PACKETS (42544, the tshark slice), STARTUP_RUNS (21),
# SKIP_BUILD=1 (use the existing out/sniffer), MAX_LOAD=L and WAIT_SECS=S (before timing, wait up to S seconds for
# the 1-minute load average to fall below L: useful on a shared machine), NDPI_DETAIL=0 (skip the untimed ndpiReader run that lists what
# nDPI identified), GEN_ARGS (extra generator options, e.g. "--bulk-size 800").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

FLOWS=${1:-50000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
MIN_ACCURACY=${MIN_ACCURACY:-99}
SLICE_PACKETS=${SLICE_PACKETS:-42544}
STARTUP_RUNS=${STARTUP_RUNS:-21}
GEN_ARGS=${GEN_ARGS:-}
DATA=$ROOT/bench/data
SNIFFER=$ROOT/out/sniffer
GEN_DIR=$ROOT/out/capgen

log() { printf '[compare] %s\n' "$*" >&2; }

# ---- tools -------------------------------------------------------------------------------------------------
need=()
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v tshark >/dev/null || need+=(tshark)
command -v editcap >/dev/null || need+=(wireshark-common)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    log "please install: ${need[*]}"; exit 1
  fi
fi

# ---- build -------------------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$SNIFFER" ]; then
  log "building out/sniffer (build.sh)"
  ./build.sh
fi
log "building the capture generator"
dotnet build bench/Sniffer.CaptureGenerator -c Release -o "$GEN_DIR" -nologo -v q >"$ROOT/out/capgen-build.log" 2>&1 \
  || { cat "$ROOT/out/capgen-build.log" >&2; log "generator build failed"; exit 1; }

# ---- capture -----------------------------------------------------------------------------------------------
mkdir -p "$DATA"
FILE=$DATA/capture-${FLOWS}f-seed${SEED}.pcap
# shellcheck disable=SC2086
gen_args=(--flows "$FLOWS" --seed "$SEED" $GEN_ARGS)
src_hash=$(cd bench/Sniffer.CaptureGenerator && find . -path ./bin -prune -o -path ./obj -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.bin' \) -print \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
params="args=${gen_args[*]} generator=$src_hash"
if [ -s "$FILE" ] && [ -s "$FILE.labels.tsv" ] && [ -s "$FILE.info" ] && [ "$(cat "$FILE.params" 2>/dev/null)" = "$params" ]; then
  log "reusing $FILE (same generator and parameters)"
else
  log "generating $FILE"
  rm -f "$FILE" "$FILE".* "$DATA"/slice-"$(basename "$FILE")" "$DATA"/one-"$(basename "$FILE")"
  "$GEN_DIR/sniffer-capgen" "${gen_args[@]}" --out "$FILE"
  echo "$params" >"$FILE.params"
fi
PACKETS=$(sed -n 's/^packets=//p' "$FILE.info")
BYTES=$(stat -c %s "$FILE")
SLICE=$DATA/slice-$(basename "$FILE")
ONE=$DATA/one-$(basename "$FILE")
if [ ! -s "$SLICE" ] || [ "$SLICE" -ot "$FILE" ]; then editcap -r "$FILE" "$SLICE" "1-$SLICE_PACKETS" >/dev/null; fi
if [ ! -s "$ONE" ] || [ "$ONE" -ot "$FILE" ]; then editcap -r "$FILE" "$ONE" 1 >/dev/null; fi
SLICE_N=$(( PACKETS < SLICE_PACKETS ? PACKETS : SLICE_PACKETS ))

avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
if [ $((BYTES / 1024)) -gt $((avail_kb / 2)) ]; then
  log "warning: the capture ($((BYTES >> 20)) MiB) is large for the free memory; reads may hit the disk"
fi
log "warming the page cache"
cat "$FILE" "$SLICE" "$ONE" >/dev/null
cat "$FILE" >/dev/null

# ---- timed runs --------------------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/sniffer-compare.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SAMPLES=$TMP/samples.tsv
: >"$SAMPLES"

# run_tool NAME CMD...: one timed run; wall clock from date +%s%N around /usr/bin/time, peak RSS (%M) and CPU
# time (%U + %S: less sensitive than wall time to other users' load) from /usr/bin/time.
run_tool() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" "$@" >"$TMP/stdout" 2>"$TMP/stderr"; then
    log "$name failed: $*"; tail -5 "$TMP/stderr" >&2; exit 1
  fi
  t1=$(date +%s%N)
  read -r _ rss user sys < <(tail -1 "$TMP/time")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(( (t1 - t0) / 1000 ))" "$rss" "$user" "$sys" >>"$SAMPLES"
}

tool_tcpdump()  { run_tool tcpdump    tcpdump -r "$FILE" -w /dev/null; }
tool_ndpi()     { run_tool ndpiReader ndpiReader -i "$FILE" -q; }
tool_sniffer1() { rm -f "$TMP/w1.ndjson"; run_tool sniffer    "$SNIFFER" -r "$FILE" -w "$TMP/w1.ndjson" -q; }
tool_sniffer2() { rm -f "$TMP/w2.ndjson"; run_tool sniffer-w2 "$SNIFFER" -r "$FILE" -w "$TMP/w2.ndjson" -q --workers 2; }
tool_tshark()   { run_tool tshark     tshark -r "$SLICE"; }
TOOLS=(tool_tcpdump tool_ndpi tool_sniffer1 tool_sniffer2 tool_tshark)

if [ -n "${MAX_LOAD:-}" ]; then
  deadline=$(( $(date +%s) + ${WAIT_SECS:-600} ))
  while awk -v max="$MAX_LOAD" '{ exit !($1 >= max) }' /proc/loadavg && [ "$(date +%s)" -lt "$deadline" ]; do
    log "load $(cut -d' ' -f1 /proc/loadavg) >= $MAX_LOAD: waiting"; sleep 15
  done
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "timing: $RUNS rounds of ${#TOOLS[@]} tools on $FILE ($PACKETS packets, $((BYTES >> 20)) MiB); load before: $LOAD_BEFORE"
for ((round = 0; round < RUNS; round++)); do
  for ((k = 0; k < ${#TOOLS[@]}; k++)); do
    "${TOOLS[$(( (k + round) % ${#TOOLS[@]} ))]}"   # rotate the order every round
  done
  log "round $((round + 1))/$RUNS done"
done

# Start-up: a one-packet file, run directly (no /usr/bin/time in between), median of STARTUP_RUNS.
for ((i = 0; i < STARTUP_RUNS; i++)); do
  rm -f "$TMP/one.ndjson"
  t0=$(date +%s%N); "$SNIFFER" -r "$ONE" -w "$TMP/one.ndjson" -q; t1=$(date +%s%N)
  printf 'startup-sniffer\t%s\t0\t0\t0\n' "$(( (t1 - t0) / 1000 ))" >>"$SAMPLES"
  t0=$(date +%s%N); tcpdump -r "$ONE" -w /dev/null 2>/dev/null; t1=$(date +%s%N)
  printf 'startup-tcpdump\t%s\t0\t0\t0\n' "$(( (t1 - t0) / 1000 ))" >>"$SAMPLES"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ------------------------------------------------------------------------------------------------
RESULT=$DATA/results-$(date -u +%Y%m%dT%H%M%SZ).txt
{
  echo "sniffer performance comparison — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
  echo "load average (1/5/15 min): before $LOAD_BEFORE, after $LOAD_AFTER  (2 cores shared: other users' load shows up as noise)"
  echo "capture: $FILE"
  echo "         $PACKETS packets, $BYTES bytes, $FLOWS flows ($(sed -n 's/^params=//p' "$FILE.info"))"
  echo "         tshark slice: first $SLICE_N packets"
  echo "runs: $RUNS per tool, round-robin, median reported (min..max in brackets)"
  echo
  python3 - "$SAMPLES" "$PACKETS" "$SLICE_N" "${STRICT:-0}" <<'PY'
import statistics, sys
from collections import defaultdict
samples, packets, slice_n, strict = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
wall, rss, cpu = defaultdict(list), defaultdict(list), defaultdict(list)
for line in open(samples):
    name, us, kb, user, sys_s = line.rstrip("\n").split("\t")
    wall[name].append(int(us) / 1e6)
    rss[name].append(int(kb) / 1024)
    cpu[name].append(float(user) + float(sys_s))
med = {k: statistics.median(v) for k, v in wall.items()}
mcpu = {k: statistics.median(v) for k, v in cpu.items()}
rows = [
    ("tcpdump", "tcpdump -r FILE -w /dev/null", packets),
    ("ndpiReader", "ndpiReader -i FILE -q", packets),
    ("sniffer", "sniffer -r FILE -w out.ndjson -q", packets),
    ("sniffer-w2", "sniffer ... --workers 2", packets),
    ("tshark", f"tshark -r SLICE ({slice_n} pkts)", slice_n),
]
print(f"{'tool':<34} {'wall median':>11} {'(min..max)':>17} {'packets/s':>10} {'CPU (u+s)':>9} {'peak RSS':>9}")
for key, label, n in rows:
    if key not in wall:
        continue
    w = wall[key]
    print(f"{label:<34} {med[key]:>9.3f} s {f'({min(w):.3f}..{max(w):.3f})':>17} {n / med[key] / 1e6:>8.2f} M {mcpu[key]:>7.2f} s {statistics.median(rss[key]):>6.1f} MB")
if "tshark" in med:
    est = med["tshark"] * packets / slice_n
    print(f"{'tshark, whole file (extrapolated)':<34} {est:>9.1f} s {'':>17} {slice_n / med['tshark'] / 1e6:>8.2f} M")
print()
s1, s2, td, nd = med["sniffer"], med["sniffer-w2"], med["tcpdump"], med["ndpiReader"]
su = statistics.median(wall["startup-sniffer"]) * 1000
tu = statistics.median(wall["startup-tcpdump"]) * 1000
peak1 = max(rss["sniffer"])
peak2 = max(rss["sniffer-w2"])
checks = [
    ("sniffer / tcpdump wall time", f"{s1 / td:.2f}x", "<= 2.0x", s1 / td <= 2.0),
    ("ndpiReader / sniffer wall time", f"{nd / s1:.2f}x", ">= 6.0x", nd / s1 >= 6.0),
    ("sniffer peak RSS (max of runs)", f"{peak1:.1f} MB", "<= 64 MB", peak1 <= 64),
    ("sniffer start-up, one-packet file (median)", f"{su:.1f} ms", "< 20 ms", su < 20),
]
print(f"{'ratio / measure':<44} {'value':>10} {'target':>9}  result")
for name, value, target, ok in checks:
    print(f"{name:<44} {value:>10} {target:>9}  {'PASS' if ok else 'MISS'}")
info = [
    ("sniffer / tcpdump CPU time (u+s)", f"{mcpu['sniffer'] / mcpu['tcpdump']:.2f}x"),
    ("ndpiReader / sniffer CPU time (u+s)", f"{mcpu['ndpiReader'] / mcpu['sniffer']:.2f}x"),
    ("workers 2 vs 1 (speed-up, t1/t2)", f"{s1 / s2:.2f}x"),
    ("sniffer --workers 2 peak RSS (max)", f"{peak2:.1f} MB"),
    ("tcpdump start-up, same file (median)", f"{tu:.1f} ms"),
    ("sniffer throughput (1 worker)", f"{packets / s1 / 1e6:.2f} Mpps"),
]
for name, value in info:
    print(f"{name:<44} {value:>10} {'':>9}  (info)")
missed = [c for c in checks if not c[3]]
open(samples + ".missed", "w").write(str(len(missed)) if strict else "0")
PY
  echo
} | tee "$RESULT"

rc=0
[ "$(cat "$SAMPLES.missed")" = 0 ] || rc=1
{
  if [ "${NDPI_DETAIL:-1}" != 0 ]; then
    echo "what nDPI identified (one untimed run of ndpiReader -i FILE):"
    ndpiReader -i "$FILE" 2>/dev/null | sed -n '/^Detected protocols:/,/^$/p' | sed '1d;/^$/d' | sed 's/^\t*/  /' || true
    echo
  fi
  # "|| rc=1" keeps set -e from ending the group before the second check (the result is re-read below)
  python3 bench/labelcheck.py "$FILE.labels.tsv" "$TMP/w1.ndjson" --min "$MIN_ACCURACY" --name "sniffer, 1 worker" || rc=1
  echo
  python3 bench/labelcheck.py "$FILE.labels.tsv" "$TMP/w2.ndjson" --min "$MIN_ACCURACY" --name "sniffer, 2 workers" || rc=1
} | tee -a "$RESULT"
# The pipeline above runs in a subshell: re-derive the label result from the saved report.
if grep -q '^  FAIL:' "$RESULT"; then rc=1; fi
log "report saved to $RESULT"
exit $rc
