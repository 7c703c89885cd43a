#!/bin/bash
# Runs every unit-test binary given on the command line and every
# tests/e2e_*.sh script, each with a time limit, and prints one closing line
# "N passed, N failed, N skipped". Check's own lines ("100%: Checks: 5,
# Failures: 0, Errors: 0") are shown as they come. Exit status 1 when
# anything failed. ONLY=REGEX (e.g. `make check ONLY='processes|e2e_cli'`)
# runs just the binaries and scripts whose names match, with the same
# environment.
#
# Skips: a test that cannot check what it is for says so; it never passes
# in silence.
#  - An e2e script prints one line `SKIP: REASON` and exits with status 77
#    (the automake convention); tests/lib.sh has `skip` and `need` for it.
#    A script that exits 77 counts as one skip, with or without the line.
#  - A unit test (Check has no skip) calls support_skip() (tests/support.h),
#    which prints `SKIP: TEST: REASON` and lets the test return: it counts
#    as skipped, not passed.
#  - Any other `SKIP:` line a passing script prints (a part of it that
#    could not run) counts as one more skip.
# Every skip is listed with its reason at the end. Two kinds of reason:
#  - "missing tool: ..." : a tool the Makefile's TEST_PKGS should have
#    installed is absent. Under CI=true each such skip fails the run.
#  - anything else, e.g. "machine busy: ..." (other programs used the
#    cores, measured from /proc/stat minus our own CPU): counted, shown,
#    never a failure; more than a few of them are called out.
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0
failed=0
skipped=0
failures=()
skips=()
missing=0
limit=${TEST_TIME_LIMIT:-300}
few=${TEST_FEW_SKIPS:-3}

only=${ONLY:-}
selected() { [ -z "$only" ] || [[ $1 =~ $only ]]; }

# note_skips NAME OUTPUT: remember the SKIP lines in OUTPUT; sets ns to
# how many there were.
note_skips() {
	local name=$1 line
	ns=0
	while IFS= read -r line; do
		line=${line#SKIP: }
		skips+=("$name: $line")
		case $line in "missing tool"* | *": missing tool"*) missing=$((missing + 1)) ;; esac
		ns=$((ns + 1))
	done < <(printf '%s\n' "$2" | grep -E '^SKIP: ')
}

for t in "$@"; do
	name=$(basename "$t")
	selected "$name" || continue
	out=$(timeout -k 5 "$limit" "$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^[0-9]+%: Checks:|:[EF]:|^SKIP: ' | sed "s/^/$name: /"
	note_skips "$name" "$out"
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks:' | tail -1)
	if [ -n "$line" ]; then
		n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		# A skipped test returned early: Check counted it as a pass.
		passed=$((passed + n - f - e - ns))
		failed=$((failed + f + e))
		skipped=$((skipped + ns))
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
	out=$(timeout -k 5 "$limit" bash "$s" 2>&1)
	rc=$?
	note_skips "$name" "$out"
	if [ $rc -eq 0 ]; then
		echo "$out" | grep -E '^SKIP: ' | sed "s/^/$name: /"
		echo "$name: ok"
		passed=$((passed + 1))
		skipped=$((skipped + ns))
	elif [ $rc -eq 77 ]; then
		echo "$out" | grep -E '^SKIP: ' | sed "s/^/$name: /"
		if [ "$ns" -eq 0 ]; then
			skips+=("$name: (no reason given)")
			ns=1
		fi
		echo "$name: skipped"
		skipped=$((skipped + ns))
	else
		echo "$out" | tail -25 | sed "s/^/$name: /"
		# The reason, in case the tail (a screen dump) hid it.
		why=$(echo "$out" | grep -m1 -E '^FAIL' | cut -c1-200)
		echo "$name: FAILED${why:+ ($why)}"
		failed=$((failed + 1))
		failures+=("$name")
	fi
done

if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skips[@]}"
fi
if [ "${CI:-}" = true ] && [ $missing -gt 0 ]; then
	echo "CI: $missing skip(s) for a missing tool: TEST_PKGS in the Makefile must install it"
	failed=$((failed + missing))
	failures+=("missing tools")
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
if [ $skipped -gt "$few" ]; then
	echo "note: $skipped skipped, more than a few: this run checked less than it should (reasons above)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
