#!/usr/bin/env bash
# scripts/pg-test-server.sh — start (or reuse) a throwaway PostgreSQL server
# on 127.0.0.1 for the store and server tests, and print its DSN on stdout:
#
#   export MODELGATE_TEST_POSTGRES=$(scripts/pg-test-server.sh)
#
# On a fresh Debian machine, run as root: it installs the postgresql package
# if no server binaries are present, runs initdb (-A trust) as the postgres
# user into a scratch directory and starts the server with pg_ctl on a free
# loopback port. Idempotent: a second call prints the DSN of the server the
# first call started. Stop it with: scripts/pg-test-server.sh stop
#
# Environment: MODELGATE_PG_DIR (default /tmp/modelgate-pg-test) holds the
# data directory, socket, log and port file.
set -euo pipefail
dir="${MODELGATE_PG_DIR:-/tmp/modelgate-pg-test}"
log() { echo "pg-test-server: $*" >&2; }

find_bin() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		log "PostgreSQL is not installed and we are not root: apt-get install -y postgresql"
		exit 1
	fi
	log "installing postgresql with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq postgresql >&2
	bin=$(find_bin)
fi

# Run a command as the postgres user when we are root (initdb refuses root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_ready() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$1" >/dev/null 2>&1; }
dsn() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

if [ "${1:-}" = "stop" ]; then
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
	fi
	exit 0
fi

# Reuse a running server.
if [ -f "$dir/port" ] && pg_ready "$(cat "$dir/port")"; then
	dsn "$(cat "$dir/port")"
	exit 0
fi

mkdir -p "$dir"
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
	chown postgres "$dir"
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
	rm -rf "$dir/data"
	log "initdb in $dir/data"
	as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >&2
fi

# A free loopback port: the first one nobody answers on.
port=""
for p in $(seq 54320 54420); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { log "no free port in 54320-54420"; exit 1; }

# A stale pid file from a killed server would stop pg_ctl.
rm -f "$dir/data/postmaster.pid"
log "starting PostgreSQL on 127.0.0.1:$port"
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2
echo "$port" >"$dir/port"
dsn "$port"
