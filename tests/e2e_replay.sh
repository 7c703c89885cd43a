#!/bin/bash
# --trace, --save and --replay in batch mode: the Chrome trace is valid JSON
# with one complete event per span and a thread name per task; a saved run
# replays to the same text view and the same JSON report; truncated,
# corrupted and foreign files get one line on stderr and exit status 2.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SIMUL" threads/interleave -s pause_ms=5 -s count=4 --seed 7 --plain --ascii --width 100 \
	--report "$tmp/a.json" --save "$tmp/a.save" --trace "$tmp/a.trace.json" >"$tmp/a.txt" \
	|| fail "run with --save/--trace"
head -1 "$tmp/a.save" | grep -qx 'simul-save 3' || fail "save file header"

# Replay: the text view is identical, so is the report, the recorder's
# counters included (they are the original run's, saved with it).
"$SIMUL" --replay "$tmp/a.save" --plain --ascii --width 100 --report "$tmp/b.json" \
	--save "$tmp/b.save" --trace "$tmp/b.trace.json" >"$tmp/b.txt" || fail "replay exit status"
diff "$tmp/a.txt" "$tmp/b.txt" >"$tmp/d.txt" || { cat "$tmp/d.txt"; fail "replayed --plain differs"; }
grep -q 'Letter d' "$tmp/b.txt" || fail "replayed --plain lacks the printed lines"
# The saved replay is the saved run, record for record.
diff "$tmp/a.save" "$tmp/b.save" >"$tmp/d.txt" \
	|| { head -20 "$tmp/d.txt"; fail "save of the replay differs from the save"; }
cmp -s "$tmp/a.trace.json" "$tmp/b.trace.json" || fail "trace of the replay differs"
# A version 1 file (no model size, nor clock, on its recorder line; no
# wakes, nor how tasks ended) still replays.
sed -e '1s/.*/simul-save 1/' -e 's/^\(recorder [0-9]* [0-9]* [0-9]*\) [0-9]*\( [a-z]*\)\{0,1\}$/\1/' \
	-e 's/^\(task .*\) [a-z-]*$/\1/' -e '/^wake /d' "$tmp/a.save" >"$tmp/v1.save"
"$SIMUL" --replay "$tmp/v1.save" --plain --ascii --width 100 >"$tmp/v1.txt" || fail "version 1 replay"
diff "$tmp/a.txt" "$tmp/v1.txt" >"$tmp/d.txt" || { cat "$tmp/d.txt"; fail "version 1 replay differs"; }

"$PYTHON" - "$tmp/a.json" "$tmp/b.json" "$tmp/a.trace.json" "$tmp/a.save" <<'PY' || fail "JSON checks"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b, "reports differ:\n%s\n%s" % (a, b)
assert a["recorder"]["events"] > 0 and a["recorder"]["model_bytes"] > 0, a["recorder"]
assert a["machine"]["cores"] >= 1, a["machine"]
assert len(a["tasks"]) == 3 and a["seed"] == 7, a

tr = json.load(open(sys.argv[3]))
ev = tr["traceEvents"]
save = open(sys.argv[4]).read().splitlines()
nspans = sum(1 for l in save if l.startswith("span "))
xs = [e for e in ev if e["ph"] == "X"]
assert nspans > 0 and len(xs) == nspans == a["recorder"]["spans"], (len(xs), nspans)
names = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert sorted(names) == sorted(t["name"] for t in a["tasks"]), names
assert len(set(names.values())) == len(names), "two tasks share a track"
pids = {e["pid"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
assert {p for p, _ in names.values()} <= pids, "a track's process has no name"
for e in xs:
    assert e["dur"] >= 0 and e["ts"] >= 0 and e["args"]["state"] == e["name"], e
    assert (e["pid"], e["tid"]) in names.values(), e
# Spans of one track do not overlap.
by = {}
for e in xs:
    by.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
for spans in by.values():
    spans.sort()
    for (s0, e0), (s1, _) in zip(spans, spans[1:]):
        assert e0 <= s1 + 1e-3, (e0, s1)
marks = [e for e in ev if e["ph"] == "i" and e["s"] == "t"]
assert len(marks) == sum(len(t["marks"]) for t in a["tasks"]) > 0, len(marks)
texts = {e["name"] for e in marks}
assert "Number 1" in texts and "Letter a" in texts, texts
PY

# Bad files: one line naming the problem, exit status 2, never a crash.
bad() {
	local what=$1 file=$2 want=$3
	"$SIMUL" --replay "$file" --plain >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$what: exit status $rc, expected 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || { cat "$tmp/err"; fail "$what: not one line on stderr"; }
	grep -q -- "$want" "$tmp/err" || { cat "$tmp/err"; fail "$what: message lacks '$want'"; }
	[ ! -s "$tmp/out" ] || fail "$what: printed a view"
}
n=$(wc -l <"$tmp/a.save")
head -n $((n / 2)) "$tmp/a.save" >"$tmp/trunc.save"
bad truncated "$tmp/trunc.save" "truncated"
head -c $(($(wc -c <"$tmp/a.save") - 7)) "$tmp/a.save" >"$tmp/cut.save"
bad "cut mid-line" "$tmp/cut.save" "line"
sed '0,/^span /s/^span \([0-9]*\) \([0-9]*\) [a-z]*/span \1 \2 bogus/' "$tmp/a.save" >"$tmp/state.save"
bad "unknown state" "$tmp/state.save" "unknown state"
sed 's/^span 1 /span 99 /' "$tmp/a.save" >"$tmp/task.save"
bad "undeclared task" "$tmp/task.save" "TASK declared"
sed '1s/.*/simul-save 99/' "$tmp/a.save" >"$tmp/ver.save"
bad "newer version" "$tmp/ver.save" "versions 1 to 3"
bad "foreign file" "$tmp/a.json" "not a simul save file"
: >"$tmp/empty.save"
bad "empty file" "$tmp/empty.save" "empty"
bad "missing file" "$tmp/nonexistent.save" "No such file"
head -c 3000 /dev/urandom >"$tmp/random.save"
bad "random bytes" "$tmp/random.save" "not a simul save file"
"$SIMUL" --replay "$tmp/a.save" threads/interleave --plain >/dev/null 2>&1
[ $? -eq 2 ] || fail "--replay with a demo accepted"
"$SIMUL" threads/interleave --plain --save /nonexistent-dir/x.save >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- '--save' "$tmp/err" || fail "--save to a bad path"
exit 0
