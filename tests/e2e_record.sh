#!/bin/bash
# --record, --size and --script: the asciicast is JSON lines with a valid v2
# header and times that never go back; replaying its "o" events into a
# terminal (tmux) of the recorded size reproduces the screen the TUI showed;
# a scripted session produces the same final screen twice (with
# --keys-overlay showing the last key); a script's select opens a task and
# its set + run run the demo with those parameters; a saved run replays in
# the TUI under a play head; bad scripts and
# sizes are refused with one line and exit status 2.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
SIMUL=$(cd "$(dirname "$SIMUL")" && pwd)/$(basename "$SIMUL")
tmp=$(mktemp -d)
sock="simul-rec-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
need tmux tmux
need "$PYTHON" python3

# Bad input first: nothing runs.
printf 'wait 1s\njump 3\n' >"$tmp/bad.txt"
"$SIMUL" threads/interleave --script "$tmp/bad.txt" </dev/null >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad script accepted"
grep -q 'line 2: unknown action: allowed wait, key' "$tmp/err" || { cat "$tmp/err"; fail "bad script message"; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "bad script: more than one line"
for s in 10x10 100 100x 100x30x2 axb 9999x30; do
	"$SIMUL" threads/interleave --size "$s" </dev/null >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q 'expected WxH' "$tmp/err" || fail "--size $s accepted"
done
"$SIMUL" threads/interleave --plain --record "$tmp/x.cast" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--record with --plain accepted"

# cast_screen CAST OUT [MARKER]: the screen after every "o" event before
# the marker (default "final"), as tmux shows it at the recorded size.
cast_screen() {
	local marker=${3:-final}
	"$PYTHON" - "$1" "$2.raw" "$marker" <<'PY' || fail "cast checks ($1)"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
h = json.loads(lines[0])
assert h["version"] == 2 and h["width"] == 100 and h["height"] == 30, h
assert isinstance(h["timestamp"], int) and h["timestamp"] > 1500000000, h
assert isinstance(h["title"], str) and "TERM" in h["env"], h
ev = [json.loads(l) for l in lines[1:]]
last = 0.0
for e in ev:
    assert isinstance(e, list) and len(e) == 3 and e[1] in ("o", "m"), e
    assert isinstance(e[0], float) or isinstance(e[0], int), e
    assert e[0] >= last, ("time goes back", e, last)
    last = e[0]
final = [e[0] for e in ev if e[1] == "m" and e[2] == sys.argv[3]]
assert len(final) == 1, "no '%s' marker" % sys.argv[3]
out = "".join(e[2] for e in ev if e[1] == "o" and e[0] < final[0])
assert len(out) > 1000, len(out)
open(sys.argv[2], "w", encoding="utf-8").write(out)
PY
	tmux -L "$sock" new-session -d -s replay -x 100 -y 30 "cat '$2.raw'; sleep 30"
	sleep 1
	tmux -L "$sock" capture-pane -p -t replay >"$2"
	tmux -L "$sock" kill-session -t replay
}

# 1. The TUI under the relay, in a 100x30 tmux pane: the screen it shows
#    once the (short) run is over is what the recording replays to.
cat >"$tmp/run.txt" <<'S'
# let the run finish, look at the help, close it, open one task's details
wait 1500ms
key ?
wait 300ms
key ?
select letters
key enter
wait 500ms
marker "final"
wait 3s
quit
S
tmux -L "$sock" new-session -d -s live -x 100 -y 30 \
	"LANG=C.UTF-8 '$SIMUL' threads/interleave -s pause_ms=5 --size 100x30 --script '$tmp/run.txt' --record '$tmp/run.cast'; sleep 30"
sleep 3.5
tmux -L "$sock" capture-pane -p -t live >"$tmp/live.txt"
pane=$(tmux -L "$sock" display -p -t live '#{pane_pid}')
for _ in $(seq 50); do
	grep -q '"final"' "$tmp/run.cast" 2>/dev/null && [ -z "$(children_of "$pane" --record)" ] && break
	sleep 0.2
done
tmux -L "$sock" kill-session -t live 2>/dev/null
grep -q 'threads/interleave' "$tmp/live.txt" || { cat "$tmp/live.txt"; fail "the TUI did not show the run"; }
grep -q 'letters  (thread' "$tmp/live.txt" || { cat "$tmp/live.txt"; fail "script's select + Enter did not open letters"; }
cast_screen "$tmp/run.cast" "$tmp/replayed.txt"
diff "$tmp/live.txt" "$tmp/replayed.txt" >"$tmp/d.txt" || { cat "$tmp/d.txt"; fail "replayed cast differs from the screen"; }

# 2. The same script twice, headless (no terminal: the script is the only
#    input): the same final screen. The menu is what a script can make
#    exactly repeatable (a run's measured times differ from run to run).
cat >"$tmp/menu.txt" <<'S'
wait 800ms
key j
key k
wait 200ms
key ?
wait 300ms
key esc
wait 300ms
marker "final"
wait 200ms
quit
S
for i in 1 2; do
	LANG=C.UTF-8 "$SIMUL" --size 100x30 --keys-overlay --script "$tmp/menu.txt" --record "$tmp/menu$i.cast" </dev/null >/dev/null \
		|| fail "scripted session $i exit status"
	cast_screen "$tmp/menu$i.cast" "$tmp/menu$i.txt"
done
grep -q 'threads/interleave' "$tmp/menu1.txt" || { cat "$tmp/menu1.txt"; fail "menu screen lacks the demo list"; }
grep -q 'key: esc' "$tmp/menu1.txt" || { cat "$tmp/menu1.txt"; fail "--keys-overlay did not show the last key"; }
diff "$tmp/menu1.txt" "$tmp/menu2.txt" || fail "the same script gave two different screens"
# 3. A saved run replayed in the TUI: the play head starts at the end (the
#    whole run), Home puts it at the start (nothing shown yet), [ and ] step
#    it back and forward a column at a time, End shows everything again.
"$SIMUL" threads/interleave -s pause_ms=20 --save "$tmp/run.save" --report /dev/null || fail "save for replay"
cat >"$tmp/replay.txt" <<'S'
wait 800ms
marker "whole"
key home
wait 300ms
marker "start"
key end
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
key [
wait 300ms
marker "back"
key ]
key ]
key ]
wait 300ms
marker "forward"
key end
wait 300ms
marker "final"
quit
S
LANG=C.UTF-8 "$SIMUL" --replay "$tmp/run.save" --size 100x30 --script "$tmp/replay.txt" --record "$tmp/replay.cast" \
	</dev/null >/dev/null || fail "replay in the TUI: exit status"
