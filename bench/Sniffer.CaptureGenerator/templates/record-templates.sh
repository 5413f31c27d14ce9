#!/usr/bin/env bash
# Records the real protocol bytes the capture generator starts from (run once; the outputs are committed):
#   tls12-c1.bin tls12-s1.bin tls12-c2.bin tls12-s2.bin   openssl s_client -tls1_2 <-> openssl s_server
#   tls13-c1.bin tls13-s1.bin tls13-c2.bin tls13-s2.bin   openssl s_client -tls1_3 <-> openssl s_server
#   ssh-c1.bin ssh-s1.bin ssh-c2.bin ssh-s2.bin ...      OpenSSH client <-> sshd (banner, KEXINIT, ECDH)
#   redis-info.bin                                       redis-server's reply to INFO server
# Each file is one burst of TCP payload in one direction, in conversation order (c = client, s = server).
# Everything runs on 127.0.0.1 on a high port (not 3624: other test suites capture lo on 3624); every
# server is started here and stopped by PID. Needs root (tcpdump on lo) and: tcpdump tshark openssl
# openssh-server openssh-client redis-server redis-tools python3.
set -euo pipefail
PORT=${PORT:-39624}
HOST=127.0.0.1
SNI=template.sniffer.test
OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TMP="$(mktemp -d /tmp/sniffer-templates.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [[ -n "${KEEP:-}" ]] && log "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[templates] %s\n' "$*" >&2; }
[[ $EUID -eq 0 ]] || { log "must run as root"; exit 1; }
if ss -Hltn "sport = :$PORT" | grep -q ":$PORT"; then log "port $PORT in use (set PORT=...)"; exit 1; fi

wait_port() { for _ in $(seq 1 100); do ss -Hltn "sport = :$PORT" | grep -q "$HOST:$PORT" && return 0; sleep 0.1; done; log "no listener"; return 1; }
wait_free() { for _ in $(seq 1 100); do ss -Hltn "sport = :$PORT" | grep -q "$HOST:$PORT" || return 0; sleep 0.1; done; return 1; }
stop_last() { local p=${PIDS[-1]}; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; unset 'PIDS[-1]'; wait_free; }

# capture NAME: starts tcpdump for one conversation; stop_capture ends it.
capture() {
  tcpdump -i lo --immediate-mode -U -s 0 -w "$TMP/$1.pcap" "tcp port $PORT" 2>"$TMP/$1.tcpdump.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q 'listening on' "$TMP/$1.tcpdump.log" && break; sleep 0.1; done
  sleep 0.3
}
stop_capture() { sleep 1; local p=${PIDS[-1]}; kill -INT "$p"; wait "$p" 2>/dev/null || true; unset 'PIDS[-1]'; }

# bursts NAME PREFIX COUNT: writes the first COUNT direction bursts of the first connection as PREFIX-c1.bin...
bursts() {
  tshark -r "$TMP/$1.pcap" -Y "tcp.len > 0" -T fields -e tcp.srcport -e tcp.payload 2>/dev/null >"$TMP/$1.txt"
  python3 - "$TMP/$1.txt" "$OUT/$2" "$3" "$PORT" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
prefix, count, port = sys.argv[2], int(sys.argv[3]), sys.argv[4]
bursts = []
for src, hexdata in rows:
    side = "s" if src == port else "c"
    data = bytes.fromhex(hexdata.replace(":", ""))
    if bursts and bursts[-1][0] == side:
        bursts[-1][1].extend(data)
    else:
        bursts.append([side, bytearray(data)])
n = {"c": 0, "s": 0}
for side, data in bursts[:count]:
    n[side] += 1
    with open(f"{prefix}-{side}{n[side]}.bin", "wb") as f:
        f.write(data)
    print(f"{prefix}-{side}{n[side]}.bin {len(data)} bytes", file=sys.stderr)
PY
}

# ---- TLS (OpenSSL s_server / s_client) ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TMP/k.pem" -out "$TMP/c.pem" \
  -days 30 -subj "/CN=$SNI" -addext "subjectAltName=DNS:$SNI" 2>/dev/null
for v in 1_2 1_3; do
  name=tls${v/_/}
  openssl s_server -accept "$HOST:$PORT" -cert "$TMP/c.pem" -key "$TMP/k.pem" -www </dev/null >"$TMP/$name.server.log" 2>&1 &
  PIDS+=($!)
  wait_port
  capture "$name"
  openssl s_client -connect "$HOST:$PORT" "-tls$v" -servername "$SNI" </dev/null >"$TMP/$name.client.log" 2>&1 || true
  stop_capture
  stop_last
  bursts "$name" "$name" 4
done

# ---- SSH (OpenSSH) ----
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/clientkey"
mkdir -p /run/sshd
cat >"$TMP/sshd_config" <<CFG
ListenAddress $HOST
Port $PORT
HostKey $TMP/hostkey
PidFile $TMP/sshd.pid
AuthorizedKeysFile /dev/null
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
CFG
/usr/sbin/sshd -D -e -f "$TMP/sshd_config" >"$TMP/sshd.log" 2>&1 &
PIDS+=($!)
wait_port
capture ssh
ssh -F /dev/null -i "$TMP/clientkey" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR nobody@"$HOST" true 2>/dev/null || true
stop_capture
stop_last
bursts ssh ssh 6

# ---- Redis ----
redis-server --bind "$HOST" --port "$PORT" --save '' --appendonly no --daemonize no >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
wait_port
capture redis
redis-cli -h "$HOST" -p "$PORT" INFO server >/dev/null
stop_capture
stop_last
bursts redis redis 2
mv "$OUT/redis-s1.bin" "$OUT/redis-info.bin"
rm -f "$OUT/redis-c1.bin"
log "done: $(ls "$OUT"/*.bin | wc -l) templates in $OUT"
