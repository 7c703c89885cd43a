#!/bin/bash
# e2e_reliable.sh: what a hostile-input and fault campaign broke (issue 17),
# each case as it was found, on the real binary:
#  - a replay's play head stopped and left for the menu (no crash);
#  - SIGQUIT, SIGUSR1 and friends give the terminal back (alternate screen
#    off, cursor shown, mouse reporting off, cooked mode) and still kill;
#  - closed standard input, output or error: no abort;
#  - a low open-file limit: one line and exit status 1, never an abort, a
#    crash or a hang (tests/torture_limits.sh sweeps every demo);
#  - a save file with a sim_scale that overflows, a nan, or /dev/zero:
#    refused at once with one line;
#  - a script that ends without quit, with no terminal, still ends;
#  - no output destroyed or left empty: the same file twice or as input and
#    output is refused; a failed run, a bad save file, kill -9 or SIGUSR1
#    mid-run leave the old file as it was and no temporary file;
#  - a full disk (/dev/full) under --list, --help, --plain, --report -:
#    one line and exit status 1;
#  - arguments: one range per option, control characters escaped in the
#    message, an option given twice refused, COLUMNS within --width's
#    range (and harmless to the TUI);
#  - worker processes die with simul (kill -9); a pool worker stopped by
#    SIGSTOP is reported, and Ctrl-C still ends the run;
# The TUI cases run in tmux on a server socket of their own.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
simul_abs
tmux_use simul-rel

tmp=$(mktemp -d)
trap 'tmux_stop; rm -rf "$tmp"' EXIT

# The terminal as a shell wants it: main screen, cursor shown, no mouse
# reporting (tmux's own view of the pane), canonical mode and echo.
check_term() {
	local f
	f=$(T display -p -t "$SESS" '#{alternate_on} #{cursor_flag} #{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}')
	[ "$f" = "0 1 0000" ] || fail "after $1: alternate screen, cursor, mouse flags are '$f', want '0 1 0000'"
	check_tty "$1"
}
child_of() { cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}'; }

# ---- 2. closed standard descriptors ----
for redir in '<&-' '>&-' '2>&-'; do
	out=$(bash -c "timeout 20 \"\$0\" threads/interleave --plain -s pause_ms=1 -s count=2 $redir; echo rc=\$?" "$SIMUL" 2>&1)
	[[ $out == *rc=0* ]] || fail "threads/interleave --plain $redir: $out"
done
out=$(bash -c 'timeout 20 "$0" --list >&-; echo rc=$?' "$SIMUL" 2>&1)
[[ $out == *rc=0* ]] || fail "--list >&-: $out"
out=$(bash -c 'timeout 20 "$0" threads/interleave <&- 2>&1; echo rc=$?' "$SIMUL")
[[ $out == *"needs a terminal"*rc=2* ]] || fail "the TUI with standard input closed: $out"

# ---- 3. low open-file limits ----
# (a helper script, so that bash's own pipes do not count against the limit)
cat >"$tmp/lim.sh" <<'SH'
ulimit -n "$1" || exit 99
shift
exec timeout 60 "$@"
SH
limited() { # limited N ARGS...: sets rc, err
	bash "$tmp/lim.sh" "$@" >/dev/null 2>"$tmp/lim.err"
	rc=$?
	err=$(cat "$tmp/lim.err")
}
for n in 4 5 6 8 12; do
	limited $n "$SIMUL" threads/interleave --plain -s pause_ms=1
	[ $rc -eq 1 ] || fail "ulimit -n $n: exit status $rc, want 1 ($err)"
	[ "$(wc -l <"$tmp/lim.err")" -eq 1 ] && [[ $err == *"open-file limit is $n"* ]] ||
		fail "ulimit -n $n: not one line naming the limit: $err"
done
# Above the floor, a demo that runs out fails with one line, or runs.
for n in 16 20 24 28; do
	for demo in "threads/interleave -s pause_ms=1" "threads/download -s latency_ms=10" \
		"loop/sleep -s pause_ms=10 -s count=2" "processes/workers -s job_ms=10 -s workers=2"; do
		# shellcheck disable=SC2086
		limited $n "$SIMUL" $demo --plain
		case $rc in
		0) ;;
		1) [ "$(wc -l <"$tmp/lim.err")" -eq 1 ] && [[ $err == simul:* ]] ||
			fail "ulimit -n $n, $demo: exit 1 without one line: $err" ;;
		*) fail "ulimit -n $n, $demo: exit status $rc ($err)" ;;
		esac
	done
