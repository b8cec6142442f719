#!/usr/bin/env bash
# The service beside its "JSON floor" (issue 17): the bundled order-sign call posted by wrk on
# CONNECTIONS connections to `serve` and to bench's JsonFloor (the same Javalin and Jetty, parsing
# the call with Jackson and answering the service's own answer from a JsonNode), alternately, RUNS
# times SECONDS each, after a warm-up of each (WARM_UP seconds, default 10); prints each run and the
# ratios of the medians: throughput (service / floor), p99 (service / floor), server CPU per request.
# The service's JIT is still compiling minutes into a load (docs/PERFORMANCE.md, "How long the service
# takes to warm"): WARM_UP=120 measures it warm, as the floor is after a few seconds.
# FLOORS="hapi assess rules" adds JsonFloor's other floors to the rotation (the same call also parsed into
# HAPI's model; and the rules and model run in Drools on facts mapped once; and the findings mapped on each call
# too) and prints each beside the JSON floor.
# Usage: [WARM_UP=S] [FLOORS=...] bench/floor.sh [CONNECTIONS] [SECONDS] [RUNS]; SERVE_JAVA_OPTS as in
# serve-load.sh (every JVM).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-32}; seconds=${2:-20}; runs=${3:-3}; service_port=18082; floor_port=18083
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
data=$(mktemp -d)
printf 'database: "jdbc:h2:%s/pvp"\n' "$data" > "$data/settings.yaml"
opts=${SERVE_JAVA_OPTS:--Xmx192m -XX:+UseParallelGC}
java $opts -jar target/pvp-refracture-cds.jar serve --port "$service_port" --config "$data/settings.yaml" >/dev/null 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "http://127.0.0.1:$service_port/cds-services" >/dev/null; do sleep 0.2; done
path=/cds-services/pvp-refracture-preop
export BODY=examples/cds-hooks/order-sign.json
curl -sf -X POST -H 'Content-Type: application/json' --data @"$BODY" "http://127.0.0.1:$service_port$path" > "$data/answer.json"
classpath="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
# Each floor: its name, its port, its process.
floors=(json ${FLOORS:-}); pids=()
for name in ${FLOORS:-}; do
  case $name in hapi|assess|rules) ;; *) echo "no floor $name: FLOORS takes hapi, assess and rules" >&2; exit 2 ;; esac
done
for i in "${!floors[@]}"; do
  java $opts -cp "$classpath" org.refracturecds.bench.JsonFloor $((floor_port + i)) "$data/answer.json" "${floors[$i]}" \
    >/dev/null 2>&1 &
  pids+=($!)
done
trap 'kill $service ${pids[*]} 2>/dev/null; rm -rf "$data"' EXIT
for i in "${!floors[@]}"; do
  # Up to two minutes to start; a floor that stops, or answers anything but 200, ends the run.
  for try in $(seq 600); do
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data @"$BODY" "http://127.0.0.1:$((floor_port + i))$path" || true)
    [ "$status" = 200 ] && break
    if ! kill -0 "${pids[$i]}" 2>/dev/null || [ "$status" != 000 ] || [ "$try" = 600 ]; then
      echo "the ${floors[$i]} floor does not answer the call (HTTP $status)" >&2; exit 1
    fi
    sleep 0.2
  done
done

# One wrk run against PID's PORT: "requests/s p99-ms cpu-us-per-request"
measure() {
  local pid=$1 port=$2 duration=$3 before out ticks requests
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s bench/post.lua "http://127.0.0.1:$port$path")
  ticks=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - before ))
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$out" | awk -v t="$ticks" -v r="$requests" -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rps = $2}
    / 99%/ {p = $2; if (p ~ /us$/) p = p / 1000; else if (p ~ /ms$/) p = p + 0; else if (p ~ /s$/) p = p * 1000}
    END {printf "%.0f %.1f %.0f\n", rps, p, t / hz * 1e6 / r}'
}
measure "$service" "$service_port" "${WARM_UP:-10}s" >/dev/null
for i in "${!floors[@]}"; do
  measure "${pids[$i]}" $((floor_port + i)) "${WARM_UP:-10}s" >/dev/null
done
: > "$data/service"
for name in "${floors[@]}"; do : > "$data/$name"; done
for run in $(seq "$runs"); do
  measure "$service" "$service_port" "${seconds}s" | tee -a "$data/service" | sed "s/^/run $run service: /"
  for i in "${!floors[@]}"; do
    measure "${pids[$i]}" $((floor_port + i)) "${seconds}s" | tee -a "$data/${floors[$i]}" \
      | sed "s/^/run $run ${floors[$i]} floor: /"
  done
done
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for column in 1 2 3; do
  name=$(echo "requests/s p99-ms cpu-us-per-request" | cut -d' ' -f$column)
  f=$(cut -d' ' -f$column "$data/json" | median)
  for other in service ${FLOORS:-}; do
    s=$(cut -d' ' -f$column "$data/$other" | median)
    label=$other; [ "$other" = service ] || label="$other floor"
    awk -v n="$name" -v l="$label" -v s="$s" -v f="$f" \
      'BEGIN {printf "median %-20s %-12s %8s  JSON floor %8s  %s/floor %.2f\n", n, l, s, f, l, s / f}'
  done
done
