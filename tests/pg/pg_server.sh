#!/usr/bin/env bash
# A private PostgreSQL server for the tests: its own cluster under STATE_DIR,
# a free port on 127.0.0.1 only, no Unix socket, a random password, run as
# the `postgres` system user when we are root (PostgreSQL refuses to run as
# root). Any failure exits non-zero with the server log: tests that need
# PostgreSQL must fail, never skip, when it cannot be started.
#
#   pg_server.sh start STATE_DIR         initdb (fresh) + start; writes
#                                        STATE_DIR/dsn: postgres://USER:PW@127.0.0.1:PORT
#   pg_server.sh stop STATE_DIR          pg_ctl stop -m fast (no error if not running)
#                                        and forget it (a /tmp cluster is removed)
#   pg_server.sh pause STATE_DIR         pg_ctl stop -m fast, keeping it for resume
#   pg_server.sh resume STATE_DIR        start the existing cluster again, same port
#   pg_server.sh createdb STATE_DIR NAME drop + create database NAME; prints its URL
#   pg_server.sh run-with-db STATE_DIR NAME CMD [ARG...]
#                                        createdb, then exec CMD ARG... URL
set -euo pipefail

die() {
	echo "pg_server.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
state=$2
shift 2

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$bindir" ] || bindir=$(pg_config --bindir 2>/dev/null || true)
fi
[ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
	die "no PostgreSQL server binaries (initdb, pg_ctl) found; install the Debian package 'postgresql' or set PG_BINDIR"

# Runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The cluster directory (data/, log, port) is owned by the server user,
# so it must be reachable by that user: under STATE_DIR if every parent
# lets it through, else under /tmp (STATE_DIR/cluster then names it).
cluster_dir() {
	if [ -f "$state/cluster" ]; then
		cat "$state/cluster"
	else
		echo "$state/pgcluster"
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

show_log() {
	local c
	c=$(cluster_dir)
	if [ -f "$c/log" ]; then
		echo "---- PostgreSQL log ($c/log) ----" >&2
		tail -n 40 "$c/log" >&2 || true
	fi
}

pg_start() {
	local c=$1
	as_owner "$bindir/pg_ctl" start -D "$c/data" -l "$c/log" -w -t 60 >/dev/null
}

is_running() {
	local c
	c=$(cluster_dir)
	[ -d "$c/data" ] && as_owner "$bindir/pg_ctl" status -D "$c/data" >/dev/null 2>&1
}

do_start() {
	local c port pw user tries
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 ||
			die "running as root, but there is no 'postgres' system user to run the server as (install the Debian package 'postgresql')"
	fi
	mkdir -p "$state"
	# a previous run's server, if any, must not keep the port or the files
	if is_running; then
		do_stop
	fi
	c=$(cluster_dir)
	if [ -e "$c" ]; then
		rm -rf "$c"
	fi
	rm -f "$state/cluster" "$state/dsn"
	c="$state/pgcluster"
	mkdir -m 0700 "$c"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$c"
		if ! runuser -u postgres -- test -w "$c"; then
			rmdir "$c"
			c=$(mktemp -d /tmp/catalyst-pg.XXXXXX)
			chown postgres: "$c"
			echo "$c" >"$state/cluster"
		fi
	fi
	pw=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
	user=catalyst
	(umask 077 && printf '%s\n' "$pw" >"$c/pwfile")
	[ "$(id -u)" -ne 0 ] || chown postgres: "$c/pwfile"
	if ! as_owner "$bindir/initdb" -D "$c/data" -U "$user" --pwfile="$c/pwfile" \
		--auth=scram-sha-256 --encoding=UTF8 --no-locale --no-sync \
		>"$state/initdb.log" 2>&1; then
		cat "$state/initdb.log" >&2
		die "initdb failed"
	fi
	rm -f "$c/pwfile"
	for tries in 1 2 3 4 5; do
		port=$(free_port)
		cat >>"$c/data/postgresql.conf" <<-EOF
			# catalyst tests (pg_server.sh), attempt $tries
			listen_addresses = '127.0.0.1'
			port = $port
			unix_socket_directories = ''
			max_connections = 200
			logging_collector = off
		EOF
		if pg_start "$c"; then
			(umask 077 && printf 'postgres://%s:%s@127.0.0.1:%s\n' "$user" "$pw" "$port" >"$state/dsn")
			echo "$port" >"$state/port"
			echo "PostgreSQL ($("$bindir/postgres" --version)) on 127.0.0.1:$port, cluster $c"
			return 0
		fi
		# most likely someone took the port between free_port and start
		sleep 0.2
	done
	show_log
	die "PostgreSQL did not start"
}

do_stop() {
	local c
	c=$(cluster_dir)
	if is_running; then
		as_owner "$bindir/pg_ctl" stop -D "$c/data" -m fast -w -t 60 >/dev/null ||
			{ show_log; die "pg_ctl stop failed"; }
	fi
}

# Stops for good: a cluster outside STATE_DIR (the /tmp fallback) is
# removed, one inside stays for a look until the next start.
do_finish() {
	do_stop
	if [ -f "$state/cluster" ]; then
		rm -rf "$(cat "$state/cluster")"
		rm -f "$state/cluster"
	fi
	rm -f "$state/dsn"
}

dsn() {
	[ -s "$state/dsn" ] || die "no PostgreSQL test server in '$state' (did the pg_start fixture fail?)"
	cat "$state/dsn"
}

do_createdb() {
	local name=$1 base
	[[ $name =~ ^[a-z][a-z0-9_]{0,40}$ ]] || die "bad database name '$name'"
	base=$(dsn)
	# the name is checked above, so it can go into the SQL text
	PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" "$base/postgres" -X -q -v ON_ERROR_STOP=1 \
		-c "DROP DATABASE IF EXISTS $name WITH (FORCE)" \
		-c "CREATE DATABASE $name" >/dev/null ||
		die "cannot create database '$name' on the test server"
	echo "$base/$name"
}

case $cmd in
start) do_start ;;
stop) do_finish ;;
pause)
	is_running || die "PostgreSQL is not running"
	do_stop
	;;
resume)
	c=$(cluster_dir)
	[ -d "$c/data" ] || die "no cluster in '$state'"
	pg_start "$c" || { show_log; die "PostgreSQL did not restart"; }
	;;
createdb)
	[ $# -eq 1 ] || usage
	do_createdb "$1"
	;;
run-with-db)
	[ $# -ge 2 ] || usage
	url=$(do_createdb "$1")
	shift
	exec "$@" "$url"
	;;
*) usage ;;
esac
