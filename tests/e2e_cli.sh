#!/bin/bash
# The command line as a user meets it: help, version, list, --plain into a
# pipe, the JSON report, and every kind of bad input: one line on stderr that
# names the problem and what is allowed, exit status 2, nothing run.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
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
"$PYTHON" - "$tmp/r.json" <<'PY' || fail "report keys"
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
"$SIMUL" threads/interleave --report - -s pause_ms=1 | grep -q '"demo": "threads/interleave"' || fail "--report -"

# Bad input: exit 2, exactly one line on stderr, nothing on stdout.
bad_input "closest: threads/interleave" threads/interleav --plain
bad_input "unknown demo 'nope'" nope --plain
bad_input "unknown parameter 'bogus'; allowed: pause_ms, count" threads/interleave --plain -s bogus=1
bad_input "out of range; allowed: a whole number 0..5000 ms" threads/interleave --plain -s pause_ms=99999
bad_input "not a whole number" threads/interleave --plain -s count=two
bad_input "expected KEY=VALUE" threads/interleave --plain -s pause_ms
bad_input "unknown option '--bogus'" --bogus
bad_input "needs a value" threads/interleave --report
bad_input "--width" threads/interleave --plain --width 5

# Every numeric option at both edges of its documented range: the edge is
# taken, one past it is refused with the range.
quick=(threads/interleave -s count=1 -s pause_ms=0)
good() { # good WHAT ARGS...: exit 0, nothing on stderr
	local what=$1; shift
	"$SIMUL" "$@" >"$tmp/out" 2>"$tmp/err" || fail "$what: '$*' exited $?: $(cat "$tmp/err")"
	[ ! -s "$tmp/err" ] || fail "$what: '$*' said: $(cat "$tmp/err")"
}
# (The timeline keeps to the width; the prose lines around it do not wrap.)
timeline_width() { awk '/^ *(sim )?time |^ +\||^(main|numbers|letters) / { if (length($0) > w) w = length($0) } END { print w + 0 }' "$1"; }
good "--width 40" "${quick[@]}" --plain --ascii --width 40
[ "$(timeline_width "$tmp/out")" -eq 40 ] || fail "--width 40: the timeline is $(timeline_width "$tmp/out") wide"
good "--width 1000" "${quick[@]}" --plain --ascii -w 1000
[ "$(timeline_width "$tmp/out")" -eq 1000 ] || fail "--width 1000: the timeline is $(timeline_width "$tmp/out") wide"
bad_input "--width '39': expected a whole number 40..1000" "${quick[@]}" --plain --width 39
bad_input "--width '1001': expected a whole number 40..1000" "${quick[@]}" --plain --width 1001
bad_input "--width '-40'" "${quick[@]}" --plain -w -40
good "--sample-hz 0" "${quick[@]}" --plain --sample-hz 0
good "--sample-hz 1000" "${quick[@]}" --plain --sample-hz 1000
bad_input "--sample-hz '1001': expected a whole number 0..1000" "${quick[@]}" --plain --sample-hz 1001
good "--seed 0" "${quick[@]}" --report - --seed 0
grep -q '"seed": 0,' "$tmp/out" || fail "--seed 0 is not the report's seed"
good "--seed 2^64-1" "${quick[@]}" --plain --seed 18446744073709551615
bad_input "--seed '18446744073709551616': expected a whole number 0..18446744073709551615" \
	"${quick[@]}" --plain --seed 18446744073709551616
for speed in 0.01 1 1/100 100%; do
	good "--speed $speed" "${quick[@]}" --plain --speed "$speed"
done
for speed in 0.0099 1.01 1/101 0; do
	bad_input "--speed '$speed': expected a speed 0.01..1" "${quick[@]}" --plain --speed "$speed"
done
# --size is for the TUI: a headless scripted session (stdin not a terminal)
# records the screen at that size.
printf 'wait 50ms\nquit\n' >"$tmp/quit.txt"
for size in 80x24 500x200; do
	good "--size $size" "${quick[@]}" --size "$size" --script "$tmp/quit.txt" --record "$tmp/s.cast" </dev/null
	w=${size%x*} h=${size#*x}
	head -1 "$tmp/s.cast" | grep -q "\"width\": *$w, *\"height\": *$h\b" ||
		fail "--size $size: the recording is $(head -c 80 "$tmp/s.cast")"
done
for size in 79x24 80x23 501x200 500x201; do
	bad_input "--size '$size': expected WxH, width 80..500, height 24..200" "${quick[@]}" --size "$size"
done
bad_input "--seed" threads/interleave --plain --seed -4
bad_input "--theme" threads/interleave --theme neon
bad_input "unexpected argument" threads/interleave extra --plain
bad_input "--report $tmp/no/such/dir/r.json" threads/interleave --report "$tmp/no/such/dir/r.json"
bad_input "--worker" --worker nosuchmodule

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
