#!/usr/bin/env bash
# Runs one libFuzzer harness for ctest.
#   seeds: every committed seed once (crashes found earlier stay fixed)
#   fuzz:  CATALYST_FUZZ_SECONDS (default 20) of fuzzing on a copy of the
#          seeds in the build directory, so nothing is written to the repo
# Prints one line with the executions; a crash prints libFuzzer's report
# and where the input was saved, and fails the test.
set -euo pipefail
mode=$1 bin=$2 seeds=$3 work=$4 dict=${5:-}
name=$(basename "$bin")
common=(-rss_limit_mb="${CATALYST_FUZZ_RSS_MB:-1024}" -timeout=10)
[ -n "$dict" ] && common+=(-dict="$dict")

if [ "$mode" = seeds ]; then
	shopt -s nullglob
	files=("$seeds"/*)
	if [ ${#files[@]} -eq 0 ]; then
		echo "$name: no seeds in $seeds" >&2
		exit 1
	fi
	mkdir -p "$work"
	status=0
	"$bin" "${common[@]}" "${files[@]}" >"$work/seeds.log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		tail -n 80 "$work/seeds.log"
		echo "$name: CRASH on a committed seed (exit $status)"
		exit 1
	fi
	echo "$name: ${#files[@]} seed inputs, no crash"
	exit 0
fi

secs=${CATALYST_FUZZ_SECONDS:-20}
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
status=0
start=$SECONDS
"$bin" "${common[@]}" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 ||
	status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
line="$name: ${execs:-?} executions in $((SECONDS - start)) s, corpus $(ls "$seeds" | wc -l) -> $(ls "$work/corpus" | wc -l) inputs"
if [ "$status" -ne 0 ]; then
	tail -n 80 "$work/log"
	for f in "$work"/artifacts/*; do
		[ -e "$f" ] || continue
		echo "input: $f"
		od -c "$f" | head -n 20
	done
	line="$line, CRASH (exit $status; keep the input as a seed once fixed)"
	echo "$line" | tee "$work/summary"
	exit 1
fi
echo "$line, no crash" | tee "$work/summary"
