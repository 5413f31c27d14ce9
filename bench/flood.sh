#!/usr/bin/env bash
# Flood figures: peak RSS and wall time of out/sniffer (defaults: 1 worker, --max-flows 400000) on floods of
# one-packet flows from distinct sources, as README/docs/capture.md ("Floods") quote them.
#
#   bench/flood.sh [COUNT]      (default 2000000 flows per flood)
#
# Generates bench/data/flood-{udp,syn}-<COUNT>.pcap with bench/flood.py (reused when present), runs sniffer on each
# through /usr/bin/time (peak RSS = %M), output to /dev/null, and prints one line per flood. Exit 1 when a run
# fails or a peak RSS is above LIMIT_MB (default 300, the documented bound).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-2000000}
LIMIT_MB=${LIMIT_MB:-300}
DATA=bench/data
mkdir -p "$DATA"
[[ -x out/sniffer ]] || ./build.sh
status=0
for kind in udp syn; do
  pcap=$DATA/flood-$kind-$COUNT.pcap
  [[ -s $pcap ]] || python3 bench/flood.py "$kind" "$COUNT" "$pcap"
  /usr/bin/time -f '%M %e %U %S' -o "$DATA/flood-$kind.time" out/sniffer -r "$pcap" >/dev/null 2>"$DATA/flood-$kind.err" || status=1
  read -r rss wall user sys <"$DATA/flood-$kind.time"
  mb=$(( rss / 1024 ))
  printf '%s flood, %s flows: peak RSS %s MB, wall %s s, CPU %s s; %s\n' "$kind" "$COUNT" "$mb" "$wall" \
    "$(echo "$user + $sys" | bc)" "$(grep -o '[0-9]* flows evicted' "$DATA/flood-$kind.err" || echo 'no evictions')"
  (( mb <= LIMIT_MB )) || { echo "  above the ${LIMIT_MB} MB bound" >&2; status=1; }
done
exit $status
