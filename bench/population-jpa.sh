#!/usr/bin/env bash
# A population run by paged searches (`assess --fhir-server`, issue 13) against the HAPI FHIR JPA
# server the tests use (test-servers/hapi-jpa: HAPI FHIR 8.8.0, H2 in memory), started here with
# the JVM's defaults (the tests start it with the first JIT tier only). N synthetic patients (as
# bench/synthetic-population.py writes them) are put on it in transactions of 1,000 resources, then
# assessed without --write-back, with it (each level's RiskAssessment created), and with it again
# (each found unchanged). Prints for each run its wall time, the patients a second, and the CPU of
# each side (user + sys, from /proc): where the time goes.
# Usage: bench/population-jpa.sh [N]; ASSESS_JAVA_OPTS adds options to each `assess` JVM (LABEL in them is
# replaced by the run's name, e.g. -XX:StartFlightRecording=filename=/tmp/LABEL.jfr). The jars are built if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
jar=test-servers/hapi-jpa/target/hapi-jpa-test-server.jar
[ -f "$jar" ] || (cd test-servers/hapi-jpa && mvn -B -q package -DskipTests && mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
[ -f target/pvp-refracture-cds.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
java -Xmx1g -cp "$jar:$(cat test-servers/hapi-jpa/target/classpath.txt)" org.refracturecds.testserver.JpaTestServer \
  "$work/port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
until [ -s "$work/port" ]; do sleep 0.5; kill -0 $server || { cat "$work/server.log"; exit 1; }; done
base="http://127.0.0.1:$(cat "$work/port")/fhir"
python3 bench/synthetic-population.py "$n" jb | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
for b, start in enumerate(range(0, len(lines), 1000)):
    entries = []
    for line in lines[start:start + 1000]:
        r = json.loads(line)
        entries.append({"resource": r, "request": {"method": "PUT", "url": r["resourceType"] + "/" + r["id"]}})
    with open("%s/tx%04d.json" % (sys.argv[1], b), "w") as f:
        json.dump({"resourceType": "Bundle", "type": "transaction", "entry": entries}, f)
' "$work"
since=$(date -u -d '-2 seconds' +%Y-%m-%dT%H:%M:%SZ)
start=$(date +%s%N)
for tx in "$work"/tx*.json; do
  curl -sf -o /dev/null -H 'Content-Type: application/fhir+json' --data-binary @"$tx" "$base"
done
echo "$n patients put on the JPA server in $(( ($(date +%s%N) - start) / 1000000 )) ms"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() { # LABEL ARGS...: one `assess` run, timed, its CPU and the server's
  local label=$1 before after start end client opts=${ASSESS_JAVA_OPTS:-}
  shift
  before=$(ticks $server)
  start=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$work/time" java ${opts//LABEL/$label} -jar target/pvp-refracture-cds.jar assess --fhir-server "$base" \
    --since "$since" --out "$work/out-$label.ndjson" --state "$work/state-$label" "$@" 2> "$work/err-$label" || true
  end=$(date +%s%N); after=$(ticks $server)
  client=$(awk '{print $1 + $2}' "$work/time")
  echo "$label: $(( (end - start) / 1000000 )) ms, $(awk -v n="$n" -v ms="$(( (end - start) / 1000000 ))" 'BEGIN {printf "%.0f", n * 1000 / ms}') patients a second;" \
    "CPU: assess $client s, server $(awk -v t="$(( after - before ))" -v hz="$hz" 'BEGIN {printf "%.1f", t / hz}') s;" \
    "$(wc -l < "$work/out-$label.ndjson") RiskAssessments"
  grep -E 'patients with findings|Written back' "$work/err-$label" | sed 's/^/  /'
}
run searches
run write-back --write-back
run write-back-again --write-back
