#!/usr/bin/env bash
# Record samples/port3624.pcap: a small, real loopback capture used as the
# sniffer demo and golden-test input. It holds three TCP conversations on
# port 3624, each with a full handshake, payload and FIN teardown:
#   1. HTTP/1.0  python3 -m http.server  <-  curl
#   2. TLS       openssl s_server -www   <-  curl (SNI demo.sniffer.test, ALPN h2,http/1.1)
#                The server lists http/1.1 first: s_server picks by its own order
#                and -www only speaks HTTP/1.x, so the ClientHello offers
#                h2,http/1.1 and the ServerHello selects http/1.1.
#   3. SSH       throwaway sshd          <-  ssh root@127.0.0.1 true (pubkey auth)
#
# All traffic stays on 127.0.0.1. Every server is started by this script and
# stopped by PID (trap on exit). Re-running overwrites the capture.
# Needs root (tcpdump on lo, sshd) and: tcpdump openssh-server openssh-client
# openssl curl python3.
set -euo pipefail

PORT=3624
HOST=127.0.0.1
SNI=demo.sniffer.test
SAMPLES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PCAP="$SAMPLES_DIR/port3624.pcap"
PY=/usr/bin/python3

TMP="$(mktemp -d /tmp/record3624.XXXXXX)"
TCPDUMP_PID=""
SERVER_PID=""

log() { printf '[record] %s\n' "$*" >&2; }

