#!/usr/bin/env bash
# Builds catalyst twice, normally and with ASan+UBSan, and runs the whole
# test suite (unit, store contract, HTTP, end-to-end, reference-CLI interop)
# against each build; then builds the libFuzzer harnesses with clang and
# runs each for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

run_suite() {
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j2 --timeout 900)
}

echo "== test tools =="
# the README's test command must pass on a fresh machine by itself: nginx,
# PostgreSQL, Chromium, node, clang and the rest come from here
bash scripts/install-deps.sh --test

echo "== format =="
# the style is .clang-format; a file it would change fails the run
git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run --Werror

echo "== build and test: release =="
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCATALYST_BUILD_TESTS=ON

echo "== build and test: ASan + UBSan =="
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DCATALYST_SANITIZE=ON -DCATALYST_BUILD_TESTS=ON

echo "== fuzz: libFuzzer harnesses (clang, ASan + UBSan) =="
# each harness runs its committed seeds once, then fuzzes a copy of them
# for CATALYST_FUZZ_SECONDS (default 20); see docs/fuzzing.md
run_suite build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCATALYST_FUZZ=ON
cat build-fuzz/tests/fuzz/work/*/summary