for m in whole start back forward final; do
	cast_screen "$tmp/replay.cast" "$tmp/replay-$m.txt" "$m"
done
# lane_cells LANE FILE: how many timeline cells (characters 10..93, counted
# as characters, not bytes) of the lane show a state.
lane_cells() {
	local LC_ALL=C.UTF-8 line cells
	line=$(grep "^$1 " "$2")
	cells=${line:9:84}
	cells=${cells// /}
	echo ${#cells}
}
marked() { lane_cells numbers "$1"; }
w=$(marked "$tmp/replay-whole.txt"); s0=$(marked "$tmp/replay-start.txt")
e=$(marked "$tmp/replay-final.txt")
# main lives from the first column to the last, so stepping shows on it.
marked_main() { lane_cells main "$1"; }
mw=$(marked_main "$tmp/replay-whole.txt")
b=$(marked_main "$tmp/replay-back.txt"); fw=$(marked_main "$tmp/replay-forward.txt")
[ "$s0" -le 1 ] || { cat "$tmp/replay-start.txt"; fail "play head at the start still shows $s0 cells"; }
# Stepping back from the end hides the last columns (the lane runs to the
# end); stepping forward again shows more. Neither depends on when the lane
# started, which varies (slower thread start under sanitizers).
[ "$b" -gt 1 ] && [ "$b" -lt "$mw" ] || fail "stepping back: main shows $b cells, whole run $mw"
[ "$fw" -gt "$b" ] && [ "$fw" -le "$mw" ] || fail "stepping forward: main $b -> $fw cells, whole run $mw"
[ "$e" -eq "$w" ] || fail "End shows $e cells, the whole run $w"
grep -q 'Number' "$tmp/replay-whole.txt" || fail "replay lacks the printed lines"
# 4. A script's set and run from the menu: the run uses what was set.
cat >"$tmp/set.txt" <<'S'
wait 700ms
set count=2
set pause_ms=5
run
wait 1500ms
marker "final"
quit
S
LANG=C.UTF-8 "$SIMUL" --size 100x30 --script "$tmp/set.txt" --record "$tmp/set.cast" </dev/null >/dev/null \
	|| fail "set/run script: exit status"
cast_screen "$tmp/set.cast" "$tmp/set-final.txt"
grep -q 'Number 2' "$tmp/set-final.txt" && ! grep -q 'Number 3' "$tmp/set-final.txt" \
	|| { cat "$tmp/set-final.txt"; fail "script's set count=2 + run did not run two numbers"; }
exit 0
