#!/bin/bash
# e2e_python.sh: `simul python FILE.py` runs a real CPython program under
# simul's agent: threads/interleave's mirror shows its two threads and their
# lines in order; CPU-bound threads wait for the GIL (inferred) in turn;
# asyncio tasks and multiprocessing children get lanes; a demo with
# mirror=on shows both runs; bad input (a missing file, a script that
# raises, one that never ends, a bad --python) gives one line and exit 1 or
# 2; an interrupted run leaves no Python process and no temporary directory;
# in tmux, the TUI shows the lanes and q restores the terminal.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
simul_abs
# (the checks below run $PYTHON; `simul python` finds its own interpreter)
need "$PYTHON" python3
tmp=$(mktemp -d)
export TMPDIR=$tmp/t
mkdir -p "$TMPDIR"
trap 'tmux_stop; rm -rf "$tmp"' EXIT
export SIMUL_QUICK=1
leftovers() { ls "$TMPDIR" | grep -E '^simul-(py|mirror)-' ; }

# ---- two thread lanes, their printed lines in order ----
out=$("$SIMUL" python assets/lessons/threads/interleave.py --plain --width 120) || fail "interleave exit status"
echo "$out" | grep -Eq '^Thread-1 \(numbers\)' || fail "no lane for Thread-1 (numbers)"
echo "$out" | grep -Eq '^Thread-2 \(letters\)' || fail "no lane for Thread-2 (letters)"
nums=$(echo "$out" | grep -oE 'Thread-1 \(numbers\) +Number [1-5]' | grep -oE '[1-5]$' | tr -d '\n')
lets=$(echo "$out" | grep -oE 'Thread-2 \(letters\) +Letter [a-e]' | grep -oE '[a-e]$' | tr -d '\n')
[ "$nums" = 12345 ] || fail "numbers printed as '$nums'"
[ "$lets" = abcde ] || fail "letters printed as '$lets'"
[ -z "$(leftovers)" ] || fail "temporary directory left: $(leftovers)"

# ---- CPU-bound threads: GIL waits (inferred), one thread at a time ----
cat >"$tmp/cpu.py" <<'EOF'
import threading
def count_primes(n):
    count = 0
    for k in range(2, n):
        if all(k % d for d in range(2, int(k ** 0.5) + 1)):
            count += 1
    return count
