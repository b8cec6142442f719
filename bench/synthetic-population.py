"""N synthetic patients as NDJSON on standard output: a Patient and the four findings at T12, every
fifth also at L1, the values varied patient by patient (the benchmarks' population).
Usage: python3 bench/synthetic-population.py N [ID_PREFIX]"""
import json
import sys

n = int(sys.argv[1])
prefix = sys.argv[2] if len(sys.argv) > 2 else "syn"
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
    pid = "%s%d" % (prefix, i)
    out.write(json.dumps({"resourceType": "Patient", "id": pid, "birthDate": "%d-03-14" % (1935 + i % 30)}) + "\n")
    for level, snomed in [("t12", "280849005")] + ([("l1", "61032001")] if i % 5 == 0 else []):
        k = i + (level == "l1")
        for code, value in [("intravertebral-cleft", {"valueBoolean": k % 2 == 0}),
                            ("endplate-cortical-disruption", {"valueBoolean": k % 3 == 0}),
                            ("npec-pattern", {"valueCodeableConcept": {"coding": [{"system": "https://fhir.refracture-cds.org/CodeSystem/npec-pattern", "code": NPEC[k % 4]}]}}),
                            ("reduction-rate", {"valueQuantity": {"value": 5 + k % 30, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}})]:
            out.write(json.dumps(finding(pid, "%s-%s-%s" % (pid, level, code), code, snomed, value)) + "\n")