done

# ---- 5. a script without quit, and no terminal to type one ----
printf 'wait 200ms\n' >"$tmp/noquit.txt"
t0=$(date +%s)
timeout 30 "$SIMUL" threads/interleave -s pause_ms=1 --script "$tmp/noquit.txt" </dev/null >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "script without quit: exit status $rc ($(cat "$tmp/err"))"
grep -q 'ended without quit' "$tmp/err" || fail "script without quit: no word of it: $(cat "$tmp/err")"
# The quit typed into a parameter being edited is text: SIGTERM ends it.
printf 'key esc\nwait 300ms\nkey p\nkey enter\n' >"$tmp/swallow.txt"
timeout 30 "$SIMUL" threads/interleave -s pause_ms=1 --script "$tmp/swallow.txt" </dev/null >/dev/null 2>&1
rc=$?
[ $rc -eq 130 ] || fail "script whose quit is swallowed: exit status $rc, want 130"
[ $(($(date +%s) - t0)) -lt 25 ] || fail "scripts without quit took $(($(date +%s) - t0)) s"

# ---- 6, 8. hostile save files: refused at once, with one line ----
"$SIMUL" chess/async -s boards=2 -s moves=2 --save "$tmp/c.save" >/dev/null || fail "chess/async --save"
grep -q '^sim_scale [1-9]' "$tmp/c.save" || fail "the chess save has no sim_scale"
bad_save() { # bad_save WHAT FILE WANT
	timeout 10 "$SIMUL" --replay "$2" --plain >/dev/null 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$1: exit status $rc, want 2 ($(cat "$tmp/err"))"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "$3" "$tmp/err" ||
		fail "$1: not one line with '$3': $(cat "$tmp/err")"
}
for v in 1e-300 1e300 nan inf -1 0.0001; do
	sed "s/^sim_scale .*/sim_scale $v/" "$tmp/c.save" >"$tmp/bad.save"
	bad_save "sim_scale $v" "$tmp/bad.save" 'expected: sim_scale'
done
sed 's/^result \("[a-z_]*"\) num .*/result \1 num nan/' "$tmp/c.save" >"$tmp/bad.save"
grep -q 'num nan' "$tmp/bad.save" || fail "no result to spoil"
bad_save "a result of nan" "$tmp/bad.save" 'expected: result'
t0=$(date +%s%N)
bad_save "/dev/zero" /dev/zero 'not a simul save file'
[ $((($(date +%s%N) - t0) / 1000000)) -lt 2000 ] || fail "/dev/zero took more than 2 s to refuse"
head -c 3000000 /dev/urandom >"$tmp/noise"
bad_save "random bytes" "$tmp/noise" 'not a simul save file'

# ---- 7. files are never destroyed or left empty ----
d=$tmp/files
mkdir "$d"
"$SIMUL" threads/interleave -s pause_ms=1 -s count=2 --save "$d/a.save" >/dev/null || fail "a first save"
cp "$d/a.save" "$d/keep"
refused() { # refused WHAT ARGS...: exit 2, one line, nothing new in $d
	local what=$1
	shift
	local before
	before=$(ls -A "$d")
	"$SIMUL" "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$what: exit status $rc, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: not one line: $(cat "$tmp/err")"
	[ "$(ls -A "$d")" = "$before" ] || fail "$what: files changed: $(ls -A "$d")"
	cmp -s "$d/a.save" "$d/keep" || fail "$what: a.save changed"
}
refused "--replay F --save F" --replay "$d/a.save" --save "$d/a.save"
refused "--replay F --save ./F" --replay "$d/a.save" --save "$d/../files/a.save" --plain
refused "--report X --save X" threads/interleave --report "$d/X" --save "$d/X"
refused "--report F --trace F" threads/interleave --report "$d/a.save" --trace "$d/a.save"
refused "--plain --report -" threads/interleave --plain --report -
refused "--script F --record F" threads/interleave --script "$d/a.save" --record "$d/a.save"
refused "--report ok --trace /bad" threads/interleave -s pause_ms=1 --report "$d/ok.json" --trace /no/such/dir/t.json
echo garbage >"$d/garbage"
refused "--replay garbage --save" --replay "$d/garbage" --save "$d/out.save"
rm "$d/garbage"
echo old >"$d/y.cast"
"$SIMUL" threads/interleave --record "$d/y.cast" </dev/null >/dev/null 2>&1
[ "$(cat "$d/y.cast")" = old ] || fail "--record without a terminal changed y.cast"
rm "$d/y.cast"
# Killed mid-run: kill -9 (a temporary file may stay; never a damaged
# target), SIGUSR1 (nothing stays; SIGQUIT is ignored in a background job).
for sig in KILL USR1; do
	"$SIMUL" threads/interleave -s pause_ms=2000 --save "$d/a.save" --report "$d/r.json" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ -n "$(ls -A "$d" | grep '^\.')" ] && break; sleep 0.1; done
	sleep 0.3
	kill -"$sig" $pid
	wait $pid 2>/dev/null
	cmp -s "$d/a.save" "$d/keep" || fail "SIG$sig mid-run changed the --save target"
	[ ! -e "$d/r.json" ] || fail "SIG$sig mid-run left a --report file"
	if [ $sig = USR1 ]; then
		[ -z "$(ls -A "$d" | grep '^\.')" ] || fail "SIGUSR1 left temporary files: $(ls -A "$d")"
	fi
	rm -f "$d"/.??*
