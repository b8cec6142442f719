#!/usr/bin/env bash
# Load benchmark of `serve` with wrk (Debian: apt-get install wrk) on loopback: 32 connections post
# the bundled order-sign request (a PVP order with the pre-op findings as prefetch) for 60 s after a
# 10 s warm-up, RUNS times; prints wrk's throughput, latency percentiles and non-200 count, and the
# server's peak resident memory (VmHWM) and its CPU time per request (user + system, from /proc: robust
# on a shared machine, where requests/s move with the other load).
# Usage: bench/serve-load.sh [CONNECTIONS] [SECONDS] [RUNS]; SERVE_JAVA_OPTS sets the server's JVM options
# (default -Xmx192m -XX:+UseParallelGC, as the README advises for production); SERVE_SETTINGS adds
# settings lines, e.g. SERVE_SETTINGS='validation: warn'; LOAD_SCRIPT picks the wrk script (default
# bench/post.lua; bench/post-unseen.lua sends Observations never seen before); SERVE_DATABASE a JDBC URL
# instead of a fresh H2 file (bench/serve-load-postgres.sh sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}; seconds=${2:-60}; runs=${3:-3}; port=18080
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
mvn -B -q package -DskipTests
data=$(mktemp -d)
printf 'database: "%s"\n%s\n' "${SERVE_DATABASE:-jdbc:h2:$data/pvp}" "${SERVE_SETTINGS:-}" > "$data/settings.yaml"
java ${SERVE_JAVA_OPTS:--Xmx192m -XX:+UseParallelGC} -jar target/pvp-refracture-cds.jar serve --port "$port" --config "$data/settings.yaml" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/cds-services" >/dev/null; do sleep 0.2; done
url="http://127.0.0.1:$port/cds-services/pvp-refracture-preop"
export BODY=examples/cds-hooks/order-sign.json
wrk -t2 -c"$connections" -d10s -s "${LOAD_SCRIPT:-bench/post.lua}" "$url" >/dev/null
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
for run in $(seq "$runs"); do
  echo "== run $run"
  before=$(cpu_ticks)
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "${LOAD_SCRIPT:-bench/post.lua}" "$url")
  ticks=$(( $(cpu_ticks) - before ))
  echo "$out" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in'
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t="$ticks" -v r="$requests" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "  server CPU per request: %.0f us\n", t / hz * 1e6 / r}'
done
grep -E 'VmHWM' "/proc/$server/status"