stop_pid() { # stop_pid PID [SIGNAL]
    local pid="$1" sig="${2:-TERM}"
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$sig" "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    stop_pid "$SERVER_PID"
    SERVER_PID=""
    stop_pid "$TCPDUMP_PID" INT
    TCPDUMP_PID=""
    if [[ $rc -ne 0 ]]; then
        log "failed (rc=$rc); logs:"
        for f in "$TMP"/*.log; do
            [[ -f "$f" ]] && { echo "--- $f" >&2; cat "$f" >&2; }
        done
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $EUID -eq 0 ]] || { log "must run as root"; exit 1; }
for c in tcpdump curl openssl ssh ssh-keygen ss; do
    command -v "$c" >/dev/null || { log "missing: $c"; exit 1; }
done
[[ -x /usr/sbin/sshd && -x "$PY" ]] || { log "missing sshd or $PY"; exit 1; }

# Poll (without sending any packets) until something listens on HOST:PORT.
wait_listen() {
    local i
    for i in $(seq 1 100); do
        if ss -Hltnp "sport = :$PORT" | grep "$HOST:$PORT" | grep -q "pid=$SERVER_PID,"; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { log "server died"; return 1; }
        sleep 0.1
    done
    log "timeout waiting for listener on $HOST:$PORT"; return 1
}

# Stop the current server and make sure the port is released.
stop_server() {
    stop_pid "$SERVER_PID"
    SERVER_PID=""
    local i
    for i in $(seq 1 50); do
        ss -Hltn "sport = :$PORT" | grep -q "$HOST:$PORT" || return 0
        sleep 0.1
    done
    log "port $PORT still in use"; return 1
}

if ss -Hltnu "sport = :$PORT" | grep -q ":$PORT"; then
    log "port $PORT already in use"; exit 1
fi

# ---- throwaway material ----------------------------------------------------
mkdir -p "$TMP/www"
cat >"$TMP/www/index.html" <<'EOF'
<!doctype html>
<html><head><title>sniffer demo</title></head>
<body><p>Hello from port 3624.</p></body></html>
EOF

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 2 \
    -subj "/CN=$SNI" -addext "subjectAltName=DNS:$SNI" 2>"$TMP/openssl-req.log"

ssh-keygen -q -t ed25519 -N '' -C sniffer-demo-host -f "$TMP/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -C sniffer-demo-client -f "$TMP/client_key"
cp "$TMP/client_key.pub" "$TMP/authorized_keys"
chmod 600 "$TMP/authorized_keys"
mkdir -p /run/sshd
chmod 755 /run/sshd
cat >"$TMP/sshd_config" <<EOF
ListenAddress $HOST
Port $PORT
HostKey $TMP/ssh_host_ed25519_key
PidFile $TMP/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $TMP/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
PrintMotd no
EOF
/usr/sbin/sshd -t -f "$TMP/sshd_config"

# ---- 1. start capture --------------------------------------------------------
# Capture into the temp dir; the result replaces $PCAP only if it checks out.
# -Z root: keep root so the savefile can be created in the root-only temp dir.
RAW="$TMP/port3624.pcap"
tcpdump -i lo -U -s 0 -Z root -w "$RAW" "tcp port $PORT or udp port $PORT" \
    2>"$TMP/tcpdump.log" &
TCPDUMP_PID=$!
for i in $(seq 1 100); do
    grep -q 'listening on' "$TMP/tcpdump.log" && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { log "tcpdump died"; exit 1; }
    sleep 0.1
done
grep -q 'listening on' "$TMP/tcpdump.log" || { log "tcpdump not ready"; exit 1; }
sleep 0.5
log "tcpdump running (pid $TCPDUMP_PID)"

# ---- 2. HTTP -----------------------------------------------------------------
(cd "$TMP/www" && exec "$PY" -m http.server "$PORT" --bind "$HOST") \
    >"$TMP/http.log" 2>&1 &
SERVER_PID=$!
wait_listen
curl -sS --max-time 20 -o "$TMP/http.out" "http://$HOST:$PORT/index.html"
grep -q 'Hello from port 3624' "$TMP/http.out"
sleep 0.5
stop_server
log "HTTP done"

# ---- 3. TLS ------------------------------------------------------------------
openssl s_server -accept "$HOST:$PORT" -cert "$TMP/tls.crt" -key "$TMP/tls.key" \
    -www -alpn http/1.1,h2 </dev/null >"$TMP/tls.log" 2>&1 &
SERVER_PID=$!
wait_listen
curl -sS -v -k --max-time 20 --resolve "$SNI:$PORT:$HOST" -o "$TMP/tls.out" \
    "https://$SNI:$PORT/" 2>"$TMP/curl-tls.log"
grep -q 'Ciphers supported in s_server binary' "$TMP/tls.out"
# ALPN result and cipher are inside encrypted TLS 1.3 records; show curl's view.
grep -E 'ALPN|SSL connection using' "$TMP/curl-tls.log" | sed 's/^/[record]   /' >&2
sleep 0.5
stop_server
log "TLS done"

# ---- 4. SSH ------------------------------------------------------------------
/usr/sbin/sshd -D -e -f "$TMP/sshd_config" >"$TMP/sshd.log" 2>&1 &
SERVER_PID=$!
wait_listen
ssh -F /dev/null -i "$TMP/client_key" -p "$PORT" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o LogLevel=ERROR \
    "root@$HOST" true
sleep 0.5
stop_server
log "SSH done"

# ---- 5. stop capture ---------------------------------------------------------
sleep 1
stop_pid "$TCPDUMP_PID" INT
TCPDUMP_PID=""
cat "$TMP/tcpdump.log" >&2

# The capture must hold exactly our three connections: anything else on port
# 3624 (another process using the port meanwhile) makes it unusable as a
# golden file.
syns=$(tcpdump -nn -r "$RAW" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' 2>/dev/null | wc -l)
fins=$(tcpdump -nn -r "$RAW" 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)
udp=$(tcpdump -nn -r "$RAW" udp 2>/dev/null | wc -l)
if [[ "$syns" -ne 3 || "$fins" -ne 6 || "$udp" -ne 0 ]]; then
    log "unexpected capture content (SYN=$syns FIN=$fins UDP=$udp; want 3/6/0):"
    log "foreign traffic on port $PORT? re-run when the port is quiet"
    tcpdump -nn -r "$RAW" 'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null >&2 || true
    exit 1
fi
install -m 644 "$RAW" "$PCAP"
log "wrote $PCAP ($(stat -c %s "$PCAP") bytes)"
