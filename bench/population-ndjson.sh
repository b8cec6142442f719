#!/usr/bin/env bash
# A population run from NDJSON: `assess` on N synthetic patients (a Patient and the four findings
# at T12, every fifth also at L1, one resource a line), the whole command timed (JVM start, rules
# compiled, NDJSON read, mapped, assessed, RiskAssessments written): median of RUNS runs, and the
# same for one patient, so that the patients a second past start-up can be worked out; then the
# CPU (user + sys, both cores) of one run of each, which a busy machine inflates less than time.
# It runs `assess` as a user would for a large file, through bin/pvp-refracture-cds (README: its
# class data archive, made by an untimed first run, and its JVM options); RUN="java -jar
# target/pvp-refracture-cds.jar" times the plain jar instead.
# Usage: bench/population-ndjson.sh [RUNS] [N]   (after: mvn -B -q package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
n=${2:-100000}
n2=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/synthetic-population.py "$n" > "$work/population.ndjson"
head -6 "$work/population.ndjson" > "$work/one.ndjson"
if [ -n "$n2" ]; then
  [ "$n2" -gt "$n" ] || { echo "N2 ($n2) must be larger than N ($n)" >&2; exit 2; }
  python3 bench/synthetic-population.py "$n2" > "$work/larger.ndjson"
fi
run=${RUN:-bin/pvp-refracture-cds}
$run assess "$work/one.ndjson" > /dev/null
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
time_ms() {
  local start end
  start=$(date +%s%N)
  $run assess "$1" > "$work/out.ndjson"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
written() {
  local lines
  lines=$(wc -l < "$work/out.ndjson")
  [ "$lines" -eq "$1" ] || { echo "expected $1 RiskAssessments, got $lines" >&2; exit 1; }
}
one=(); all=(); larger=()
for i in $(seq "$runs"); do
  one+=($(time_ms "$work/one.ndjson"))
  all+=($(time_ms "$work/population.ndjson"))
  written "$n"
  if [ -n "$n2" ]; then
    larger+=($(time_ms "$work/larger.ndjson"))
    written "$n2"
  fi
done
m_one=$(printf '%s\n' "${one[@]}" | median)
m_all=$(printf '%s\n' "${all[@]}" | median)
echo "assess, one patient: median ${m_one} ms; $n patients ($(wc -c < "$work/population.ndjson") bytes of NDJSON): median ${m_all} ms;" \
  "$(( n * 1000 / m_all )) patients a second for the whole command, $(( n * 1000 / (m_all - m_one > 0 ? m_all - m_one : 1) )) past start-up;" \
  "$runs runs of $run, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$n2" ]; then
  m_larger=$(printf '%s\n' "${larger[@]}" | median)
  echo "$n2 patients: median ${m_larger} ms, $(( n2 * 1000 / m_larger )) a second for the whole command;" \
    "between $n and $n2: $(( (n2 - n) * 1000 / (m_larger - m_all > 0 ? m_larger - m_all : 1) )) patients a second"
fi
cpu() { /usr/bin/time -f "%U %S" $run assess "$1" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
c_one=$(cpu "$work/one.ndjson")
c_all=$(cpu "$work/population.ndjson")
echo "CPU (user + sys): one patient ${c_one} s, $n patients ${c_all} s: $(awk -v a="$c_all" -v b="$c_one" -v n="$n" 'BEGIN {printf "%.0f", (a - b) * 1e6 / n}') us of CPU a patient past start-up"
