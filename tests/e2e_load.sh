#!/bin/bash
# A busy machine is detected and said: with two CPU hogs of our own beside
# it (other programs, to simul), a run reports a high machine.other_load_during,
# machine.busy true, and --plain says "machine busy: ...". Without the hogs
# the figure must be lower by a clear margin; the machine is shared, so when
# it is already busy without them that comparison is skipped, and said.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
tmp=$(mktemp -d)
hogs=()
stop_hogs() {
	for p in "${hogs[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
	hogs=()
}
trap 'stop_hogs; rm -rf "$tmp"' EXIT

# machine.KEY of report $1 (null -> -1).
machine() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))["machine"][sys.argv[2]]
print(-1 if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}
# An I/O-bound demo (simul itself nearly idle for about a second).
quiet_demo=(threads/download -s files=3 -s latency_ms=250 -s size_kb=10)

"$SIMUL" "${quiet_demo[@]}" --report "$tmp/quiet.json" >/dev/null || fail "the quiet run failed"
for k in other_load_before other_load_during busy busy_threshold; do
	"$PYTHON" -c 'import json, sys; assert sys.argv[2] in json.load(open(sys.argv[1]))["machine"]' \
		"$tmp/quiet.json" "$k" || fail "the report's machine object lacks $k"
done
quiet=$(machine "$tmp/quiet.json" other_load_during)

# Two hogs, each bounded (timeout) and stopped at the end in any case.
for _ in 1 2; do
	timeout 60 sh -c 'while :; do :; done' &
	hogs+=($!)
done
# Wait until both have run on a core (their CPU time shows), not a fixed time.
for _ in $(seq 100); do
	n=0
	for p in "${hogs[@]}"; do
		c=$(pgrep -P "$p" | head -1)
		[ -n "$c" ] && [ "$(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)" -gt 0 ] && n=$((n + 1))
	done
	[ $n -eq 2 ] && break
	sleep 0.05
done

"$SIMUL" "${quiet_demo[@]}" --report "$tmp/hogs.json" >/dev/null || fail "the run beside the hogs failed"
"$SIMUL" "${quiet_demo[@]}" --plain --width 80 >"$tmp/hogs.txt" || fail "--plain beside the hogs failed"
# A CPU-bound demo beside them: simul takes cores too, and still sees the others.
"$SIMUL" threads/gil -s work_ms=150 -s convoy=off --report "$tmp/gil.json" >/dev/null || fail "threads/gil beside the hogs failed"
stop_hogs

hogged=$(machine "$tmp/hogs.json" other_load_during)
before=$(machine "$tmp/hogs.json" other_load_before)
echo "other load (share of the cores): quiet run $quiet, beside two hogs $hogged (before it $before)," \
	"threads/gil beside them $(machine "$tmp/gil.json" other_load_during)"
awk -v h="$hogged" 'BEGIN { exit !(h >= 0.6) }' || fail "two hogs on $(nproc) cores read as other load $hogged"
awk -v h="$before" 'BEGIN { exit !(h >= 0.6) }' || fail "two hogs read as other load $before before the run"
[ "$(machine "$tmp/hogs.json" busy)" = true ] || fail "machine.busy is not true beside two hogs"
[ "$(machine "$tmp/gil.json" busy)" = true ] || fail "threads/gil beside two hogs: machine.busy is not true"
grep -Eq '^machine busy: other programs used [0-9.]+ of [0-9]+ cores; figures may be off$' "$tmp/hogs.txt" ||
	fail "--plain beside two hogs does not say the machine was busy"
if awk -v q="$quiet" 'BEGIN { exit !(q >= 0.6) }'; then
	echo "SKIP: machine busy: the quiet side: other programs used $quiet of the cores without the hogs"
else
	awk -v h="$hogged" -v q="$quiet" 'BEGIN { exit !(h >= q + 0.3) }' ||
		fail "two hogs ($hogged) are not clearly above the quiet run ($quiet)"
fi
echo "ok"
