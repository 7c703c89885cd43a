#!/bin/bash
# e2e_tui.sh: drives the real simul binary inside tmux (its own server
# socket) and reads the screen back: the menu lists every demo, edits a
# parameter (refusing a bad value with what is allowed) and filters; a run
# of threads/interleave shows both lanes and the printed lines in order; a
# mouse click selects a lane; r re-runs; f (freeze), pan and zoom change the view
# as they should; help and task detail open and close; a 60x20 window gets
# the size message and 120x40 redraws; q, Ctrl-Z, Ctrl-C, SIGTERM and a
# fatal signal leave a sane terminal; SIGHUP ends simul; bad --set values are
# refused before the terminal is touched.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
simul_abs
tmux_use simul-e2e
trap tmux_stop EXIT

# The time axis's labels (under the header, and the busy-machine banner when
# there is one).
axis() { grep -m1 -E '^(sim )?time '; }
simul_pid() {
	local sh
	sh=$(T display -p -t "$SESS" '#{pane_pid}')
	cat "/proc/$sh/task/$sh/children" 2>/dev/null | awk '{print $1}'
}

tmux_shell

# ---- menu lists the demos; Enter runs the selected one ----
T send-keys -t "$SESS" "clear; $SIMUL" Enter
wait_for 'pick a demo' 10
wait_for 'threads/interleave' 5
screen | grep -q 'parameters' || fail "menu shows no parameters"
# every demo --list knows is on the menu (as many as fit on 40 rows)
for d in $("$SIMUL" --list | awk '{print $1}' | head -25); do
	screen | grep -qF "$d" || fail "menu lacks $d"
done
T send-keys -t "$SESS" Enter
wait_for 'finished' 20
s=$(screen)
echo "$s" | grep -qE '^numbers ' || fail "no numbers lane"
echo "$s" | grep -qE '^letters ' || fail "no letters lane"
lines=$(echo "$s" | grep -oE '^(numbers: Number [1-5]|letters: Letter [a-e])' | sed 's/^[a-z]*: //')
[ "$(echo "$lines" | wc -l)" -eq 10 ] || fail "expected 10 printed lines, got: $lines"
[ "$(echo "$lines" | grep Number | tr '\n' ' ')" = "Number 1 Number 2 Number 3 Number 4 Number 5 " ] ||
	fail "numbers out of order"
[ "$(echo "$lines" | grep Letter | tr '\n' ' ')" = "Letter a Letter b Letter c Letter d Letter e " ] ||
	fail "letters out of order"
# A mouse click (X10 encoding, as a terminal sends it) on the letters lane
# selects it and puts the cursor line where it was clicked.
click() { # click X Y (0-based cells)
	local press rel
	printf -v press '\e[M%b%b%b' '\x20' "\\x$(printf %x $((33 + $1)))" "\\x$(printf %x $((33 + $2)))"
	printf -v rel '\e[M%b%b%b' '\x23' "\\x$(printf %x $((33 + $1)))" "\\x$(printf %x $((33 + $2)))"
	T send-keys -t "$SESS" -l "$press"
	T send-keys -t "$SESS" -l "$rel"
}
cur1=$(screen | grep -oE 'cursor [0-9.]+ [mµu]?s')
row=$(($(screen | grep -nE '^letters ' | cut -d: -f1) - 1))
click 30 "$row"
wait_for '> letters' 5
[ "$(screen | grep -oE 'cursor [0-9.]+ [mµu]?s')" != "$cur1" ] || fail "click did not move the cursor"
# r runs it again from the start.
T send-keys -t "$SESS" r
wait_for 'running' 10
wait_for 'finished' 20
# Esc goes back to the menu.
T send-keys -t "$SESS" Escape
wait_for 'pick a demo' 10
# p edits a parameter in place: out of range is refused with what is allowed.
T send-keys -t "$SESS" p
wait_for 'Enter edit' 5
T send-keys -t "$SESS" Enter BSpace BSpace BSpace BSpace 99999 Enter
wait_for 'out of range; allowed: .*0\.\.5000' 5
T send-keys -t "$SESS" BSpace BSpace BSpace BSpace BSpace 250 Enter
wait_for 'pause_ms +250 ' 5
T send-keys -t "$SESS" Escape
wait_for 'Enter run' 5
# / filters the list.
T send-keys -t "$SESS" / z z q
wait_for 'no demo matches' 5
T send-keys -t "$SESS" Escape
wait_for 'threads/interleave' 5
T send-keys -t "$SESS" q
wait_for 'PROMPT\$' 10
check_tty q

# ---- f freezes the view while the run goes on ----
# (past 2 s, when a following view rescales as the run grows)
T send-keys -t "$SESS" "clear; $SIMUL threads/interleave -s pause_ms=1000" Enter
wait_for 'running [2-3]\.[0-9]+ s +\[following\]' 10
T send-keys -t "$SESS" f
wait_for 'view frozen' 5
axis1=$(screen | axis)
cols1=$(screen | grep -oE '[0-9.]+ [mµu]?s/col' | head -1)
head1=$(screen | grep -oE 'running [0-9.]+ s')
sleep 1.2
s=$(screen)
echo "$s" | grep -q 'view frozen' || fail "the frozen view did not hold"
[ "$(echo "$s" | grep -oE 'running [0-9.]+ s')" != "$head1" ] || fail "the run stopped while the view froze"
[ "$(echo "$s" | axis)" = "$axis1" ] || fail "frozen view moved"
[ "$(echo "$s" | grep -oE '[0-9.]+ [mµu]?s/col' | head -1)" = "$cols1" ] || fail "frozen scale changed"
# f again follows the present.
T send-keys -t "$SESS" f
wait_for '\[following\]' 5
wait_for 'finished' 20

