#!/bin/bash
# race from the command line: the bare module name runs its general demo,
# the JSON report holds one object per model plus the advice, a workload
# with no work is refused in one line, and no worker child is left behind
# (looked for in this test's own process group, not machine-wide).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
SIMUL=${SIMUL:-build/simul}
fail() { echo "FAIL: $*"; exit 1; }
need "$PYTHON" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SIMUL" --list | grep -Eq '^race/all ' || fail "--list lacks race/all"
for d in cpu io mixed; do
	"$SIMUL" --list | grep -Eq "^race/$d " || fail "--list lacks race/$d"
done

"$SIMUL" race --report "$tmp/r.json" -s jobs=2 -s cpu_ms=20 -s io_ms=20 -s io_kind=sleep \
	>/dev/null || fail "race --report exit status"
"$PYTHON" - "$tmp/r.json" <<'PY' || fail "report keys"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["demo"] == "race/all", r["demo"]
res = r["results"]
for m in ("sequential", "threads", "threads_gil", "processes", "event_loop", "loop_offload"):
    for k in ("wall_ms", "cpu_ms", "speedup", "peak_rss_mb", "ctx_switches"):
        assert isinstance(res[m][k], (int, float)), (m, k)
assert isinstance(res["advice"], str) and res["advice"].startswith(("CPU-bound", "I/O-bound", "mixed"))
PY
# simul's workers stay in its process group, which is this script's.
left=$(own_procs '--worker race')
[ -z "$left" ] || fail "a pool worker outlived the run: $left"

err=$("$SIMUL" race/io -s cpu_ms=0 -s io_ms=0 --plain 2>&1 >/dev/null)
rc=$?
[ $rc -ne 0 ] || fail "a workload with no work ran (status $rc)"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "no-work error is not one line: $err"
echo "$err" | grep -q 'cpu_ms or io_ms > 0' || fail "no-work error does not say what is allowed: $err"

err=$("$SIMUL" race -s io_kind=disk --plain 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "io_kind=disk accepted"
echo "$err" | grep -q 'sleep' || fail "bad io_kind does not list what is allowed: $err"
exit 0
