#!/bin/bash
# Runs every unit-test binary given on the command line and every
# tests/e2e_*.sh script, each with a time limit, and prints one closing line
# "N passed, N failed". Check's own lines ("100%: Checks: 5, Failures: 0,
# Errors: 0") are shown as they come. Exit status 1 when anything failed.
# ONLY=REGEX (e.g. `make check ONLY='processes|e2e_cli'`) runs just the
# binaries and scripts whose names match, with the same environment.
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=()
limit=${TEST_TIME_LIMIT:-300}

only=${ONLY:-}
selected() { [ -z "$only" ] || [[ $1 =~ $only ]]; }

for t in "$@"; do
	name=$(basename "$t")
	selected "$name" || continue
	out=$(timeout -k 5 "$limit" "$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^[0-9]+%: Checks:|:[EF]:' | sed "s/^/$name: /"
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks:' | tail -1)
	if [ -n "$line" ]; then
		n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		passed=$((passed + n - f - e))
		failed=$((failed + f + e))
	fi
	if [ $rc -ne 0 ]; then
		[ -z "$line" ] && failed=$((failed + 1))
		failures+=("$name (exit $rc)")
		[ $rc -eq 124 ] && echo "$name: timed out after ${limit}s"
	fi
done

for s in tests/e2e_*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "$s")
	selected "$name" || continue
	if out=$(timeout -k 5 "$limit" bash "$s" 2>&1); then
		echo "$name: ok"
		passed=$((passed + 1))
	else
		echo "$out" | tail -25 | sed "s/^/$name: /"
		echo "$name: FAILED"
		failed=$((failed + 1))
		failures+=("$name")
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
