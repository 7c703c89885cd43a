#!/bin/bash
# e2e_processes.sh: the real simul binary with real worker children.
#  1. kill -9 of one worker from outside: the run still finishes, its lane
#     says so, and the results count it.
#  2. Ctrl-C (SIGINT) mid-run: simul stops soon, and no worker is left,
#     running or zombie.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
SIMUL=${SIMUL:-build/simul}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

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
exit 0
