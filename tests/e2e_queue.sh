#!/bin/bash
# e2e_queue.sh: queue/rq with the real simul binary and real Redis servers.
#  1. A bad redis=URL: one line, exit 2, nothing started.
#  2. A run: every job done, its server's version in the report, and no
#     redis-server, worker or temporary directory left.
#  3. The Redis server killed mid-run: one clear line, exit 1, the workers
#     reaped, the directory removed.
#  4. A second local `simul --rq-worker` joins a run on a Redis listening
#     on 127.0.0.1 (started here): its lane is in the report and in the
#     --plain timeline, and it leaves on SIGTERM with status 0.
set -u
. "$(dirname "$0")/lib.sh"
need redis-server redis-server
need "$PYTHON" python3
work=$(mktemp -d)
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Nothing of a run is left: no process whose command line names our
# TMPDIR (the server's socket, the workers' URL), nothing in TMPDIR.
nothing_left() {
	local left
	left=$(pgrep -af -- "$TMPDIR" | grep -v pgrep)
	[ -z "$left" ] || fail "$1: left running: $left"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "$1: left in TMPDIR: $(ls -A "$TMPDIR")"
}

# 1. Bad URL.
err=$("$SIMUL" queue/rq -s redis=http://x --plain 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "bad URL: exit $rc, want 2"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "bad URL: more than one line: $err"
echo "$err" | grep -q "expected redis://" || fail "bad URL: does not say what is expected: $err"

# 2. A run.
"$SIMUL" queue/rq -s jobs=10 -s workers=2 -s job_ms=20 --report "$work/r.json" 2>"$work/err" ||
	fail "run: exit $?: $(cat "$work/err")"
"$PYTHON" - "$work/r.json" <<'EOF' || fail "run: report"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert r["jobs_done"] == 10 and r["jobs_failed"] == 0, r
assert r["workers"] >= 2, r
assert r["redis_version"][0].isdigit(), r
EOF
nothing_left "run"

# 3. Kill the Redis server mid-run.
"$SIMUL" queue/rq -s jobs=400 -s workers=2 -s job_ms=50 --plain >"$work/out" 2>"$work/err" &
sim=$!
pids+=("$sim")
server=""
for _ in $(seq 1 200); do
	server=$(pgrep -P "$sim" -x redis-server)
	workers=$(pgrep -c -P "$sim" -f "worker queue rq")
	[ -n "$server" ] && [ "$workers" -ge 2 ] && break
	sleep 0.05
done
[ -n "$server" ] || fail "kill: no redis-server child of simul"
sleep 1
kill -9 "$server"
for _ in $(seq 1 200); do
	kill -0 "$sim" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$sim" 2>/dev/null && fail "kill: simul still runs 10 s after its Redis died"
wait "$sim"
rc=$?
[ $rc -eq 1 ] || fail "kill: exit $rc, want 1"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "kill: not one line on stderr: $(cat "$work/err")"
grep -q "the Redis server (pid $server) died mid-run: killed by signal 9" "$work/err" ||
	fail "kill: the line does not say what happened: $(cat "$work/err")"
nothing_left "kill"

# 4. A remote worker on loopback. A free port: the first that redis-server
# can bind among a few random ones.
port=""
for _ in $(seq 1 20); do
	p=$((20000 + RANDOM % 40000))
	redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
		>"$work/redis.log" 2>&1 &
	rs=$!
	for _ in $(seq 1 100); do
		grep -q "Ready to accept" "$work/redis.log" && break
		kill -0 "$rs" 2>/dev/null || break
		sleep 0.02
	done
	if kill -0 "$rs" 2>/dev/null; then
		port=$p
		pids+=("$rs")
		break
	fi
	wait "$rs" 2>/dev/null
done
[ -n "$port" ] || fail "remote: could not start a redis-server on 127.0.0.1"
url=redis://127.0.0.1:$port
"$SIMUL" --rq-worker "$url" >"$work/remote.out" 2>&1 &
remote=$!
pids+=("$remote")
for _ in $(seq 1 200); do
	grep -q "waiting for a queue/rq run" "$work/remote.out" && break
	sleep 0.05
done
grep -q "waiting for a queue/rq run" "$work/remote.out" || fail "remote: no greeting: $(cat "$work/remote.out")"
"$SIMUL" queue/rq -s redis="$url" -s workers=1 -s jobs=16 -s job_ms=60 -s kind=io --plain --width 100 \
	--report "$work/remote.json" >"$work/out" 2>"$work/err" || fail "remote: run exit $?: $(cat "$work/err")"
"$PYTHON" - "$work/remote.json" <<'EOF' || fail "remote: report: $(cat "$work/remote.out")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"]
assert r["jobs_done"] == 16 and r["workers_remote"] == 1 and r["workers"] == 2, r
lanes = [t for t in d["tasks"] if t["name"].startswith("rq-worker ")]
assert len(lanes) == 1 and lanes[0]["group"] == "remote workers", [t["name"] for t in d["tasks"]]
s = lanes[0]["states_ms"]
assert s["sleep"] > 0 and s["io"] > 0, s   # it worked (kind=io) and waited on Redis
EOF
grep -q "^rq-worker " "$work/out" || fail "remote: no lane in the --plain timeline"
grep -q "joined run" "$work/remote.out" || fail "remote: did not say it joined"
kill -TERM "$remote"
for _ in $(seq 1 100); do
	kill -0 "$remote" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$remote" 2>/dev/null && fail "remote: still running 5 s after SIGTERM"
wait "$remote"
rc=$?
[ $rc -eq 0 ] || fail "remote: exit $rc after SIGTERM, want 0"
nothing_left "remote"
echo "ok"
