#!/usr/bin/env bash
# Timed run of `server import` with a million members, on SQLite and on PostgreSQL.
#
#   benches/import_1m.sh                 # MEMBERS=1000000 ROUNDS=2 by default
#
# Writes a MEE6 file of MEMBERS players (pages of 1,000 one after another, as saved
# from MEE6's API), builds the release server, then ROUNDS times, interleaving the two
# stores (this machine's disk sometimes slows fsync for tens of seconds): imports it into
# a fresh SQLite file and a fresh PostgreSQL schema (TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/test), then once more into each (replace mode: every
# member unchanged). Prints each run's summary line and wall time. Goal: <= 60 s per
# million on each store.
set -euo pipefail

cd "$(dirname "$0")/.."
MEMBERS="${MEMBERS:-1000000}"
ROUNDS="${ROUNDS:-2}"
PG="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PGOPTIONS="--client-min-messages=warning"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$MEMBERS" "$WORK/mee6.json" <<'PY'
import random, sys
members, path = int(sys.argv[1]), sys.argv[2]
random.seed(7)
with open(path, "w") as out:
    for start in range(0, members, 1000):
        players = []
        for i in range(start, min(start + 1000, members)):
            xp = int(random.paretovariate(1.2) * 100)
            players.append('{"id":"%d","username":"member%d","level":0,"xp":%d,"message_count":%d}'
                           % (400000000000000000 + i, i, xp, xp // 20))
        out.write('{"page":%d,"players":[%s]}\n' % (start // 1000, ",".join(players)))
PY
echo "file: $(du -h "$WORK/mee6.json" | cut -f1) for $MEMBERS members"

cargo build --release --example server --quiet
SERVER=target/release/examples/server

run() { # label database
  local start end
  start=$(date +%s.%N)
  (cd "$WORK" && DATABASE_URL="$2" DISCORD_TOKEN= TOOLS_FILE= RUST_LOG=warn \
    "$OLDPWD/$SERVER" import mee6 mee6.json --guild 1)
  end=$(date +%s.%N)
  printf '%s: %.1f s wall\n' "$1" "$(echo "$end - $start" | bc)"
}

for round in $(seq 1 "$ROUNDS"); do
  schema="import_bench_$$_$round"
  psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
  pg="$PG?options=-c%20search_path%3D$schema"
  sqlite="sqlite://$WORK/round$round.db"
  run "round $round SQLite, fresh" "$sqlite"
  run "round $round PostgreSQL, fresh" "$pg"
  run "round $round SQLite, again" "$sqlite"
  run "round $round PostgreSQL, again" "$pg"
  psql "$PG" -qc "DROP SCHEMA $schema CASCADE"
done
