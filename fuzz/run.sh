#!/usr/bin/env bash
# Fuzzes Sniffer.Core with AFL++ and SharpFuzz: ./run.sh HARNESS|all SECONDS
#
# Installs what is missing (afl++ from Debian as root, the SharpFuzz instrumenter as a dotnet global tool),
# publishes fuzz/Sniffer.Fuzz (JIT build, Release) to fuzz/out, instruments Sniffer.Core.dll there, then runs
# afl-fuzz on each harness in turn (one instance at a time) for SECONDS, and prints per harness: executions,
# corpus size, crashes and hangs (from findings/HARNESS/default/fuzzer_stats). A previous findings/HARNESS is
# kept as findings/HARNESS.TIMESTAMP. The exception behind each crash is appended to
# findings/HARNESS.exceptions.log, afl-fuzz's own output (and the target's stderr) is in findings/HARNESS.log.
# Replay what was found (in-process, with the exception and its stack) with:
#   dotnet fuzz/out/Sniffer.Fuzz.dll HARNESS --replay fuzz/findings/HARNESS/default/crashes
set -euo pipefail
cd "$(dirname "$0")"

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 HARNESS|all SECONDS" >&2
  exit 2
fi
what=$1
seconds=$2
sharpfuzz_version=2.3.0 # the same as the SharpFuzz package in Directory.Packages.props

if ! command -v afl-fuzz >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: installing afl++" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
  else
    echo "run.sh: please install afl++ (apt-get install afl++)" >&2
    exit 1
  fi
fi

sharpfuzz="$HOME/.dotnet/tools/sharpfuzz"
if [ ! -x "$sharpfuzz" ]; then
  echo "run.sh: installing SharpFuzz.CommandLine $sharpfuzz_version" >&2
  dotnet tool install --global SharpFuzz.CommandLine --version "$sharpfuzz_version" >/dev/null
fi

# Publish afresh: instrumenting twice is an error, and the instrumented Sniffer.Core.dll must match the source.
rm -rf out
mkdir -p findings
if ! dotnet publish Sniffer.Fuzz/Sniffer.Fuzz.csproj -c Release -o out -nologo >findings/publish.log 2>&1; then
  cat findings/publish.log >&2
  echo "run.sh: publish failed" >&2
  exit 1
fi
"$sharpfuzz" out/Sniffer.Core.dll >findings/instrument.log 2>&1 || { cat findings/instrument.log >&2; exit 1; }

mapfile -t harnesses < <(dotnet out/Sniffer.Fuzz.dll --list)
selected=()
for line in "${harnesses[@]}"; do
  name=${line%%$'\t'*}
  if [ "$what" = all ] || [ "$what" = "$name" ]; then
    selected+=("$line")
  fi
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "run.sh: unknown harness '$what'; one of: $(printf '%s ' "${harnesses[@]%%$'\t'*}")all" >&2
  exit 2
fi

export AFL_SKIP_BIN_CHECK=1          # the target is `dotnet`; SharpFuzz speaks the fork-server protocol itself
export AFL_SKIP_CPUFREQ=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1             # shared 2-core machine: do not pin
export AFL_NO_UI=1
export AFL_DEBUG_CHILD=1             # the harness prints nothing; what the target writes to stderr (an unhandled
                                     # exception on another thread, a stack overflow) lands in findings/HARNESS.log

stat() { sed -n "s/^$1 *: *//p" "$2" | head -1; }

printf '%-16s %8s %10s %8s %8s %8s %6s\n' harness seconds execs exec/s corpus crashes hangs # exec/s: average over the run
for line in "${selected[@]}"; do
  name=${line%%$'\t'*}
  dicts=${line#*$'\t'}
  xs=()
  IFS=, read -ra list <<<"$dicts"
  for d in "${list[@]}"; do
    [ -n "$d" ] && xs+=(-x "dictionaries/$d")
  done

  if [ -e "findings/$name" ]; then
    mv "findings/$name" "findings/$name.$(date +%Y%m%d-%H%M%S)"
  fi

  # -V stops afl-fuzz after SECONDS; timeout is only a guard against a run that never gets going.
  export SNIFFER_FUZZ_EXCEPTION_LOG="$PWD/findings/$name.exceptions.log"
  rm -f "$SNIFFER_FUZZ_EXCEPTION_LOG"
  timeout --signal=INT $((seconds + 300)) \
    afl-fuzz -i "corpora/$name" -o "findings/$name" "${xs[@]}" -t 5000 -m none -V "$seconds" \
    -- dotnet out/Sniffer.Fuzz.dll "$name" >"findings/$name.log" 2>&1 || true

  stats="findings/$name/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "run.sh: $name: afl-fuzz did not start; last lines of findings/$name.log:" >&2
    tail -n 30 "findings/$name.log" >&2
    continue
  fi

  run_time=$(stat run_time "$stats")
  execs=$(stat execs_done "$stats")
  printf '%-16s %8s %10s %8s %8s %8s %6s\n' "$name" "$run_time" "$execs" "$(( execs / (run_time > 0 ? run_time : 1) ))" \
    "$(stat corpus_count "$stats")" "$(stat saved_crashes "$stats")" "$(stat saved_hangs "$stats")"
done
