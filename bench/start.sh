#!/usr/bin/env bash
# A command's whole run, JVM start to exit, in the ways it can be started, alternately (one run of
# each in turn, RUNS rounds): the median wall time and the median CPU (user + sys, all threads,
# JIT compilers included) of each. On a shared machine compare the CPU; wall times wait for cores.
#   bench/start.sh [RUNS] [COMMAND ARGS...]     default: 5 assess examples/cleft-no-endplate-contact.json
#   BEFORE_JAR=/tmp/old.jar bench/start.sh 5    also a jar of an earlier build, started plainly
# (after: mvn -B -q package -DskipTests). The caches are throw-away folders, filled by one run first.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
if [ $# -eq 0 ]; then set -- assess examples/cleft-no-endplate-contact.json; fi
jar=target/pvp-refracture-cds.jar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
variants=("no rules cache" "rules cache" "bin/pvp-refracture-cds")
if [ -n "${BEFORE_JAR:-}" ]; then variants=("before (BEFORE_JAR)" "${variants[@]}"); fi
run() {
  case "$1" in
    "before (BEFORE_JAR)") PVP_RULES_CACHE=off java -jar "$BEFORE_JAR" "${@:2}" ;;
    "no rules cache") PVP_RULES_CACHE=off java -jar "$jar" "${@:2}" ;;
    "rules cache") java -jar "$jar" "${@:2}" ;;
    "bin/pvp-refracture-cds") PVP_JAR=$jar bin/pvp-refracture-cds "${@:2}" ;;
  esac
}
run "rules cache" "$@" > /dev/null
run "bin/pvp-refracture-cds" "$@" > /dev/null
for v in "${variants[@]}"; do : > "$work/${v//[^a-z]/_}"; done
for i in $(seq "$runs"); do
  for v in "${variants[@]}"; do
    /usr/bin/time -f "%e %U %S" -o "$work/time" bash -c "$(declare -f run); export BEFORE_JAR=${BEFORE_JAR:-} jar=$jar; run \"\$@\"" _ "$v" "$@" > /dev/null
    cat "$work/time" >> "$work/${v//[^a-z]/_}"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
echo "$*, $runs runs each, alternately (load average at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
for v in "${variants[@]}"; do
  f="$work/${v//[^a-z]/_}"
  wall=$(awk '{print $1}' "$f" | median)
  cpu=$(awk '{print $2 + $3}' "$f" | median)
  printf '  %-24s median wall %6.2f s   median CPU %6.2f s\n' "$v" "$wall" "$cpu"
done
