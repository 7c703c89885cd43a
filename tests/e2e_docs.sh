#!/bin/bash
# The demo catalogue doc/demos.md and the README's list of demos cannot
# drift from the binary: regenerate both (doc/tools/gen-demos.sh, as
# `make docs` does) and compare everything but the sample runs, which are
# measured and vary: demos, summaries, lessons, parameters with their
# defaults and ranges, result keys.
set -u
SIMUL=${SIMUL:-build/simul}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -f doc/demos.md ] || fail "doc/demos.md is missing: run make docs"
cp README.md "$tmp/README.md"
bash doc/tools/gen-demos.sh "$SIMUL" "$tmp/demos.md" "$tmp/README.md" || fail "doc/tools/gen-demos.sh failed"

# What is left once the sample runs are cut out.
checked() {
	awk '/^<!-- sample run/ { skip = 1 } !skip { print } /^<!-- end of sample run -->/ { skip = 0 }' "$1"
}
checked doc/demos.md >"$tmp/committed"
checked "$tmp/demos.md" >"$tmp/fresh"

# The generator really ran every demo: each has a section and a sample run.
for d in $("$SIMUL" --list | awk '{ print $1 }'); do
	grep -qxF "### $d" "$tmp/fresh" || fail "no section for $d"
	grep -qF "\`simul $d --plain" "$tmp/fresh" || fail "no sample run of $d"
done
[ "$(grep -c '^<!-- sample run' "$tmp/demos.md")" -gt "$("$SIMUL" --list | wc -l)" ] ||
	fail "fewer sample runs than demos"

if ! diff -u "$tmp/committed" "$tmp/fresh" >"$tmp/diff"; then
	head -40 "$tmp/diff"
	fail "doc/demos.md is out of date: run 'make docs' and commit it"
fi
if ! diff -u README.md "$tmp/README.md" >"$tmp/diff"; then
	cat "$tmp/diff"
	fail "README.md's list of demos is out of date: run 'make docs' and commit it"
fi
echo "doc/demos.md and README.md match the binary ($("$SIMUL" --list | wc -l) demos)"
