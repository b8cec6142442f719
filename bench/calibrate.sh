#!/usr/bin/env bash
# calibrate on 10,000 synthetic treated vertebrae, the whole command timed (JVM start, rules
# compiled, cohort read, assessed, fitted, plot and report written): median and p99 of RUNS runs.
# Usage: bench/calibrate.sh [RUNS] [N]   (after: mvn -B -q package -DskipTests && mvn -B -q test-compile)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
n=${2:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java -cp target/test-classes:target/classes org.refracturecds.calibration.SyntheticCohort "$n" 0.5 0.9 1 > "$work/cohort.csv"
times=()
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  java -jar target/pvp-refracture-cds.jar calibrate "$work/cohort.csv" --out "$work/out" > /dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}')
p99=$(echo "$sorted" | awk '{a[NR]=$1} END {i=int(0.99*NR+0.999); if (i<1) i=1; print a[i]}')
echo "calibrate, $n treated vertebrae, $runs runs: median ${median} ms, p99 ${p99} ms (load average $(cut -d' ' -f1-3 /proc/loadavg))"
