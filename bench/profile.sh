#!/usr/bin/env bash
# Instruction profile of out/sniffer on a generated capture (callgrind: counts do not depend on the machine's load).
#
#   bench/profile.sh [FLOWS]       (default 2000 flows; 50000 takes ~1 min under valgrind)
#
# Needs out/sniffer (./build.sh) and valgrind; generates the capture like compare.sh if needed. valgrind 3.19 cannot
# read the DWARF in out/sniffer.dbg, so the profile runs a copy of the binary whose debug link points to a symbol-only
# copy of sniffer.dbg. Writes bench/data/profile-<FLOWS>f.{callgrind,self.txt,inclusive.txt} and prints the top 25
# functions by self cost. With perf available, also prints the CPU split by thread (perf record -e cpu-clock).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FLOWS=${1:-2000}
DATA=$ROOT/bench/data
FILE=$DATA/capture-${FLOWS}f-seed1.pcap
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
[ -x out/sniffer ] || ./build.sh
if [ ! -s "$FILE" ]; then
  mkdir -p "$DATA"
  dotnet build bench/Sniffer.CaptureGenerator -c Release -o out/capgen -nologo -v q >/dev/null
  out/capgen/sniffer-capgen --flows "$FLOWS" --seed 1 --out "$FILE"
fi

TMP=$(mktemp -d /tmp/sniffer-profile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp out/sniffer "$TMP/sniffer"
objcopy --strip-debug out/sniffer.dbg "$TMP/sniffer.dbg"
objcopy --remove-section=.gnu_debuglink "$TMP/sniffer"
objcopy --add-gnu-debuglink="$TMP/sniffer.dbg" "$TMP/sniffer"

OUT=$DATA/profile-${FLOWS}f
valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$OUT.callgrind" \
  "$TMP/sniffer" -r "$FILE" -w "$TMP/out.ndjson" -q 2>"$TMP/valgrind.log" || { cat "$TMP/valgrind.log" >&2; exit 1; }
callgrind_annotate "$OUT.callgrind" >"$OUT.self.txt" 2>/dev/null
callgrind_annotate --inclusive=yes "$OUT.callgrind" >"$OUT.inclusive.txt" 2>/dev/null
packets=$(sed -n 's/^packets=//p' "$FILE.info")
total=$(grep -m1 'PROGRAM TOTALS' "$OUT.self.txt" | awk '{gsub(",", "", $1); print $1}')
echo "callgrind: $FILE, $packets packets: $total instructions ($((total / packets)) per packet)"
echo "top 25 by self cost:"
grep -A25 '^Ir  *file:function' "$OUT.self.txt" | tail -25 | sed 's/???://; s/ \[[^]]*\]$//' | cut -c1-150
echo "inclusive, sniffer functions (first 25):"
grep 'Sniffer_Core' "$OUT.inclusive.txt" | head -25 | sed 's/???://; s/ \[[^]]*\]$//' | cut -c1-150
echo "(full listings: $OUT.self.txt, $OUT.inclusive.txt)"

if command -v perf >/dev/null && perf record -e cpu-clock -o "$TMP/perf.data" true >/dev/null 2>&1; then
  rm -f "$TMP/out.ndjson"
  perf record -e cpu-clock -F 2000 -o "$TMP/perf.data" out/sniffer -r "$FILE" -w "$TMP/out.ndjson" -q >/dev/null 2>&1
  echo "perf cpu-clock samples by thread:"
  perf report -i "$TMP/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep '%' | head -8
  echo "by object (kernel = file reads, output writes, scheduling):"
  perf report -i "$TMP/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep '%' | head -6
fi