# ---- zoom and pan ----
to_ns() { # "4.77 ms/col" -> ns
	echo "$1" | awk '{v=$1; u=$2; sub("/col","",u);
		m = (u=="s") ? 1e9 : (u=="ms") ? 1e6 : (u=="µs"||u=="us") ? 1e3 : 1; printf "%d\n", v*m}'
}
before=$(to_ns "$(screen | grep -oE '[0-9.]+ [mµun]?s/col' | head -1)")
T send-keys -t "$SESS" +
sleep 0.3
T send-keys -t "$SESS" +
sleep 0.5
after=$(to_ns "$(screen | grep -oE '[0-9.]+ [mµun]?s/col' | head -1)")
[ "$after" -gt 0 ] && [ $((after * 3)) -le "$before" ] || fail "zoom in: $before ns/col -> $after ns/col"
axis1=$(screen | axis)
T send-keys -t "$SESS" l
sleep 0.5
axis2=$(screen | axis)
[ "$axis1" != "$axis2" ] || fail "pan right did not move the axis"
T send-keys -t "$SESS" h
sleep 0.5
[ "$(screen | axis)" = "$axis1" ] || fail "pan left did not come back"
T send-keys -t "$SESS" -
sleep 0.3
T send-keys -t "$SESS" 0
sleep 0.5
fit=$(to_ns "$(screen | grep -oE '[0-9.]+ [mµun]?s/col' | head -1)")
[ "$fit" -gt "$after" ] || fail "0 did not fit the run: $fit vs $after"

# ---- help overlay and task detail ----
T send-keys -t "$SESS" '?'
wait_for 'help: every key' 5
T send-keys -t "$SESS" Space
wait_gone 'help: every key' 5
T send-keys -t "$SESS" Down Enter
wait_for 'duration +state +core +why' 5
T send-keys -t "$SESS" Escape
wait_gone 'duration +state +core +why' 5

# ---- resize below the minimum and back ----
T resize-window -t "$SESS" -x 60 -y 20
wait_for 'too small' 10
screen | grep -q '80x24' || fail "size message does not say how big"
T resize-window -t "$SESS" -x 120 -y 40
wait_for 'legend:' 10
wait_gone 'too small' 5
T send-keys -t "$SESS" q
wait_for 'PROMPT\$' 10
check_tty "q after resize"

# ---- Ctrl-Z suspends with a sane terminal, fg redraws ----
T send-keys -t "$SESS" "clear; $SIMUL threads/interleave" Enter
wait_for 'legend:' 10
T send-keys -t "$SESS" C-z
wait_for 'Stopped' 10
check_tty Ctrl-Z
T send-keys -t "$SESS" "clear; fg" Enter
wait_for 'legend:' 10
T send-keys -t "$SESS" q
wait_for 'PROMPT\$' 10
check_tty "q after fg"

# ---- Ctrl-C in the middle of a run ----
T send-keys -t "$SESS" "clear; $SIMUL threads/interleave -s pause_ms=2000" Enter
wait_for 'running' 10
T send-keys -t "$SESS" C-c
wait_for 'PROMPT\$' 10
check_tty Ctrl-C

# ---- SIGTERM in the middle of a run ----
T send-keys -t "$SESS" "clear; $SIMUL threads/interleave -s pause_ms=2000" Enter
wait_for 'running' 10
pid=$(simul_pid)
[ -n "$pid" ] || fail "cannot find simul's pid"
kill -TERM "$pid"
wait_for 'PROMPT\$' 10
check_tty SIGTERM

# ---- a fatal signal still gives the terminal back ----
# (through sh: bash resets the terminal itself after a job dies of a signal,
# which would hide a missing reset in simul)
T send-keys -t "$SESS" "clear; ulimit -c 0; sh -c '$SIMUL threads/interleave -s pause_ms=2000; true'" Enter
wait_for 'running' 10
sh_pid=$(simul_pid)
pid=$(cat "/proc/$sh_pid/task/$sh_pid/children" 2>/dev/null | awk '{print $1}')
[ -n "$pid" ] || fail "cannot find simul's pid"
kill -SEGV "$pid"
wait_for 'PROMPT\$' 10
check_tty SIGSEGV

# ---- SIGHUP (the terminal went away) ends simul ----
T new-window -d -t "$SESS" -n hup "exec $SIMUL threads/interleave -s pause_ms=2000"
sleep 0.5
hpid=$(T display -p -t "$SESS:hup" '#{pane_pid}')
[ -n "$hpid" ] && [ -d "/proc/$hpid" ] || fail "simul did not start in a second window"
T kill-window -t "$SESS:hup"
for _ in $(seq 50); do [ -d "/proc/$hpid" ] || break; sleep 0.1; done
[ -d "/proc/$hpid" ] && fail "simul still running 5 s after SIGHUP"

# ---- bad input never touches the terminal ----
T send-keys -t "$SESS" "clear; $SIMUL threads/interleave -s pause_ms=-5; echo rc=\$?" Enter
wait_for 'rc=2' 10
screen | grep -q 'pause_ms' || fail "bad --set not reported"

echo "e2e_tui: all passed"
