#!/usr/bin/env bash
# Soak run (not in CI): SOAK_MINUTES (default 10) of mixed traffic at a steady rate
# against the release reference server on loopback — awards, reads, and Socket.IO
# clients connecting and leaving — sampling the server's resident memory, open file
# descriptors and the minute's p99 latency once a minute.
#
#   benches/soak.sh                       # memory store
#   SOAK_DATABASE_URL=sqlite://target/soak.db benches/soak.sh   # or postgres://…
#   SOAK_RATE=200 SOAK_SOCKETS_PER_SEC=2 SOAK_MINUTES=10 (defaults)
#
# Needs only python3 (standard library). Flat is the goal: the last column says how each
# figure moved from the first minute to the last.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SOAK_PORT:-8091}
KEY="soak-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

cargo build --release --example server --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/examples/server"

HOST=127.0.0.1 PORT="$PORT" API_SECRET_KEY="$KEY" DATABASE_URL="${SOAK_DATABASE_URL:-memory}" \
  RUST_LOG=warn DISCORD_TOKEN= "$BIN" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

python3 benches/soak.py --port "$PORT" --key "$KEY" --pid "$SERVER" \
  --minutes "${SOAK_MINUTES:-10}" --rate "${SOAK_RATE:-200}" \
  --sockets-per-sec "${SOAK_SOCKETS_PER_SEC:-2}"
