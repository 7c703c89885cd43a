#!/bin/bash
# A test program run by hand, without the environment `make check` gives it
# (no SIMUL_EXE), must never start itself as a worker: that ran its whole
# suite again in every "worker" and fork-bombed the machine. Here, on copies
# in a private directory so that only our own processes are counted:
#  - beside a simul binary, its workers come from that simul, and it ends
#    with no process left;
#  - alone, it refuses to start workers with one line, and starts nothing;
#  - started as `--worker`, it exits at once;
#  - killed with SIGKILL mid-run, its workers die with it.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
T=$(mktemp -d)
LIMIT=60 # processes of ours at once before we call it a fork bomb

# Our processes: those whose executable lies under $T.
ours() {
	local e l
	for e in /proc/[0-9]*/exe; do
		l=$(readlink "$e" 2>/dev/null) || continue
		[[ $l == "$T"/* ]] && { e=${e%/exe}; echo "${e#/proc/}"; }
	done
}
kill_ours() { local p; for p in $(ours); do kill -9 "$p" 2>/dev/null; done; }
cleanup() { kill_ours; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$T/near/tests" "$T/alone"
cp "$BUILD/simul" "$T/near/simul"
cp "$BUILD/tests/test_processes" "$T/near/tests/"
cp "$BUILD/tests/test_processes" "$T/alone/"

# Run "$@" without make check's environment, watching how many processes of
# ours exist; kills everything of ours past LIMIT. Sets most, rc, out.
watch_run() {
	env -u SIMUL_EXE -u SIMUL "$@" >"$T/out" 2>&1 &
	local pid=$! n
	most=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$(ours | wc -l)
		((n > most)) && most=$n
		if ((n > LIMIT)); then
			kill_ours
			break
		fi
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	out=$(cat "$T/out")
}

# Poll until no process of ours is left (up to $1 tenths of a second).
none_left_within() {
	local i
	for ((i = 0; i < $1; i++)); do
		[ -z "$(ours)" ] && return 0
		sleep 0.1
	done
	return 1
}

# Started as a worker, a test program refuses at once.
out=$(timeout 5 "$T/alone/test_processes" --worker processes burn 1 0 1 1 1 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "a test program started as --worker exited $rc, want 2 at once"
[[ $out == *"runs no --worker"* ]] || fail "no clear line from a test program started as --worker: $out"

# Alone: no worker is started, the line says why, nothing recurses.
watch_run timeout 120 "$T/alone/test_processes"
((most <= LIMIT)) || fail "alone, the test program made $most processes at once (fork bomb)"
((most <= 4)) || fail "alone, the test program made $most processes at once; it should start no worker"
[[ $out == *"cannot start worker processes: this program is not simul"* ]] ||
	fail "alone, no clear line about the missing simul binary: $(echo "$out" | head -5)"
none_left_within 50 || fail "alone, processes left behind: $(ours)"

# Beside simul: workers come from that simul, and nothing is left.
watch_run timeout 200 "$T/near/tests/test_processes"
((most <= LIMIT)) || fail "beside simul, the test program made $most processes at once (fork bomb)"
[[ $out != *"cannot start worker processes"* ]] || fail "beside simul, workers were refused: $out"
none_left_within 50 || fail "beside simul, processes left behind: $(ours)"

# Killed mid-run: once a simul worker exists, SIGKILL the test program (its
# suite runner and the forked test); the workers die with their parent.
env -u SIMUL_EXE -u SIMUL timeout 200 "$T/near/tests/test_processes" >/dev/null 2>&1 &
runner=$!
seen=0
for ((i = 0; i < 300; i++)); do
	for p in $(ours); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$T/near/simul" ] && seen=1
	done
	((seen)) && break
	sleep 0.1
done
((seen)) || fail "no simul worker appeared within 30 s"
for p in $(ours); do
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$T/near/tests/test_processes" ] && kill -9 "$p" 2>/dev/null
done
wait "$runner" 2>/dev/null
none_left_within 50 || fail "workers outlived their killed test program: $(ours)"
echo "ok"
