#!/usr/bin/env bash
# A population run from NDJSON: `assess` on N synthetic patients (a Patient and the four findings
# at T12, every fifth also at L1, one resource a line), the whole command timed (JVM start, rules
# compiled, NDJSON read, mapped, assessed, RiskAssessments written): median of RUNS runs, and the
# same for one patient, so that the patients a second past start-up can be worked out; then the
# CPU (user + sys, both cores) of one run of each, which a busy machine inflates less than time.
# Usage: bench/population-ndjson.sh [RUNS] [N]   (after: mvn -B -q package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
n=${2:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" > "$work/population.ndjson" <<'EOF'
import json, sys
n = int(sys.argv[1])
F = "https://fhir.refracture-cds.org/CodeSystem/pvp-findings"
NPEC = ["none", "upper", "lower", "upper-and-lower"]
def finding(pid, oid, code, snomed, value):
    o = {"resourceType": "Observation", "id": oid, "status": "final",
         "code": {"coding": [{"system": F, "code": code}]}, "subject": {"reference": "Patient/" + pid},
         "effectiveDateTime": "2025-03-06", "bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": snomed}]}}
    o.update(value)
    return o
out = sys.stdout
for i in range(n):
    pid = "syn%d" % i
    out.write(json.dumps({"resourceType": "Patient", "id": pid, "birthDate": "%d-03-14" % (1935 + i % 30)}) + "\n")
    for level, snomed in [("t12", "280849005")] + ([("l1", "61032001")] if i % 5 == 0 else []):
        k = i + (level == "l1")
        for code, value in [("intravertebral-cleft", {"valueBoolean": k % 2 == 0}),
                            ("endplate-cortical-disruption", {"valueBoolean": k % 3 == 0}),
                            ("npec-pattern", {"valueCodeableConcept": {"coding": [{"system": "https://fhir.refracture-cds.org/CodeSystem/npec-pattern", "code": NPEC[k % 4]}]}}),
                            ("reduction-rate", {"valueQuantity": {"value": 5 + k % 30, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}})]:
            out.write(json.dumps(finding(pid, "%s-%s-%s" % (pid, level, code), code, snomed, value)) + "\n")
EOF
head -6 "$work/population.ndjson" > "$work/one.ndjson"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
time_ms() {
  local start end
  start=$(date +%s%N)
  java -jar target/pvp-refracture-cds.jar assess "$1" > "$work/out.ndjson"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
one=(); all=()
for i in $(seq "$runs"); do
  one+=($(time_ms "$work/one.ndjson"))
  all+=($(time_ms "$work/population.ndjson"))
done
lines=$(wc -l < "$work/out.ndjson")
[ "$lines" -eq "$n" ] || { echo "expected $n RiskAssessments, got $lines" >&2; exit 1; }
m_one=$(printf '%s\n' "${one[@]}" | median)
m_all=$(printf '%s\n' "${all[@]}" | median)
echo "assess, one patient: median ${m_one} ms; $n patients ($(wc -c < "$work/population.ndjson") bytes of NDJSON): median ${m_all} ms;" \
  "$(( n * 1000 / m_all )) patients a second for the whole command, $(( n * 1000 / (m_all - m_one > 0 ? m_all - m_one : 1) )) past start-up;" \
  "$runs runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
cpu() { /usr/bin/time -f "%U %S" java -jar target/pvp-refracture-cds.jar assess "$1" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
c_one=$(cpu "$work/one.ndjson")
c_all=$(cpu "$work/population.ndjson")
echo "CPU (user + sys): one patient ${c_one} s, $n patients ${c_all} s: $(awk -v a="$c_all" -v b="$c_one" -v n="$n" 'BEGIN {printf "%.0f", (a - b) * 1e6 / n}') us of CPU a patient past start-up"
