#!/usr/bin/env bash
# The web application's load benchmark (BENCHMARKS.md, "Web application under load"):
# prepares a SQLite database with signed-in declarants (`probity bench web`), starts
# `probity serve` (release build), and runs wrk against it twice — pages and drafts by 200
# concurrent sessions, then report submissions by 200 connections, each submission a distinct
# declarant's first annual report —, then verifies the audit chain.
#
#   cargo build --release -p probity && bench/web/run.sh
#
# Settings (environment): PEOPLE (roster, 40000), SESSIONS (declarants signed in, 35000),
# CONNECTIONS (200), DURATION (seconds of the pages run, 15), SUBMIT_DURATION (seconds of the
# submissions run, 10), PORT (18080), DIR (target/bench/web), PROBITY (the binary,
# target/release/probity), SERVE_WITH (the binary that serves, default PROBITY: another build,
# to compare), DB (a PostgreSQL URL of an empty database to run on instead of SQLite in DIR).
# Only 127.0.0.1 is ever addressed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${PROBITY:-target/release/probity}
DIR=${DIR:-target/bench/web}
PEOPLE=${PEOPLE:-40000}
SESSIONS=${SESSIONS:-35000}
CONNECTIONS=${CONNECTIONS:-200}
DURATION=${DURATION:-15}
SUBMIT_DURATION=${SUBMIT_DURATION:-10}
PORT=${PORT:-18080}
THREADS=2
LUA=bench/web

command -v wrk >/dev/null || { echo "run.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "run.sh: build first: cargo build --release -p probity" >&2; exit 1; }

if [ -n "${DB:-}" ]; then
  "$BIN" --db "$DB" bench web --dir "$DIR" --people "$PEOPLE" --sessions "$SESSIONS"
  export PROBITY_DB="$DB"
else
  "$BIN" bench web --dir "$DIR" --people "$PEOPLE" --sessions "$SESSIONS"
  export PROBITY_DB="sqlite://$DIR/probity.db"
fi
export PROBITY_KEY_FILE="$DIR/probity.keys"

"${SERVE_WITH:-$BIN}" --quiet serve --bind "127.0.0.1:$PORT" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break
  sleep 0.1
done

# The server's CPU seconds (user + system), to say how many cores it kept busy.
TICKS=$(getconf CLK_TCK)
cpu() { awk -v t="$TICKS" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$SERVER/stat"; }
busy() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { printf "server: %.2f cores busy\n", (b - a) / s }'; }

echo "== $CONNECTIONS sessions loading /me and /file and saving drafts, ${DURATION} s"
before=$(cpu)
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$LUA/pages.lua" "http://127.0.0.1:$PORT" \
  -- "$DIR" "$CONNECTIONS" "$THREADS" | grep -E '^(pages|latency|  Socket)' || true
busy "$before" "$(cpu)" "$DURATION"

for only in me file draft; do
  echo "== the same, $only alone, 5 s"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA/pages.lua" "http://127.0.0.1:$PORT" \
    -- "$DIR" "$CONNECTIONS" "$THREADS" "$only" | grep -E '^(pages|latency|  Socket)' || true
done

echo "== report submissions over $CONNECTIONS connections, ${SUBMIT_DURATION} s"
before=$(cpu)
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SUBMIT_DURATION}s" -s "$LUA/submit.lua" "http://127.0.0.1:$PORT" \
  -- "$DIR" "$((CONNECTIONS + 1))" "$THREADS" | grep -E '^(submissions|latency|  Socket)' || true
busy "$before" "$(cpu)" "$SUBMIT_DURATION"

kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
trap - EXIT
echo "== audit chain"
"$BIN" audit verify
