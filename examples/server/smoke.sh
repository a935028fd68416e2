#!/usr/bin/env bash
# End-to-end smoke test of the reference server binary on an ephemeral port:
# start-up errors, REST, auth, /docs, /openapi.json, Socket.IO handshake, graceful
# shutdown on SIGTERM, and that the API key never reaches the log.
#
#   examples/server/smoke.sh            # builds `cargo build --example server` first
#   SERVER_BIN=path/to/server examples/server/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --example server --quiet
  SERVER_BIN="${CARGO_TARGET_DIR:-target}/debug/examples/server"
fi
fail() { echo "FAIL: $*" >&2; exit 1; }
LOG=$(mktemp)
KEY="smoke-$RANDOM$RANDOM-secret"

# A bad setting stops start-up with one line naming the variable.
for setting in PORT=abc HOST=nowhere DEFAULT_GUILD_ID=-1 MAX_BODY_BYTES=x AUTH_FAILURES_PER_MINUTE=-1 DATABASE_URL=mysql://x; do
  if out=$(env "$setting" "$SERVER_BIN" 2>&1 >/dev/null); then fail "$setting was accepted"; fi
  name=${setting%%=*}
  [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] || fail "$setting: expected one line, got: $out"
  printf '%s' "$out" | grep -q "$name" || fail "$setting: the error does not name $name: $out"
done

env -u DATABASE_URL HOST=127.0.0.1 PORT=0 API_SECRET_KEY="$KEY" RUST_LOG=debug NO_COLOR=1 "$SERVER_BIN" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$LOG" && break
  sleep 0.1
done
BASE=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -o 'listening on http://[0-9.:]*' | head -1 | sed 's/listening on //')
[ -n "$BASE" ] || fail "the server did not start: $(cat "$LOG")"

json() { curl -sS "$@"; }
[ "$(json "$BASE/healthz")" = '{"status":"ok"}' ] || fail "/healthz"
[ "$(json "$BASE/readyz")" = '{"status":"ready"}' ] || fail "/readyz"
[ "$(json "$BASE/api/tools" | grep -o '"id"' | wc -l)" = 20 ] || fail "the default catalog has 20 tools"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/leveling/xp" -H 'content-type: application/json' -d '{"discord_id":"1","amount":5}')
[ "$code" = 401 ] || fail "unauthenticated award answered $code"
award=$(json -X POST "$BASE/api/leveling/xp" -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
  -d '{"discord_id":"42","amount":1000}')
printf '%s' "$award" | grep -q '"level":2' || fail "award: $award"
printf '%s' "$award" | grep -q '"dice-roller"' || fail "award unlocks dice-roller: $award"
json "$BASE/api/leveling/leaderboard" | grep -q '"discord_id":"42"' || fail "leaderboard"
json "$BASE/openapi.json" | grep -q '"openapi":"3.1' || fail "/openapi.json"
json -L "$BASE/docs" | grep -q 'swagger-ui' || fail "/docs"
json "$BASE/socket.io/?EIO=4&transport=polling" | grep -q '"sid"' || fail "Socket.IO handshake"
# Guessing keys: ten more wrong ones (the right one above started the count over), then
# even the right key gets 429 with a Retry-After for the rest of the minute.
for _ in $(seq 1 10); do
  curl -s -o /dev/null -X POST "$BASE/api/leveling/xp" -H 'authorization: Bearer guess' \
    -H 'content-type: application/json' -d '{"discord_id":"1","amount":5}'
done
braked=$(curl -s -D - -o /dev/null -X POST "$BASE/api/leveling/xp" -H "authorization: Bearer $KEY" \
  -H 'content-type: application/json' -d '{"discord_id":"1","amount":5}')
printf '%s' "$braked" | grep -q '^HTTP/1.1 429' || fail "key guessing is not braked: $braked"
printf '%s' "$braked" | grep -qi '^retry-after: [0-9]' || fail "429 without Retry-After: $braked"

kill -TERM "$PID"
wait "$PID" || fail "the server exited with $? on SIGTERM"
grep -q "stopped" "$LOG" || fail "no graceful stop in the log"
if grep -q "$KEY" "$LOG"; then fail "the API key appears in the log"; fi
echo "server smoke test: ok"
