#!/bin/bash
# The command line as a user meets it: help, version, list, --plain into a
# pipe, the JSON report, and every kind of bad input: one line on stderr that
# names the problem and what is allowed, exit status 2, nothing run.
set -u
SIMUL=${SIMUL:-build/simul}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SIMUL" --help | grep -q -- '--plain' || fail "--help does not document --plain"
"$SIMUL" --version | grep -Eq '^simul [0-9]+\.[0-9]+' || fail "--version"
"$SIMUL" --list | grep -Eq '^threads/interleave +two threads' || fail "--list lacks threads/interleave"
"$SIMUL" --list-params threads/interleave | grep -q 'pause_ms' || fail "--list-params"

# --plain works with stdout not a terminal, and shows the lanes and lines.
out=$("$SIMUL" threads/interleave --plain --ascii --width 90 -s pause_ms=10 | cat)
for want in '^numbers ' '^letters ' 'Number 5' 'Letter e' 'legend:' 'time in each state'; do
	echo "$out" | grep -Eq "$want" || fail "--plain output lacks '$want'"
done
[ "$(echo "$out" | awk '{ if (length($0) > 90) print }' | wc -l)" -eq 0 ] || fail "--plain wider than --width"

# The report is JSON with the documented keys.
"$SIMUL" threads/interleave --report "$tmp/r.json" -s pause_ms=5 >/dev/null || fail "--report exit status"
if command -v python3 >/dev/null; then
	python3 - "$tmp/r.json" <<'PY' || fail "report keys"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("demo", "params", "wall_ms", "cpu_ms", "tasks", "results"):
    assert k in r, k
assert r["demo"] == "threads/interleave"
assert r["params"]["pause_ms"] == 5
names = sorted(t["name"] for t in r["tasks"])
assert names == ["letters", "main", "numbers"], names
for t in r["tasks"]:
    for k in ("name", "kind", "pid", "tid", "start_ms", "end_ms", "states_ms", "marks"):
        assert k in t, k
    life = t["end_ms"] - t["start_ms"]
    assert abs(sum(t["states_ms"].values()) - life) <= 0.01 * life + 0.01, t
nums = [m["text"] for t in r["tasks"] if t["name"] == "numbers" for m in t["marks"]]
assert nums == ["Number %d" % i for i in range(1, 6)], nums
PY
else
	grep -q '"states_ms"' "$tmp/r.json" || fail "report lacks states_ms"
fi
"$SIMUL" threads/interleave --report - -s pause_ms=1 | grep -q '"demo": "threads/interleave"' || fail "--report -"

# Bad input: exit 2, exactly one line on stderr, nothing on stdout.
bad() {
	local want=$1; shift
	"$SIMUL" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "'$*' exited $rc, not 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*' printed $(wc -l <"$tmp/err") lines on stderr"
	[ ! -s "$tmp/out" ] || fail "'$*' printed on stdout"
	grep -q -- "$want" "$tmp/err" || fail "'$*' said '$(cat "$tmp/err")', wanted '$want'"
}
bad "closest: threads/interleave" threads/interleav --plain
bad "unknown demo 'nope'" nope --plain
bad "unknown parameter 'bogus'; allowed: pause_ms, count" threads/interleave --plain -s bogus=1
bad "out of range; allowed: a whole number 0..5000 ms" threads/interleave --plain -s pause_ms=99999
bad "not a whole number" threads/interleave --plain -s count=two
bad "expected KEY=VALUE" threads/interleave --plain -s pause_ms
bad "unknown option '--bogus'" --bogus
bad "needs a value" threads/interleave --report
bad "--width" threads/interleave --plain --width 5
bad "--seed" threads/interleave --plain --seed -4
bad "--theme" threads/interleave --theme neon
bad "unexpected argument" threads/interleave extra --plain
bad "--report $tmp/no/such/dir/r.json" threads/interleave --report "$tmp/no/such/dir/r.json"
bad "--worker" --worker nosuchmodule

# Ctrl-C (SIGINT) in batch mode stops the demo, still prints, exits 130.
# Wait until the demo runs: its two printer threads exist beside the main,
# sampler and scenario threads (so the signal meets the run, not start-up).
"$SIMUL" threads/interleave --plain -s pause_ms=2000 >"$tmp/int" 2>&1 &
pid=$!
for _ in $(seq 1 500); do
	[ "$(ls "/proc/$pid/task" 2>/dev/null | wc -l)" -ge 5 ] && break
	sleep 0.01
done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "SIGINT gave exit $rc, not 130"
grep -q 'numbers' "$tmp/int" || fail "SIGINT: nothing recorded was printed"
echo "cli: ok"