done

# ---- 12. write errors: one line and exit status 1, never a silent 0 ----
if [ -w /dev/full ]; then
	for args in "--list" "--help" "--version" "--list-params threads/interleave" \
		"threads/interleave -s pause_ms=1 --plain" "threads/interleave -s pause_ms=1 --report -" \
		"threads/interleave -s pause_ms=1 --trace -" "--replay $tmp/c.save --plain"; do
		# shellcheck disable=SC2086
		"$SIMUL" $args >/dev/full 2>"$tmp/err"
		rc=$?
		[ $rc -eq 1 ] || fail "$args >/dev/full: exit status $rc, want 1"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'write failed: No space left on device' "$tmp/err" ||
			fail "$args >/dev/full: not one line naming the error: $(cat "$tmp/err")"
	done
else
	echo "SKIP: /dev/full is not writable here: write errors untested"
fi

# ---- 13, 14, 15. arguments: ranges, escapes, once ----
usage_line() { # usage_line WANT ARGS...: exit 2, one line holding WANT, no raw control byte
	local want=$1
	shift
	"$SIMUL" "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$*: exit status $rc, want 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$*: not one line: $(cat -v "$tmp/err")"
	grep -qF -- "$want" "$tmp/err" || fail "$*: no '$want' in: $(cat -v "$tmp/err")"
	! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/err" || fail "$*: a raw control byte in: $(cat -v "$tmp/err")"
}
usage_line "expected a whole number 40..1000" --width 39
usage_line "expected a whole number 40..1000" --width 1001
usage_line "expected a whole number 40..1000" --width 99999999999999999999
usage_line "width 80..500, height 24..200" --size 4294967376x30
usage_line "width 80..500, height 24..200" --size 100x30x
usage_line "width 80..500, height 24..200" --size -100x30
usage_line "unknown demo 'bad\ndemo\e[31m'" $'bad\ndemo\e[31m'
usage_line "--theme '\e]0;x\x07'" --theme $'\e]0;x\a'
usage_line "'9\e[2J' is not a whole number" threads/interleave -s $'pause_ms=9\e[2J'
usage_line "unknown option" $'--\e[2J'
usage_line "--report given twice ('a.json' and 'b.json')" threads/interleave --report a.json --report b.json
usage_line "--replay given twice" --replay a --replay b
usage_line "--width given twice" --width 80 --width 90
usage_line "--seed given twice" --seed 1 --seed 1
"$SIMUL" threads/interleave -s pause_ms=1 -s count=2 --plain --ascii --width 50 >"$tmp/w50" || fail "--width 50"
for cols in 100000 99999999999 abc -5; do
	COLUMNS=$cols "$SIMUL" threads/interleave -s pause_ms=1 -s count=2 --plain --ascii >"$tmp/cols" ||
		fail "COLUMNS=$cols: exit status $?"
	w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/cols")
	[ "$w" -le 1000 ] || fail "COLUMNS=$cols: lines of $w columns (at most 1000)"
	grep -q '^numbers ' "$tmp/cols" || fail "COLUMNS=$cols: the timeline is gone"
done

