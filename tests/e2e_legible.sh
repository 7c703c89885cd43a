#!/bin/bash
# e2e_legible.sh: the TUI legible at a glance, read back from the screen in
# tmux (its own server socket), polling for what should appear:
# - 200x60, NO_COLOR: a finished threads/gil shows the GIL glyph on its gil-N
#   lanes at the default zoom and never on nogil-N;
# - threads/interleave's numbers and letters lanes carry their five print
#   marks each (UTF-8 and --ascii);
# - 80x24: the menu scrolls to the last demo with it on screen, and the key
#   bar keeps help and quit (menu and run screen);
# - the why row and link: gil-1 at a GIL wait names gil-2 as the holder and
#   a link marks gil-2's lane; a blocked ticker of loop/blocking names the
#   culprit that held the loop;
# - wakes: zoomed in on threads/gil, each GIL wait ends in a chevron (a
#   task woken by another); loop/wait at 200x60 marks main woken, the why
#   row at that chevron names fetch 1 (returned) and links its lane; its
#   cancelled tasks show a cross right after their last cell and `cncl`,
#   the others none, and the why row after fetch 2's end says it was
#   cancelled; at 80x24 with --ascii and --theme contrast, the same
#   in ASCII (> and x);
# - the per-core view (c): a lane per CPU, other programs, the task legend;
# - ? and F1 open the help, which lists c, the why row and a replay's keys;
#   t names the theme; the presenter layout shows a watch-for callout;
# - the per-core view and the why row are in doc/screen.md.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
simul_abs
need "$PYTHON" python3
tmux_use legible
# (legible-0 does not exist: nor is it a prefix of the names that follow,
# which tmux's -t would match)
N=0
SESS=legible-0
trap tmux_stop EXIT

# start W H ARGS...: simul in a fresh window of that size, NO_COLOR.
start() {
	local w=$1 h=$2
	shift 2
	local old=$SESS
	N=$((N + 1))
	SESS=legible-$N
	# the new session first, so that the server outlives the old one
	T new-session -d -x "$w" -y "$h" -s "$SESS" \
		"env TERM=screen-256color NO_COLOR=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 $SIMUL $*; sleep 60" ||
		fail "tmux would not start"
	T kill-session -t "$old" 2>/dev/null
}
keys() { T send-keys -t "$SESS" "$@"; }
# lane_cells NAME: the cells of the lane named NAME (the text between the
# name column and the state column), from the ruler's start.
lane_cells() {
	screen | "$PYTHON" -c '
import re, sys
rows = sys.stdin.read().split("\n")
ruler = next(r for r in rows if re.match(r"^ +[|v\u25bc-]+-", r))
x = len(ruler) - len(ruler.lstrip(" "))
n = len(ruler.rstrip()) - x - len("@cur") - 1
for r in rows:
    if re.match(re.escape(sys.argv[1]) + r" ", r):
        print(r[x:x + n])
        break' "$1"
}
# cursor_to COL: the cursor line to cell COL (from the left edge).
cursor_to() {
	local i
	for i in $(seq 40); do keys '<' '<' '<' '<' '<' '<' '<' '<'; done
	for ((i = 0; i < $1; i++)); do keys '>'; done
}

# ---- threads/gil at 200x60, no colour: G on gil-N, never on nogil-N ----
start 200 60 threads/gil
wait_for 'finished' 60
for l in gil-1 gil-2; do
	c=$(lane_cells "$l")
	[ "$(echo "$c" | tr -cd 'G' | wc -c)" -ge 3 ] || fail "$l shows no GIL glyph at the default zoom: '$c'"
done
for l in nogil-1 nogil-2; do
	c=$(lane_cells "$l")
	[ -n "$(echo "$c" | tr -d ' ')" ] || fail "no cells on $l"
	echo "$c" | grep -q '[Gg]' && fail "$l shows a GIL glyph: '$c'"
done
screen | tail -1 | grep -q '? help' || fail "key bar lacks help"
screen | tail -1 | grep -q 'q quit' || fail "key bar lacks quit"

