#!/usr/bin/env bash
# Normal calls while slow clients upload (issue 12): SLOW connections each send an order-sign call's
# headers and then its body one byte a second, reconnecting when the server closes them, while wrk posts
# the whole call on CONNECTIONS connections for SECONDS after a 10 s warm-up; prints wrk's throughput,
# latency percentiles and non-200 count, and how many slow connections were open at the end.
# Usage: bench/slow-clients.sh [SLOW] [CONNECTIONS] [SECONDS]; SERVE_JAVA_OPTS as in serve-load.sh;
# SERVE_SETTINGS adds settings lines (default: requestTimeoutMillis 600000, so that the slow
# connections stay open for the whole run instead of getting 408 after 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
slow=${1:-16}; connections=${2:-32}; seconds=${3:-30}; port=18081
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
mvn -B -q package -DskipTests
data=$(mktemp -d)
printf 'database: "jdbc:h2:%s/pvp"\n%s\n' "$data" "${SERVE_SETTINGS-requestTimeoutMillis: 600000}" > "$data/settings.yaml"
java ${SERVE_JAVA_OPTS:--Xmx192m -XX:+UseParallelGC} -jar target/pvp-refracture-cds.jar serve --port "$port" --config "$data/settings.yaml" >/dev/null 2>&1 &
server=$!
clients=()
trap 'kill "${clients[@]}" $server 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$port/cds-services" >/dev/null; do sleep 0.2; done
url="http://127.0.0.1:$port/cds-services/pvp-refracture-preop"
export BODY=examples/cds-hooks/order-sign.json
length=$(wc -c < "$BODY")

# One slow client: the headers, then a byte a second; a new connection when the server closes this one.
slow_client() {
  trap '' PIPE
  while true; do
    exec 3<>"/dev/tcp/127.0.0.1/$port" || { sleep 1; continue; }
    printf 'POST /cds-services/pvp-refracture-preop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n{' "$length" >&3
    while printf ' ' >&3 2>/dev/null; do sleep 1; done
    exec 3>&-
  done
}
wrk -t2 -c"$connections" -d10s -s bench/post.lua "$url" >/dev/null
for i in $(seq "$slow"); do
  slow_client &
  clients+=($!)
done
sleep 2
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/post.lua "$url" \
  | grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors|requests in'
echo "slow connections open: $(ss -tn state established "( dport = :$port )" | tail -n +2 | wc -l) (wrk's closed)"
