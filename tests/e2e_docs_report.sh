#!/bin/bash
# doc/report.md cannot drift from --report: every key a real report writes
# (a run with marks and milestones, a failed run, a replayed run) is in the page's key table,
# and every key the table lists is written by one of those runs. The keys
# under params and results are each demo's own, listed in doc/demos.md.
set -u
SIMUL=${SIMUL:-build/simul}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
keys() { awk -f doc/tools/json-keys.awk "$@"; }

"$SIMUL" threads/gil -s work_ms=20 -s io_rounds=2 --report "$tmp/ok.json" --save "$tmp/run.save" >/dev/null ||
	fail "threads/gil --report"
"$SIMUL" --replay "$tmp/run.save" --report "$tmp/replay.json" >/dev/null || fail "--replay --report"
# A demo that fails, for the error key: loop/c10k refuses to start when the
# open-file limit leaves no descriptor for its connections.
(ulimit -n 40 && exec "$SIMUL" loop/c10k -s tasks=10 --report "$tmp/error.json") >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] || fail "loop/c10k with 40 descriptors exited $rc, not 1: cannot check the error key"

for f in ok replay error; do keys "$tmp/$f.json"; done | grep -Ev '^(params|results)\.' | sort -u >"$tmp/written"
grep -qx error "$tmp/written" || fail "the failed run's report has no error key"
# The table's rows: "| `key` | type | meaning |".
# shellcheck disable=SC2016
sed -n 's/^| `\([^`]*\)` |.*/\1/p' doc/report.md | sort -u >"$tmp/documented"
[ -s "$tmp/documented" ] || fail "no key table in doc/report.md"

missing=$(comm -23 "$tmp/written" "$tmp/documented")
[ -z "$missing" ] || fail "--report writes keys doc/report.md does not list: $(tr '\n' ' ' <<<"$missing")"
stale=$(comm -13 "$tmp/written" "$tmp/documented")
[ -z "$stale" ] || fail "doc/report.md lists keys no report wrote: $(tr '\n' ' ' <<<"$stale")"
for f in ok replay; do
	keys "$tmp/$f.json" | grep -Ev '^(params|results)\.' >"$tmp/$f.keys"
done
diff "$tmp/ok.keys" "$tmp/replay.keys" >/dev/null || fail "a replayed report's keys differ from the run's"
echo "doc/report.md lists the $(wc -l <"$tmp/written") keys --report writes"
