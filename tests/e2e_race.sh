#!/bin/bash
# race from the command line: the bare module name runs its general demo,
# the JSON report holds one object per model plus the advice, --plain says
# whether the machine was quiet and what the no-GIL row stands for, the
# lesson's race.py runs as written and prints figures under the report's
# keys, a workload with no work is refused in one line, and no worker child
# is left behind (looked for in this test's own process group, not
# machine-wide).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
models="sequential threads_gil processes event_loop loop_offload loop_processes threads_nogil sequential_again"

"$SIMUL" --list | grep -Eq '^race/all ' || fail "--list lacks race/all"
for d in cpu io mixed; do
	"$SIMUL" --list | grep -Eq "^race/$d " || fail "--list lacks race/$d"
done

"$SIMUL" race --report "$tmp/r.json" -s jobs=2 -s cpu_ms=20 -s io_ms=20 -s io_kind=sleep \
	>/dev/null || fail "race --report exit status"
# shellcheck disable=SC2086 # one argument per model
"$PYTHON" - "$tmp/r.json" $models <<'PY' || fail "report keys"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["demo"] == "race/all", r["demo"]
res = r["results"]
for m in sys.argv[2:]:
    for k in ("wall_ms", "cpu_ms", "speedup", "parallelism", "other_load", "peak_rss_mb", "ctx_switches"):
        assert isinstance(res[m][k], (int, float)), (m, k)
assert res["machine_busy"] in (0, 1) and res["too_busy"] in (0, 1)
assert -1 <= res["other_load"] <= 1 and isinstance(res["verdict"], str)
assert isinstance(res["advice"], str) and res["advice"].startswith(("CPU-bound", "I/O-bound", "mixed"))
PY
# simul's workers stay in its process group, which is this script's.
left=$(own_procs '--worker race')
[ -z "$left" ] || fail "a pool worker outlived the run: $left"

out=$("$SIMUL" race/cpu -s jobs=2 -s cpu_ms=20 --plain 2>&1) || fail "race/cpu --plain exit status"
echo "$out" | grep -Eq 'machine (quiet|BUSY)' || fail "--plain does not say whether the machine was busy"
echo "$out" | grep -q 'free-threaded CPython (3.13t+)' || fail "--plain: the no-GIL row does not say what it is"
echo "$out" | grep -q 'loop+processes' || fail "--plain has no loop+processes row"

# The mirror, as a learner would run it (sleeps: no server needed), prints
# KEY: VALUE lines whose keys are the report's.
py=assets/lessons/race/race.py
if [ -f "$py" ]; then
	SIMUL_QUICK=1 timeout 60 "$PYTHON" "$py" jobs=2 cpu_ms=40 io_ms=40 io_kind=sleep >"$tmp/py.txt" 2>&1 ||
		fail "race.py does not run as written: $(tail -3 "$tmp/py.txt")"
	"$PYTHON" - "$tmp/py.txt" "$tmp/r.json" <<'PY' || fail "race.py's keys are not the report's"
import json, sys
lines = [l for l in open(sys.argv[1]) if not l.startswith("#")]
res = json.load(open(sys.argv[2]))["results"]
keys = [l.split(":")[0] for l in lines]
assert len(keys) >= 18, lines
for k in keys:
    model, field = k.split(".")
    assert field in res[model], k
for l in lines:
    float(l.split(":", 1)[1])
PY
fi

err=$("$SIMUL" race/io -s cpu_ms=0 -s io_ms=0 --plain 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] || fail "a workload with no work ran (status $rc)"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "no-work error is not one line: $err"
echo "$err" | grep -q 'cpu_ms or io_ms > 0' || fail "no-work error does not say what is allowed: $err"

err=$("$SIMUL" race -s io_kind=disk --plain 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "io_kind=disk accepted"
echo "$err" | grep -q 'sleep' || fail "bad io_kind does not list what is allowed: $err"
exit 0
