#!/usr/bin/env bash
# One command from a fresh Debian machine to a running catalystd: installs
# what is missing, builds, creates the demo data on the SQLite default and
# starts the server in the background (pid in var/catalystd.pid, log in
# var/catalystd.log). Run it again to rebuild and restart.
set -euo pipefail
cd "$(dirname "$0")/.."

listen=${CATALYST_LISTEN:-127.0.0.1:8080}

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p var
chmod 700 var

if [ -f var/catalystd.pid ] && kill -0 "$(cat var/catalystd.pid)" 2>/dev/null; then
	echo "stopping the running catalystd (pid $(cat var/catalystd.pid))"
	kill "$(cat var/catalystd.pid)"
	for _ in $(seq 50); do
		kill -0 "$(cat var/catalystd.pid)" 2>/dev/null || break
		sleep 0.1
	done
fi

# a demo store from before the CLI's clients were public has none the
# directory could name: keep it aside and seed a new one
if [ -f var/demo-clients.env ] && [ ! -f var/demo.env ]; then
	echo "moving the old demo store (confidential clients only) to var/catalyst.db.old"
	for f in var/catalyst.db var/catalyst.db-wal var/catalyst.db-shm; do
		[ ! -f "$f" ] || mv -f "$f" "${f/catalyst.db/catalyst.db.old}"
	done
	rm -f var/demo-clients.env
fi

bash scripts/demo-setup.sh --db var/catalyst.db --catalystd build/src/server/catalystd >/dev/null

# no --directory: the server describes itself (its DC, its URL, the public
# CLI clients demo-setup registered), so the CLI needs only its URL. The port
# it really listens on comes from --port-file (CATALYST_LISTEN may say :0).
rm -f var/catalystd.port
nohup build/src/server/catalystd serve --listen "$listen" --db var/catalyst.db \
	--port-file var/catalystd.port >>var/catalystd.log 2>&1 </dev/null &
echo $! >var/catalystd.pid
url=
for _ in $(seq 100); do
	if [ -s var/catalystd.port ]; then
		url=http://${listen%:*}:$(cat var/catalystd.port)
		curl -fsS "$url/healthz" >/dev/null 2>&1 && break
	fi
	sleep 0.1
done
[ -n "$url" ] && curl -fsS "$url/healthz" >/dev/null || {
	echo "catalystd did not start; see var/catalystd.log" >&2
	exit 1
}
# the URL the server itself publishes for its DC (its --public-url)
dir_url=$(curl -fsS "$url/.well-known/catalyst-directory" |
	sed -n 's/.*"url": *"\([^"]*\)".*/\1/p')
[ -n "$dir_url" ] || {
	echo "catalystd serves no directory at $url; see var/catalystd.log" >&2
	exit 1
}

# what the CLI needs: where the directory is, nothing else (no client id,
# no secret: the CLI's clients are public and named by the directory)
echo "CATALYST_DIRECTORY=$url" >var/catalyst.env.tmp
chmod 600 var/catalyst.env.tmp
mv var/catalyst.env.tmp var/catalyst.env

cat <<MSG
catalystd is running on $url (pid $(cat var/catalystd.pid), log var/catalystd.log)
  directory: $url/.well-known/catalyst-directory (data center us at $dir_url)
  store: var/catalyst.db (SQLite)
  demo account: demo@example.com / password: ${DEMO_PASSWORD:-catalyst-demo}

Sign in and generate a token with our CLI (its one setting, in var/catalyst.env):
  export CATALYST_DIRECTORY=$url
  build/src/client/catalyst login --no-localhost
  build/src/client/catalyst token:generate

The CLI prints a URL and a code: open $dir_url/device in a browser,
sign in with the demo account, enter the code and click Verify.
Stop the server with: kill \$(cat var/catalystd.pid)
MSG
