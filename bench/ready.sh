#!/usr/bin/env bash
# JVM start to ready (issue 17): how long `serve` takes from its JVM's start until GET /health/ready
# answers 200 (rules loaded, database reachable, warmed: server/Server's warm-up), beside how long
# the "minimal app" (bench's JsonFloor: the same Javalin and Jetty, no work of its own) takes from its
# JVM's start until it answers a hook call. Each is started in turn, RUNS rounds, after one start of
# each that fills the caches (the compiled rules; bin/pvp-refracture-cds's class data sharing archive,
# which `serve` writes when it stops); prints every start and the medians, and the ratio to the floor.
# Usage: bench/ready.sh [RUNS]; SERVE_JAVA_OPTS as in serve-load.sh (every JVM).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}; port=18084
mvn -B -q package -DskipTests
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
work=$(mktemp -d)
export XDG_CACHE_HOME=$work/cache
opts=${SERVE_JAVA_OPTS:--Xmx192m -XX:+UseParallelGC}
printf 'database: "jdbc:h2:%s/pvp"\n' "$work" > "$work/settings.yaml"
body=examples/cds-hooks/order-sign.json
pid=
trap '[ -n "$pid" ] && { pkill -P "$pid"; kill "$pid"; } 2>/dev/null; rm -rf "$work"' EXIT

start() {
  case "$1" in
    floor) exec java $opts -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
             org.refracturecds.bench.JsonFloor "$port" "$work/answer.json" ;;
    jar) exec java $opts -jar target/pvp-refracture-cds.jar serve --port "$port" --config "$work/settings.yaml" ;;
    launcher) JAVA_OPTS="$opts" PVP_JAR=target/pvp-refracture-cds.jar exec bin/pvp-refracture-cds serve \
                --port "$port" --config "$work/settings.yaml" ;;
  esac
}
answered() {
  case "$1" in
    floor) curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' --data @"$body" \
             "http://127.0.0.1:$port/cds-services/pvp-refracture-preop" ;;
    *) curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready" ;;
  esac
}
# One start of VARIANT: prints the milliseconds from the JVM's start to its first good answer.
once() {
  local begin end
  begin=$(date +%s%N)
  start "$1" >/dev/null 2>&1 &
  pid=$!
  until answered "$1"; do
    kill -0 "$pid" 2>/dev/null || { echo "$1 stopped before it was ready" >&2; exit 1; }
    sleep 0.01
  done
  end=$(date +%s%N)
  if [ "$1" = jar ] && [ ! -f "$work/answer.json" ]; then
    curl -sf -X POST -H 'Content-Type: application/json' --data @"$body" \
      "http://127.0.0.1:$port/cds-services/pvp-refracture-preop" > "$work/answer.json"
  fi
  # The launcher's first start runs java as its child, and moves the archive into place once it ends.
  pkill -TERM -P "$pid" || kill "$pid"
  wait "$pid" 2>/dev/null || true; pid=
  echo $(( (end - begin) / 1000000 ))
}
variants=(floor jar launcher)
once jar >/dev/null
for v in floor launcher; do once "$v" >/dev/null; done
for v in "${variants[@]}"; do : > "$work/$v"; done
for i in $(seq "$runs"); do
  for v in "${variants[@]}"; do
    once "$v" | tee -a "$work/$v" | sed "s/^/round $i $v: /; s/$/ ms/"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
floor=$(median < "$work/floor")
echo "JVM start to ready, $runs rounds (load average at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
for v in "${variants[@]}"; do
  m=$(median < "$work/$v")
  awk -v v="$v" -v m="$m" -v f="$floor" 'BEGIN {
    name = v == "floor" ? "the minimal app (JsonFloor)" : v == "jar" ? "serve, java -jar" : "serve, bin/pvp-refracture-cds"
    printf "  %-32s median %6d ms   %.2fx the minimal app\n", name, m, m / f}'
done
