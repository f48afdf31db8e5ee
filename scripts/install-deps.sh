#!/usr/bin/env bash
# Installs the Debian packages that building and testing catalyst need.
# Used by scripts/setup.sh and .ci/run; safe to run again.
set -euo pipefail

packages=(
	build-essential cmake pkg-config git ca-certificates
	libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev libpq-dev
	libcurl4-openssl-dev zlib1g-dev libcmocka-dev
	sqlite3 python3 curl procps scdoc
)
# test- and benchmark-only tools
if [ "${1:-}" = "--test" ]; then
	packages+=(wrk hyperfine postgresql nginx chromium clang-format clang libclang-rt-14-dev prometheus)
	packages+=(lintian dpkg-dev fakeroot file systemd) # tests/install: packages built, checked, verified
	packages+=(man-db groff-base zsh fish) # man pages rendered, completion scripts loaded
	command -v node >/dev/null 2>&1 || packages+=(nodejs)
	command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
