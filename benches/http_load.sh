#!/usr/bin/env bash
# Load run of the reference server's HTTP API on the in-memory store, with wrk.
#
#   benches/http_load.sh            # needs `wrk` (apt-get install -y wrk)
#
# Builds and starts the release server on BENCH_PORT (default 8090) with RUST_LOG=warn
# (no per-request log lines), then runs, interleaved in ROUNDS rounds of DURATION each at
# CONNECTIONS connections (defaults: 5 rounds, 4s, 64 connections, 1 wrk thread: on a 2-core host a second
# wrk thread only takes CPU from the server):
#   GET  /healthz                   (the baseline: routing, middleware, JSON)
#   POST /api/leveling/xp           (a direct grant to one of 100,000 users, random amount)
#   GET  /api/leveling/leaderboard  (the first page, 25 rows)
# and prints req/s, p50 and p99 per route (medians over the rounds) and the award and
# leaderboard throughput as a fraction of /healthz (median of the per-round ratios).
# Targets: award >= 0.5x /healthz, p99 < 10 ms. Exit status 1 when a target is missed
# and BENCH_STRICT=1.
set -euo pipefail

cd "$(dirname "$0")/.."
PORT="${BENCH_PORT:-8090}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-4s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
KEY="bench-$RANDOM-$RANDOM"
LUA="benches/http_load.lua"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

cargo build --release --example server --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/examples/server"

env -u DATABASE_URL HOST=127.0.0.1 PORT="$PORT" API_SECRET_KEY="$KEY" RUST_LOG=warn "$BIN" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null

run() { # mode path
  LOAD_MODE="$1" API_SECRET_KEY="$KEY" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    -s "$LUA" "$BASE$2" | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }'
}

echo "warm-up (awards populate the leaderboard)..."
DURATION=2s run award /api/leveling/xp >/dev/null

NAMES=(healthz award leaderboard)
declare -A RPS P50 P99 ERR
for name in "${NAMES[@]}"; do RPS[$name]=""; P50[$name]=""; P99[$name]=""; ERR[$name]=0; done
AWARD_RATIOS=""
BOARD_RATIOS=""
for round in $(seq 1 "$ROUNDS"); do
  declare -A ROUND_RPS=()
  for name in "${NAMES[@]}"; do
    case "$name" in
      healthz) out=$(run get /healthz) ;;
      award) out=$(run award /api/leveling/xp) ;;
      leaderboard) out=$(run get /api/leveling/leaderboard) ;;
    esac
    read -r rps p50 p99 status socket <<<"$out"
    printf 'round %d  %-12s %9.0f req/s  p50 %6.3f ms  p99 %6.3f ms  non-2xx %s  socket errors %s\n' \
      "$round" "$name" "$rps" "$p50" "$p99" "$status" "$socket"
    RPS[$name]+="$rps "
    P50[$name]+="$p50 "
    P99[$name]+="$p99 "
    ROUND_RPS[$name]=$rps
    ERR[$name]=$((ERR[$name] + status + socket))
  done
  AWARD_RATIOS+="$(awk -v a="${ROUND_RPS[award]}" -v h="${ROUND_RPS[healthz]}" 'BEGIN { print a / h }') "
  BOARD_RATIOS+="$(awk -v a="${ROUND_RPS[leaderboard]}" -v h="${ROUND_RPS[healthz]}" 'BEGIN { print a / h }') "
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "summary: $CONNECTIONS connections, $THREADS wrk thread(s), $ROUNDS rounds x $DURATION per route, interleaved;"
echo "medians over the rounds (a neighbour's burst of CPU use spoils a round, not the summary)"
printf '%-30s %10s %10s %10s %8s\n' route "req/s" "p50 ms" "p99 ms" errors
declare -A LABEL=([healthz]="GET /healthz" [award]="POST /api/leveling/xp" [leaderboard]="GET /api/leveling/leaderboard")
for name in "${NAMES[@]}"; do
  printf '%-30s %10.0f %10s %10s %8s\n' "${LABEL[$name]}" "$(median "${RPS[$name]}")" \
    "$(median "${P50[$name]}")" "$(median "${P99[$name]}")" "${ERR[$name]}"
done
award_ratio=$(median "$AWARD_RATIOS")
board_ratio=$(median "$BOARD_RATIOS")
echo "award / healthz throughput (median of per-round ratios): ${award_ratio}x (target >= 0.5x)"
echo "leaderboard / healthz throughput: ${board_ratio}x"
echo "members stored: $(curl -fsS "$BASE/api/leveling/leaderboard?limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/')"
award_p99=$(median "${P99[award]}")

ok=$(awk -v r="$award_ratio" -v p="$award_p99" 'BEGIN { print (r >= 0.5 && p < 10) ? 1 : 0 }')
if [ "$ok" = 1 ]; then echo "targets met"; else echo "targets MISSED"; fi
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$ok" != 1 ]; then exit 1; fi