# ---- 10. worker processes die with simul; a stopped one is reported ----
live() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
workers_of() { # the "--worker" children of pid $1
	local c
	for c in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
		tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null | grep -q -- '--worker' && echo "$c"
	done
}
for start in fork spawn forkserver; do
	"$SIMUL" processes/workers -s job_ms=8000 -s sequential=off -s start=$start --plain >/dev/null 2>&1 &
	pid=$!
	kids=
	for _ in $(seq 100); do kids=$(workers_of $pid); [ "$(echo $kids | wc -w)" -ge 4 ] && break; sleep 0.1; done
	[ -n "$kids" ] || fail "start=$start: no worker appeared"
	kill -9 $pid
	wait $pid 2>/dev/null
	left=
	for _ in $(seq 30); do
		left=
		for k in $kids; do live "$k" && left="$left $k"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	for k in $left; do kill -9 "$k"; done
	[ -z "$left" ] || fail "start=$start: workers outlived simul's kill -9:$left"
done
# A pool worker stopped with SIGSTOP (its parent blocked sending it 1 MiB):
# reported on stderr and on its lane, and Ctrl-C still ends the run.
"$SIMUL" processes/pool -s items=16 -s job_ms=150 -s payload_kib=1024 -s data=array -s workers=2 \
	--plain >"$tmp/pool.out" 2>"$tmp/pool.err" &
pid=$!
k=
for _ in $(seq 300); do k=$(workers_of $pid | head -1); [ -n "$k" ] && break; sleep 0.05; done
[ -n "$k" ] || fail "no pool worker appeared"
kill -STOP "$k"
for _ in $(seq 50); do grep -q "(pid $k) is stopped" "$tmp/pool.err" && break; sleep 0.1; done
grep -q "(pid $k) is stopped: the run waits for it" "$tmp/pool.err" ||
	{ kill -9 $pid "$k"; fail "a stopped pool worker was not reported: $(cat "$tmp/pool.err")"; }
kill -INT $pid
for _ in $(seq 50); do live $pid || break; sleep 0.1; done
if live $pid; then
	kill -9 $pid "$k"
	fail "Ctrl-C did not end a run waiting for a stopped worker"
fi
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "processes/pool with a stopped worker, Ctrl-C: exit status $rc, want 130"
grep -q "pid $k stopped by a signal" "$tmp/pool.out" || fail "no mark on the stopped worker's lane"
live "$k" && { kill -9 "$k"; fail "the stopped worker outlived the run"; }

tmux_shell

# ---- 1. a replay playing when Esc leaves it for the menu ----
"$SIMUL" loop/sleep --save "$tmp/s.save" >/dev/null || fail "loop/sleep --save"
T send-keys -t "$SESS" "clear; $SIMUL --replay $tmp/s.save; echo rc=\$?" Enter
wait_for 'replay .* at 1x' 10
T send-keys -t "$SESS" Space
wait_for 'replay (▶|>) ' 5
T send-keys -t "$SESS" Escape
wait_for 'pick a demo' 5
sleep 0.3 # the play timer's next ticks, had it been left running
T send-keys -t "$SESS" q
wait_for '^rc=0' 10
check_term "Esc from a playing replay"

# ---- 9. signals that end simul give the terminal back ----
# (through sh: bash resets the termios itself after a job dies of a signal,
# which would hide a missing reset in simul)
for sig in QUIT USR1 USR2 ALRM; do
	T send-keys -t "$SESS" "clear; ulimit -c 0; sh -c '$SIMUL threads/interleave -s pause_ms=2000; echo rc=\$?'" Enter
	wait_for 'running' 10
	sh_pid=$(child_of "$(T display -p -t "$SESS" '#{pane_pid}')")
	pid=$(child_of "$sh_pid")
	[ -n "$pid" ] || fail "cannot find simul's pid"
	kill -"$sig" "$pid"
	want=$((128 + $(kill -l "$sig")))
	wait_for "^rc=$want" 10
	check_term "SIG$sig"
done

# ---- 13. nonsense in COLUMNS and LINES does not stop the TUI ----
T send-keys -t "$SESS" "clear; COLUMNS=100000 LINES=99999999999 $SIMUL threads/interleave -s pause_ms=1; echo rc=\$?" Enter
wait_for 'legend:' 10
T send-keys -t "$SESS" q
wait_for '^rc=0' 10

echo "e2e_reliable: all passed"
