#!/usr/bin/env bash
# Latency of the FHIR operation Patient/{id}/$pvp-refracture-risk on loopback, the findings read from a
# real HAPI FHIR JPA server (the tests' test-servers/hapi-jpa, on loopback too) at every call: for each
# of 1 and 8 connections, wrk GETs the operation for SECONDS seconds after a 10 s warm-up, RUNS times,
# and prints requests/s and the latency percentiles (p50, p99) and the answers not 200.
# Usage: bench/operation-load.sh [SECONDS] [RUNS]   (wrk: apt-get install wrk; the JPA server is built
# by `mvn -B test` or `mvn -B test-compile`, which builds test-servers/hapi-jpa when it is stale)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}; runs=${2:-2}; port=18082
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath
data=$(mktemp -d)
java -cp "target/test-classes:target/classes:$(cat target/test.classpath)" org.refracturecds.bench.OperationServer \
  "$data/fhir-url" >"$data/fhir.log" 2>&1 &
fhir=$!
server=
trap 'kill $server $fhir 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
until [ -s "$data/fhir-url" ]; do kill -0 $fhir 2>/dev/null || { cat "$data/fhir.log"; exit 1; }; sleep 0.5; done
printf 'database: "jdbc:h2:%s/pvp"\nfhirServer:\n  url: "%s"\n' "$data" "$(cat "$data/fhir-url")" > "$data/settings.yaml"
java -Xmx192m -XX:+UseParallelGC -jar target/pvp-refracture-cds.jar serve --port "$port" --config "$data/settings.yaml" \
  >"$data/serve.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do sleep 0.2; done
url="http://127.0.0.1:$port/fhir/Patient/cleft/\$pvp-refracture-risk"
# The JPA server's first searches are slow (its own JIT and caches): call until it answers within the fetch budget.
for try in $(seq 30); do
  status=$(curl -s -o "$data/first.json" -w '%{http_code}' "$url")
  [ "$status" = 200 ] && break
  sleep 1
done
[ "$status" = 200 ] || { echo "the operation answered $status:"; cat "$data/first.json"; exit 1; }
wrk -t1 -c8 -d10s "$url" >/dev/null
for connections in 1 8; do
  for run in $(seq "$runs"); do
    out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$url")
    echo "== $connections connection(s), run $run (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "$out" | grep -E "^ +(50|99)%|Requests/sec|Non-2xx" || true
  done
done
