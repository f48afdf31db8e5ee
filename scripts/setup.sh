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

bash scripts/demo-setup.sh --db var/catalyst.db --catalystd build/src/server/catalystd >/dev/null

nohup build/src/server/catalystd serve --listen "$listen" --db var/catalyst.db \
	>>var/catalystd.log 2>&1 </dev/null &
echo $! >var/catalystd.pid
for _ in $(seq 50); do
	curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://$listen/healthz" >/dev/null || {
	echo "catalystd did not start; see var/catalystd.log" >&2
	exit 1
}

# what the CLI needs to reach this server: the demo clients and the URLs
{
	cat var/demo-clients.env
	echo "CATALYST_AUTH_URL=http://$listen"
	echo "CATALYST_ADMIN_URL=http://$listen"
} >var/catalyst.env.tmp
chmod 600 var/catalyst.env.tmp
mv var/catalyst.env.tmp var/catalyst.env

. var/catalyst.env
cat <<MSG
catalystd is running on http://$listen (pid $(cat var/catalystd.pid), log var/catalystd.log)
  store: var/catalyst.db (SQLite)    data center: us
  demo account: ${DEMO_EMAIL:-demo@example.com} / password: ${DEMO_PASSWORD:-catalyst-demo}

Sign in and generate a token with our CLI:
  set -a; . var/catalyst.env; set +a
  build/src/client/catalyst login --no-localhost
  build/src/client/catalyst token:generate

The CLI prints a URL and a code: open http://$listen/device in a browser,
sign in with the demo account, enter the code and click Verify.
Stop the server with: kill \$(cat var/catalystd.pid)
MSG
