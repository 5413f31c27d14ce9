#!/usr/bin/env bash
# Runs the whole test suite: publishes the native AOT binary (failing on any IL2xxx/IL3xxx warning), then runs
# every xunit test, including the end-to-end tests of that binary (golden output, live capture on lo as root).
# Ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

./build.sh || { echo "0 passed, 1 failed"; exit 1; }

export SNIFFER_BINARY="$PWD/out/sniffer"
rm -rf out/test-results
dotnet test Sniffer.sln -c Release -nologo --logger "trx;LogFileName=results.trx" --results-directory out/test-results "$@"
rc=$?

passed=0; failed=0; skipped=0
for trx in out/test-results/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"
