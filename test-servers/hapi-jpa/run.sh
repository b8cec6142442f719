#!/bin/sh
# The HAPI FHIR JPA server the tests start (HAPI FHIR 8.8, R4, H2 in memory: what it holds is lost
# when it stops), in the foreground on 127.0.0.1:PORT, to try the module's FHIR server integration
# by hand (README "Trying it with a FHIR server"). Its base URL: http://127.0.0.1:PORT/fhir.
# Usage: test-servers/hapi-jpa/run.sh [PORT]   (default 8090; it starts in one to two minutes)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
port=${1:-8090}
if [ ! -f "$here/target/hapi-jpa-test-server.jar" ] || [ ! -f "$here/target/classpath.txt" ]; then
    mvn -B -q package -DskipTests -f "$here/pom.xml"
fi
ready=$(mktemp)
rm -f "$ready"
echo "HAPI FHIR JPA server starting on http://127.0.0.1:$port/fhir (Ctrl-C stops it)" >&2
exec java -Dserver.port="$port" -Xmx1g -cp "$here/target/hapi-jpa-test-server.jar:$(cat "$here/target/classpath.txt")" \
    org.refracturecds.testserver.JpaTestServer "$ready"