threads = [threading.Thread(target=count_primes, args=(80_000,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
EOF
"$SIMUL" python "$tmp/cpu.py" --save "$tmp/cpu.save" --report "$tmp/cpu.json" >/dev/null || fail "cpu.py exit status"
"$PYTHON" - "$tmp/cpu.save" <<'PY' || fail "GIL waits (inferred) do not alternate"
import re, sys
names, spans, hz = {}, {}, 0
for line in open(sys.argv[1]):
    m = re.match(r'task "([^"]*)" (\w+)', line)
    if m:
        names[len(names)] = m.group(1)
    m = re.match(r'span (\d+) (-?\d+) (\S+)', line)
    if m:
        spans.setdefault(int(m.group(1)), []).append((int(m.group(2)), m.group(3)))
    m = re.match(r'sampler (\S+)', line)
    if m:
        hz = float(m.group(1))
threads = [i for i, n in names.items() if n.startswith("Thread-")]
assert len(threads) == 2, names
def intervals(i, state):
    s = spans[i]
    return [(a, b) for (a, st), (b, _) in zip(s, s[1:]) if st == state]
gil = [intervals(i, "gil-inferred") for i in threads]
total = [sum(b - a for a, b in g) for g in gil]
t0 = max(spans[i][0][0] for i in threads)
t1 = min(spans[i][-1][0] for i in threads)
print("sampler %.0f Hz; gil-inferred ms: %s over %.0f ms together" % (hz, [t / 1e6 for t in total], (t1 - t0) / 1e6))
if hz < 200:
    # A GIL turn is 5 ms: sweeps further apart cannot place the waits.
    print("skipped: the sampler ran at %.0f Hz on this busy machine (200 needed)" % hz)
    sys.exit(0)
# each waits for the GIL a good part of its life ...
life = [spans[i][-1][0] - spans[i][0][0] for i in threads]
assert all(t > 0.10 * l for t, l in zip(total, life)), (total, life)
# ... and they wait in turn: the time both wait at once is well under what
# two independent waits would overlap (t1 * t2 / span)
both = sum(max(0, min(b1, b2) - max(a1, a2)) for a1, b1 in gil[0] for a2, b2 in gil[1])
independent = total[0] * total[1] / max(1, t1 - t0)
print("both waiting %.1f ms; independent waits would overlap %.1f ms" % (both / 1e6, independent / 1e6))
assert both < 0.5 * independent, (both, independent)
PY
grep -q '"gil-inferred"' "$tmp/cpu.json" || fail "report lacks states_ms.gil-inferred"

# ---- asyncio: a lane per task, with what each awaits ----
out=$("$SIMUL" python assets/lessons/loop/sleep.py --plain --width 120 --report "$tmp/s.json") ||
	fail "sleep.py exit status"
for want in '^numbers \(Task-2\)' '^letters \(Task-3\)' '^main \(Task-1\)' 'loop_idle_ms'; do
	echo "$out" | grep -Eq "$want" || fail "sleep.py: no '$want'"
done
"$PYTHON" - "$tmp/s.json" <<'PY' || fail "sleep.py: states"
import json, sys
t = {x["name"]: x for x in json.load(open(sys.argv[1]))["tasks"]}
assert t["numbers (Task-2)"]["states_ms"]["sleep"] > 100, t["numbers (Task-2)"]
assert t["main (Task-1)"]["states_ms"]["join"] > 100, t["main (Task-1)"]
loop = [x for n, x in t.items() if n.startswith("MainThread")][0]
assert loop["states_ms"]["idle"] > 100, loop
PY

# ---- multiprocessing: a lane per child, with pid and parent pid ----
out=$("$SIMUL" python assets/lessons/processes/workers.py workers=2 start=spawn --plain --width 140 \
	--report "$tmp/w.json") || fail "workers.py exit status"
n=$(echo "$out" | grep -cE '^Process-[12] pid [0-9]+')
[ "$n" -ge 2 ] || fail "workers.py: $n process lanes, want 2"
n=$(grep -cE '"Process-[12] pid [0-9]+ ppid [0-9]+"' "$tmp/w.json")
[ "$n" -ge 2 ] || fail "workers.py: the report names $n processes with their parent pid, want 2"
echo "$out" | grep -Eq 'worker 1: [0-9]+ primes' || fail "workers.py: a child's line is missing"

# ---- mirror=on: the emulation, then CPython, on one axis ----
"$SIMUL" loop/sleep -s pause_ms=50 -s mirror=on --report "$tmp/m.json" >/dev/null || fail "mirror=on exit status"
"$PYTHON" - "$tmp/m.json" <<'PY' || fail "mirror=on report"
import json, sys
r = json.load(open(sys.argv[1]))
names = [t["name"] for t in r["tasks"]]
assert "numbers" in names and "numbers (Task-2)" in names, names
# the emulation's lanes come first, CPython's after them in time
emu = [t for t in r["tasks"] if t["name"] == "numbers"][0]
cpy = [t for t in r["tasks"] if t["name"] == "numbers (Task-2)"][0]
assert cpy["start_ms"] >= emu["end_ms"], (emu, cpy)
res = r["results"]
assert "loop_idle_ms" in res and "cpython" in res and "loop_idle_ms" in res["cpython"], res
PY
"$SIMUL" loop/sleep -s mirror=maybe --plain >/dev/null 2>"$tmp/err" && fail "mirror=maybe accepted"
grep -q "allowed: on, off" "$tmp/err" || fail "mirror=maybe: $(cat "$tmp/err")"

# ---- bad input: one line, exit 1 or 2 ----
expect() { # STATUS REGEX CMD...
	local want=$1 re=$2
	shift 2
	"$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ "$rc" = "$want" ] || fail "$* exited $rc, want $want ($(cat "$tmp/err"))"
	grep -Eq -- "$re" "$tmp/err" || fail "$*: stderr lacks /$re/: $(cat "$tmp/err")"
}
expect 2 "cannot read 'no-such.py'" "$SIMUL" python no-such.py --plain
expect 2 "is not a file" "$SIMUL" python "$tmp" --plain
expect 2 "give the program" "$SIMUL" python --plain
expect 2 "--python '/bin/false': not a Python" "$SIMUL" python "$tmp/cpu.py" --python /bin/false --plain
expect 2 "runs at its own pace" "$SIMUL" python "$tmp/cpu.py" --speed 0.5 --plain
printf 'x = 1\nprint("before")\nx = x / 0\n' >"$tmp/raises.py"
expect 1 "raised ZeroDivisionError: division by zero \(line 3\)" "$SIMUL" python "$tmp/raises.py" --plain
printf 'import sys\nsys.exit(3)\n' >"$tmp/exit3.py"
expect 1 "exited with status 3" "$SIMUL" python "$tmp/exit3.py" --plain
printf 'import time\nwhile True:\n    time.sleep(0.05)\n' >"$tmp/forever.py"
expect 1 "still running after 1 s: stopped" "$SIMUL" python "$tmp/forever.py" -s limit=1 --plain
pgrep -f "$tmp/forever.py" >/dev/null && fail "forever.py still running after the limit"

# ---- interrupted: the program and its children are gone, nothing left ----
cat >"$tmp/kids.py" <<'EOF'
import multiprocessing as mp, time
def sleeper():
    time.sleep(60)
if __name__ == "__main__":
    ps = [mp.Process(target=sleeper) for _ in range(2)]
    for p in ps:
        p.start()
    print("started", flush=True)
    for p in ps:
        p.join()
EOF
"$SIMUL" python "$tmp/kids.py" --plain >"$tmp/kids.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$(pgrep -fc "$tmp/kids.py")" -ge 3 ] && break; sleep 0.1; done
[ "$(pgrep -fc "$tmp/kids.py")" -ge 3 ] || fail "kids.py did not start its children"
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "interrupted run exited $rc, want 130"
for _ in $(seq 50); do pgrep -f "$tmp/kids.py" >/dev/null || break; sleep 0.1; done
pgrep -f "$tmp/kids.py" >/dev/null && fail "kids.py processes left after simul stopped"
[ -z "$(leftovers)" ] || fail "temporary directory left: $(leftovers)"

# ---- the TUI, in tmux ----
if command -v tmux >/dev/null; then
	tmux_use simul-e2e-py
	tmux_shell
	T send-keys -t "$SESS" "clear; $SIMUL python assets/lessons/threads/interleave.py" Enter
	wait_for 'Thread-2 \(letters\)' 20
	wait_for 'finished' 20
	T send-keys -t "$SESS" q
	wait_for 'PROMPT\$ *$' 10
	check_tty q
else
	echo "SKIP: missing tool: tmux (Debian package tmux, in the Makefile's TEST_PKGS): the TUI part did not run"
fi
echo ok