# ---- why: gil-1 at a GIL wait names its holder; a link marks the holder ----
# (a G column is mostly a wait; the cursor's instant, its middle, may fall
# in a turn of running: the first of them where it waits, and where the
# lesson has a line of gil-1's to light, will do: on a busy machine gil-1's
# first wait, before it ever ran, can fill columns)
cols=$(lane_cells gil-1 | "$PYTHON" -c '
import sys
c = sys.stdin.read()
print(" ".join(str(i) for i, g in enumerate(c) if g == "G"))')
keys Down Down Down
wait_for '^why: gil-1 ' 5
cursor_to 0
at=0 found=0 holder=0
for col in $cols; do
	for ((; at < col; at++)); do keys '>'; done
	for _ in $(seq 10); do
		screen | grep -qE '^why: gil-1 (waited|ran|was)' && break
		sleep 0.1
	done
	if screen | grep -qE '^why: gil-1 waited [0-9.]+ [mµu]?s because gil-2 held the GIL'; then
		holder=1
		# the lesson follows the cursor: it lights gil-1's line there (polled:
		# the pane can be a frame behind)
		for _ in $(seq 10); do
			if screen | grep -qE 'lesson line [0-9]+: gil-1 at the cursor'; then
				found=1
				break
			fi
			sleep 0.1
		done
		[ $found = 1 ] && break
	fi
done
[ $holder = 1 ] || fail "no cursor position on gil-1's G cells gives the GIL's holder"
[ $found = 1 ] || fail "lesson does not follow the cursor"
screen | grep -E '^gil-2 ' | grep -qE '(◀─|<-)' || fail "no link on gil-2's lane"

# ---- wakes, zoomed in: each GIL wait of gil-N ends woken by the other ----
# (at the default zoom only waits a column wide are marked; at under 1 ms a
# column every 5 ms wait is)
for _ in $(seq 10); do
	screen | head -1 | grep -qE ' [0-9.]+ µs/col' && break
	keys '+'
	sleep 0.3
done
wait_for ' [0-9.]+ µs/col' 5
for l in gil-1 gil-2; do
	c=$(lane_cells "$l")
	[ "$(echo "$c" | grep -o '»' | wc -l)" -ge 1 ] || fail "$l, zoomed in, shows no wakes: '$c'"
done
echo "$(lane_cells nogil-1)$(lane_cells nogil-2)" | grep -q '»' && fail "a nogil lane shows a wake"
screen | grep -qE '^legend: .*» woken by another task' || fail "the legend lacks the wake"
keys 0

# ---- the per-core view ----
keys c
wait_for 'per-core view' 5
s=$(screen)
echo "$s" | grep -qE '^cpu 0 ' || fail "no cpu 0 lane"
echo "$s" | grep -qE '^other programs ' || fail "no other programs lane"
echo "$s" | grep -qE '^legend: .*gil-1' || fail "the core legend does not name the tasks"
echo "$s" | grep -qE '^why: (cpu|other programs)' || fail "no why row in the per-core view"
keys c
wait_for '^nogil-1 ' 5

# ---- help: ? and F1, with c, the why row and a replay's keys ----
keys F1
wait_for 'help: every key' 5
s=$(screen)
echo "$s" | grep -q 'per-core view' || fail "help lacks c"
echo "$s" | grep -q 'in a replay' || fail "help lacks a replay's keys"
keys Escape
wait_for '^why: ' 5
keys '?'
wait_for 'help: every key' 5
keys Escape
# ---- t names the theme ----
keys t
wait_for 'theme light' 5
keys q

# ---- loop/blocking: a ticker waits for the culprit that held the loop ----
start 120 40 loop/blocking
wait_for 'finished' 60
col=$(lane_cells 'ticker 1 (blocked)' | "$PYTHON" -c 'import sys; print(sys.stdin.read().index("\u2591"))') ||
	fail "no ready cells on ticker 1 (blocked)"
n=$(screen | grep -nE '^ticker 1 \(blocked\)' | cut -d: -f1)
first=$(screen | grep -nE '^(event loop|main|culprit) ' | head -1 | cut -d: -f1)
for ((i = first; i < n; i++)); do keys Down; done
wait_for '^why: ticker 1 \(blocked\)' 5
cursor_to $((col + 3))
wait_for '^why: ticker 1 \(blocked\) waited [0-9.]+ m?s because culprit held the loop' 5
keys q

# ---- loop/wait: woken and cancelled, 200x60 ----
# check_ends CROSS: the cancelled tasks' lanes end in CROSS right after
# their last cell, the others never show it.
check_ends() {
	local l c
	for l in 'fetch 2' 'fetch 3' slow a c; do
		c=$(lane_cells "$l")
		echo "$c" | python3 -c '
import sys
c, x = sys.stdin.read().rstrip("\n").rstrip(" "), sys.argv[1]
assert c.endswith(x) and c.count(x) == 1 and len(c) > 1 and c[-2] != " ", c' "$1" ||
			fail "$l does not end in $1: '$c'"
	done
	for l in 'fetch 1' bad main 'event loop'; do
		echo "$(lane_cells "$l")" | grep -qF "$1" && fail "$l shows $1: '$(lane_cells "$l")'"
	done
	screen | grep -qE '^fetch 2 .* cncl( |$)' || fail "fetch 2's state after its end is not cncl"
}
start 200 60 loop/wait
wait_for '^ simul  loop/wait  finished' 30
check_ends '×'
screen | grep -qE '^legend: .*× cancelled' || fail "the legend lacks the cancelled end"
c=$(lane_cells main)
echo "$c" | grep -q '»' || fail "main shows no wake: '$c'"
echo "$(lane_cells 'fetch 1')" | grep -q '»' && fail "fetch 1, woken by a timer, shows a wake"
# the why row at main's first chevron: fetch 1's return woke it; a link
# marks fetch 1's lane
col=$(echo "$c" | python3 -c 'import sys; print(sys.stdin.read().index("\u00bb"))')
n=$(screen | grep -nE '^main ' | cut -d: -f1)
first=$(screen | grep -nE '^event loop ' | cut -d: -f1)
for ((i = first; i < n; i++)); do keys Down; done
wait_for '^why: main ' 5
cursor_to "$col"
wait_for '^why: main was woken by fetch 1 \(returned\) after [0-9.]+ m?s waiting \(join' 5
screen | grep -E '^fetch 1 ' | grep -qE '◀─' || fail "no link on fetch 1's lane"
# after fetch 2's cross, the why row says how it ended
col=$(lane_cells 'fetch 2' | python3 -c 'import sys; print(sys.stdin.read().index("\u00d7"))')
keys Down Down
wait_for '^why: fetch 2 ' 5
cursor_to $((col + 3))
wait_for '^why: fetch 2 was cancelled: a CancelledError ended it at [0-9.]+ m?s' 5
keys q

# ---- the same at 80x24, --ascii, --theme contrast ----
start 80 24 loop/wait --ascii --theme contrast
wait_for '^ simul  loop/wait  finished' 30
check_ends 'x'
echo "$(lane_cells main)" | grep -q '>' || fail "main shows no wake in ASCII: '$(lane_cells main)'"
keys q

# ---- threads/interleave: five print marks on each printing lane ----
for mode in utf8 ascii; do
	if [ $mode = ascii ]; then start 120 40 threads/interleave --ascii; else start 120 40 threads/interleave; fi
	wait_for 'finished' 30
	for l in numbers letters; do
		c=$(lane_cells "$l")
		dots=$(echo "$c" | grep -o '[•*]' | wc -l)
		more=$(echo "$c" | grep -o '[2-9]' | awk '{s += $1} END {print s + 0}')
		[ $((dots + more)) -eq 5 ] || fail "$l ($mode) shows $dots marks and $more counted: '$c'"
	done
	keys q
done

# ---- 80x24: the menu reaches the last demo, the key bar keeps help and quit ----
last=$("$SIMUL" --list | tail -1 | awk '{print $1}')
start 80 24
wait_for 'pick a demo' 10
for i in $(seq "$("$SIMUL" --list | wc -l)"); do keys Down; done
wait_for "^ +$last " 5
screen | sed -n 3p | grep -q "$last" || fail "the selected demo ($last) is not the one described"
screen | tail -1 | grep -q '? help' || fail "menu key bar lacks help at 80x24"
screen | tail -1 | grep -q 'q quit' || fail "menu key bar lacks quit at 80x24"
keys q
start 80 24 threads/interleave
wait_for 'finished' 30
screen | tail -1 | grep -q '? help' || fail "run key bar lacks help at 80x24"
screen | tail -1 | grep -q 'q quit' || fail "run key bar lacks quit at 80x24"
keys q

# ---- the presenter layout: a watch-for callout at the cursor's chapter ----
start 120 40 threads/gil --present
wait_for 'finished' 60
wait_for '^(▼|v) [0-9.]+ m?s  ' 5

# ---- documented ----
grep -qi 'per-core view' doc/screen.md || fail "doc/screen.md lacks the per-core view"
grep -qF '**Why**' doc/screen.md || fail "doc/screen.md lacks the why row"
grep -qF '**Wakes on the lanes**' doc/screen.md || fail "doc/screen.md lacks the wakes and their rule"
grep -qF '**Ends**' doc/screen.md || fail "doc/screen.md lacks the cancelled end"

echo "e2e_legible: all passed"
