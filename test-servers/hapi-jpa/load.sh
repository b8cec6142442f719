#!/bin/sh
# Saves the resources of FHIR JSON files (a Bundle of any type, as examples/ holds, or one resource)
# on a FHIR server, each by its id (a transaction of PUTs: loading a file again changes nothing),
# and prints the server's answer for each. Stops at the first file it cannot save, saying why.
# Usage: test-servers/hapi-jpa/load.sh BASE FILE...   e.g. load.sh http://127.0.0.1:8090/fhir examples/*.json
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BASE FILE..." >&2; exit 2; }
base=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for file in "$@"; do
    python3 - "$file" > "$work/transaction.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
resources = [e["resource"] for e in doc.get("entry", []) if "resource" in e] if doc.get("resourceType") == "Bundle" else [doc]
entries = []
for r in resources:
    if "id" not in r:
        sys.exit(sys.argv[1] + ": a " + r.get("resourceType", "?") + " without id: give it one to save it by id")
    entries.append({"resource": r, "request": {"method": "PUT", "url": r["resourceType"] + "/" + r["id"]}})
json.dump({"resourceType": "Bundle", "type": "transaction", "entry": entries}, sys.stdout)
PY
    status=$(curl -sS -o "$work/answer.json" -w '%{http_code}' -X POST -H 'Content-Type: application/fhir+json' \
        --data-binary @"$work/transaction.json" "$base")
    if [ "$status" != 200 ]; then
        echo "$file: the server answered HTTP $status:" >&2
        cat "$work/answer.json" >&2
        echo >&2
        exit 1
    fi
    python3 -c 'import json, sys; [print(e["response"]["status"], e["response"].get("location", "")) for e in json.load(open(sys.argv[1])).get("entry", [])]' "$work/answer.json"
done
