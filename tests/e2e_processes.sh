#!/bin/bash
# e2e_processes.sh: the real simul binary with real worker children.
#  1. kill -9 of one worker from outside: the run still finishes, its lane
#     says so, and the results count it.
#  2. Ctrl-C (SIGINT) mid-run: simul stops soon, and no worker is left,
#     running or zombie.
#  3. Two CPU hogs beside processes/workers and processes/vs-threads: each
#     either keeps the lesson's order or says the machine was too busy, and
#     it sees the hogs as other load.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
out=$(mktemp)
hogs=()
stop_hogs() { [ ${#hogs[@]} -gt 0 ] && kill "${hogs[@]}" 2>/dev/null; hogs=(); }
trap 'stop_hogs; rm -f "$out"' EXIT

# Pids of simul's (pid $1) worker children, once there are $2 of them.
wait_workers() {
	local n=0
	for _ in $(seq 1 400); do
		n=$(children_of "$1" "worker processes burn" | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.05
	done
	children_of "$1" "worker processes burn"
}

# 1. kill -9 one worker.
"$SIMUL" processes/workers --plain -s workers=2 -s job_ms=1500 -s sequential=off >"$out" 2>&1 &
pid=$!
kids=$(wait_workers "$pid" 2)
victim=$(echo "$kids" | head -1)
[ -n "$victim" ] || { echo "workers never started"; kill -9 "$pid"; exit 1; }
kill -9 "$victim"
wait "$pid"
rc=$?
[ $rc -eq 0 ] || { echo "simul exited $rc after a worker was killed"; cat "$out"; exit 1; }
grep -q "pid $victim killed by signal 9" "$out" || { echo "the kill is not on the lane"; cat "$out"; exit 1; }
grep -Eq "crashed_workers +1$" "$out" || { echo "crashed_workers is not 1"; cat "$out"; exit 1; }

# 2. Ctrl-C while the workers run.
"$SIMUL" processes/workers --plain -s workers=2 -s job_ms=10000 -s sequential=off >"$out" 2>&1 &
pid=$!
kids=$(wait_workers "$pid" 2)
[ "$(echo "$kids" | wc -w)" -eq 2 ] || { echo "workers never started"; kill -9 "$pid"; exit 1; }
kill -INT "$pid"
for _ in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
	echo "simul did not stop within 5 s of SIGINT"
	kill -9 "$pid" $kids
	exit 1
fi
wait "$pid"
# simul reaped them itself: no process, not even a zombie, is left.
for k in $kids; do
	[ -e "/proc/$k" ] && { echo "worker $k left behind: $(cat /proc/$k/stat)"; exit 1; }
done
grep -q "stopped with the run" "$out" || { echo "the stop is not on the lanes"; cat "$out"; exit 1; }

# 3. Two busy loops on the side (sanitized builds are too slow to judge).
if [ -z "${SIMUL_SANITIZER:-}" ] && [ "$(nproc)" -ge 2 ]; then
	for _ in 1 2; do
		timeout 60 sh -c 'while :; do :; done' &
		hogs+=($!)
	done
	# The verdict must agree with the figures: the order held, or too_busy
	# is set; and the hogs must be seen (other_load at least a quarter).
	check_busy() { # DEMO ORDER-EXPRESSION ARGS...
		local demo=$1 order=$2
		shift 2
		"$SIMUL" "$demo" --report - "$@" >"$out" 2>&1 || { echo "$demo failed under load"; cat "$out"; exit 1; }
		"$PYTHON" - "$out" "$order" <<'PY' || { echo "$demo under load:"; cat "$out"; exit 1; }
import json, sys
r = json.load(open(sys.argv[1]))["results"]
held = eval(sys.argv[2], {}, r)
print(f"{r['verdict']} (other_load {r.get('other_load', -1):.2f})")
assert r.get("other_load", 0) >= 0.25, "two busy loops beside it, yet other_load is low"
assert held or r.get("too_busy") == 1, "the order flipped and the demo did not say the machine was too busy"
assert not (held and r.get("too_busy") == 1), "too_busy, yet the order held"
PY
	}
	check_busy processes/workers "parallelism > 1.2 and speedup > 1.0" -s workers=2 -s job_ms=400
	check_busy processes/vs-threads "processes_speedup > threads_speedup and processes_parallelism > threads_parallelism" \
		-s jobs=2 -s job_ms=400
	stop_hogs
elif [ -n "${SIMUL_SANITIZER:-}" ]; then
	echo "SKIP: the busy-machine verdicts: a sanitizer build is too slow to judge"
else
	echo "SKIP: the busy-machine verdicts: one core"
fi
exit 0
