#!/usr/bin/env bash
# bench/serve-load.sh against a PostgreSQL on this machine instead of the embedded H2: starts a
# throw-away PostgreSQL cluster (Debian's binaries, apt-get install postgresql; as root it runs in a
# user namespace of its own with `unshare -U`, since PostgreSQL refuses to run as root), points the
# service at it and runs the same load. Arguments as bench/serve-load.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is needed: apt-get install postgresql" >&2; exit 1; }
data=$(mktemp -d); chmod 777 "$data"; port=15432
run() { if [ "$(id -u)" = 0 ]; then unshare -U "$@"; else "$@"; fi; }
run "$bin/initdb" -D "$data/pg" -U pvp -A trust >/dev/null
run "$bin/pg_ctl" -D "$data/pg" -o "-p $port -k $data -c listen_addresses=127.0.0.1" -l "$data/pg.log" -w start >/dev/null
trap 'run "$bin/pg_ctl" -D "$data/pg" -m fast stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
run "$bin/createdb" -h 127.0.0.1 -p "$port" -U pvp pvp
SERVE_DATABASE="jdbc:postgresql://127.0.0.1:$port/pvp" SERVE_SETTINGS="databaseUser: pvp
${SERVE_SETTINGS:-}" bench/serve-load.sh "$@"
