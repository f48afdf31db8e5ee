#!/usr/bin/env bash
# Creates the demo data in a catalystd store: org "Demo Org", the account
# demo@example.com (password $DEMO_PASSWORD, default catalyst-demo) as its
# member, projects alpha and beta, and the CLI's two public OAuth clients
# (device and browser: no secret; the browser flow uses PKCE). A catalystd
# serving this store without --directory describes itself, those clients
# included, at /.well-known/catalyst-directory, so the CLI needs one
# setting, CATALYST_DIRECTORY, and no client id or secret at all.
# demo.env (mode 0600) next to the store marks the work as done: running
# the script again changes nothing while it and the store exist.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/demo-setup.sh [--db PATH] [--catalystd PATH] [--env-file PATH]
                             [--url URL]

  --db PATH          SQLite store (default ./var/catalyst.db)
  --catalystd PATH   the catalystd binary (default $CATALYSTD, then
                     build/src/server/catalystd, then catalystd on PATH)
  --env-file PATH    the marker file (default: demo.env in the store's
                     directory); it holds DEMO_EMAIL, no secret
  --url URL          where catalystd will serve this store, for the sign-in
                     hints (default http://$CATALYST_LISTEN, else
                     http://127.0.0.1:8080)

Environment: DEMO_PASSWORD (default catalyst-demo), CATALYST_LISTEN.
EOF
}

die() {
	echo "demo-setup: $*" >&2
	exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
db=./var/catalyst.db
bin=${CATALYSTD:-}
env_file=
url=
while [ $# -gt 0 ]; do
	case $1 in
	--db) [ $# -ge 2 ] || die "--db needs a value"; db=$2; shift 2 ;;
	--db=*) db=${1#*=}; shift ;;
	--catalystd) [ $# -ge 2 ] || die "--catalystd needs a value"; bin=$2; shift 2 ;;
	--catalystd=*) bin=${1#*=}; shift ;;
	--env-file) [ $# -ge 2 ] || die "--env-file needs a value"; env_file=$2; shift 2 ;;
	--env-file=*) env_file=${1#*=}; shift ;;
	--url) [ $# -ge 2 ] || die "--url needs a value"; url=$2; shift 2 ;;
	--url=*) url=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 129 ;;
	esac
done

if [ -z "$bin" ]; then
	if [ -x "$root/build/src/server/catalystd" ]; then
		bin=$root/build/src/server/catalystd
	else
		bin=$(command -v catalystd) || die "no catalystd binary; build it or pass --catalystd PATH"
	fi
fi
[ -x "$bin" ] || die "'$bin' is not an executable catalystd"

case $db in
postgres://* | postgresql://*) die "this script seeds SQLite stores only (got a PostgreSQL URL)" ;;
sqlite:*) db_path=${db#sqlite:} ;;
*) db_path=$db ;;
esac
db_dir=$(dirname "$db_path")
mkdir -p "$db_dir"
[ -n "$env_file" ] || env_file=$db_dir/demo.env

email=demo@example.com
password=${DEMO_PASSWORD:-catalyst-demo}
[ -n "$url" ] || url=http://${CATALYST_LISTEN:-127.0.0.1:8080}
url=${url%/}
if [ -n "${DEMO_PASSWORD:-}" ]; then pw_hint="the one in DEMO_PASSWORD"; else pw_hint=$password; fi

cli=catalyst
[ -x "$root/build/src/client/catalyst" ] && cli=$root/build/src/client/catalyst

hints() {
	cat <<EOF
Demo data in $db_path (marker: $env_file).

Sign in with our CLI: it needs only where the directory is, which the
server serving this store answers itself (no client id or secret):
  export CATALYST_DIRECTORY=$url
  $cli login --no-localhost
then open $url/device, sign in as $email (password: $pw_hint),
enter the code and click Verify.
EOF
}

if [ -f "$env_file" ] && [ -f "$db_path" ]; then
	echo "demo data already set up (remove $env_file to create it again in a fresh store)"
	hints
	exit 0
fi

# everything below must succeed as a whole; say how to start over if not
trap 'echo "demo-setup: failed; remove $db_path (and its -wal/-shm files) to start over" >&2' ERR

"$bin" migrate --db "$db" >/dev/null

# the password goes through a pipe from a shell builtin: never in argv
user_id=$(printf '%s\n' "$password" |
	"$bin" user add --db "$db" --email "$email" --first-name Demo --last-name User)
org_id=$("$bin" org add --db "$db" --name "Demo Org" --member "$email")
for p in alpha beta; do
	"$bin" project add --db "$db" --org "$org_id" --name "$p" --type Live \
		--timezone Asia/Kolkata >/dev/null
done

# client add prints "client_id: ..."; a public client has no secret
field() {
	sed -n "s/^$1: //p"
}
m_id=$(field client_id < <("$bin" client add --db "$db" --name "Catalyst CLI" --kind device --public))
w_id=$(field client_id < <("$bin" client add --db "$db" --name "Catalyst CLI (browser)" --kind browser --public))
[ -n "$m_id" ] && [ -n "$w_id" ] || die "unexpected output from 'catalystd client add'"

tmp=$env_file.tmp.$$
(
	umask 077
	cat >"$tmp" <<EOF
# The catalystd demo (scripts/demo-setup.sh). The CLI needs only
# CATALYST_DIRECTORY: the server names its public clients itself.
DEMO_EMAIL=$email
EOF
)
chmod 600 "$tmp"
mv -f "$tmp" "$env_file"
trap - ERR

echo "created account $email ($user_id), org 'Demo Org' ($org_id), projects alpha and beta, the CLI's public device and browser clients"
hints
