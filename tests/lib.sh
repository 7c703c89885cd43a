# shellcheck shell=bash
# lib.sh: what the e2e scripts share; `. tests/lib.sh` (or
# `. "$(dirname "$0")/lib.sh"`) near the top of a script.
#
# skip and need follow run-tests.sh's convention: one line "SKIP: REASON",
# exit status 77. A reason that starts with "missing tool" is for a tool the
# Makefile's TEST_PKGS installs: under CI=true run-tests.sh fails the run.
#
# own_procs and children_of find processes by their parent or by this
# script's process group, never machine-wide: other programs (other test
# runs, other users) may run simul at the same time.

# The binary under test (make check sets it; simul_abs below makes it an
# absolute path).
SIMUL=${SIMUL:-build/simul}

# The interpreter the Makefile's TEST_PKGS installs into (make check sets
# it; see PYTHON in the Makefile).
PYTHON=${PYTHON:-python3}

skip() {
	echo "SKIP: $*"
	exit 77
}

# need COMMAND PACKAGE: skip unless COMMAND is on PATH.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		skip "missing tool: $1 (Debian package $2, in the Makefile's TEST_PKGS; make check installs it)"
}

# need_python_module MODULE PACKAGE
need_python_module() {
	need "$PYTHON" python3
	"$PYTHON" -c "import $1" 2>/dev/null ||
		skip "missing tool: python3 module $1 (Debian package $2, in the Makefile's TEST_PKGS)"
}

# The process group this script runs in: run-tests.sh runs each script
# under timeout(1), which makes a group of its own, so nothing outside this
# test is in it.
own_pgid() {
	local stat
	read -r stat </proc/$$/stat
	# shellcheck disable=SC2086 # the fields after the command's name
	set -- ${stat##*) }
	echo "$3"
}

# own_procs TEXT: pids of processes in this script's process group (not
# this shell) whose command line contains TEXT.
own_procs() {
	local text=$1 pg f stat pid cmd
	pg=$(own_pgid)
	for f in /proc/[0-9]*/stat; do
		read -r stat <"$f" 2>/dev/null || continue
		pid=${stat%% *}
		[ "$pid" = $$ ] && continue
		# shellcheck disable=SC2086 # the fields after the command's name
		set -- ${stat##*) }
		[ "$3" = "$pg" ] || continue
		cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
		case $cmd in *"$text"*) echo "$pid" ;; esac
	done
}

# children_of PID [TEXT]: pids of PID's children (whose command line
# contains TEXT, when given).
children_of() {
	local kid cmd
	# shellcheck disable=SC2013 # pids, separated by spaces
	for kid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		if [ -n "${2:-}" ]; then
			cmd=$(tr '\0' ' ' <"/proc/$kid/cmdline" 2>/dev/null) || continue
			case $cmd in *"$2"*) ;; *) continue ;; esac
		fi
		echo "$kid"
	done
}

# Other programs' share of the machine while this script ran something:
# load_start, run it, then load_other prints the percentage of every core
# that others used meanwhile: the machine's busy time (/proc/stat) minus
# this shell's own and its reaped children's CPU time (/proc/$$/stat), so
# never our own work, and never a bug of ours that makes us wait. Empty
# when the window is too short to tell (under 50 ms).
load_ticks() { # prints "busy total own" in clock ticks
	local u n s idle io irq sirq steal stat
	read -r _ u n s idle io irq sirq steal _ </proc/stat
	read -r stat </proc/$$/stat
	# shellcheck disable=SC2086 # the fields after the command's name
	set -- ${stat##*) }
	echo "$((u + n + s + irq + sirq + steal)) $((u + n + s + idle + io + irq + sirq + steal)) $((${12} + ${13} + ${14} + ${15}))"
}
load_start() { load_at=$(load_ticks); }
load_other() {
	local b0 t0 o0 b1 t1 o1
	read -r b0 t0 o0 <<<"$load_at"
	read -r b1 t1 o1 <<<"$(load_ticks)"
	[ $((t1 - t0)) -ge $((5 * $(nproc))) ] || return 0
	local pct=$(((100 * (b1 - b0 - (o1 - o0))) / (t1 - t0)))
	echo $((pct < 0 ? 0 : pct))
}

# fail REASON: the test fails. When a tmux session of this test's (below)
# is up, its screen comes first, so that the reason is the last line a
# runner shows.
fail() {
	if [ -n "${SOCK:-}" ] && T has-session -t "$SESS" 2>/dev/null; then
		echo "---- screen ----"
		T capture-pane -p -t "$SESS"
	fi
	echo "FAIL: $*"
	exit 1
}

# SIMUL as an absolute path (a shell in tmux runs it from elsewhere), or
# the test fails.
simul_abs() {
	case $SIMUL in /*) ;; *) SIMUL=$PWD/$SIMUL ;; esac
	[ -x "$SIMUL" ] || fail "no simul binary at $SIMUL"
}

# bad_input WANT ARGS...: simul refuses ARGS as bad input: exit status 2,
# exactly one line on stderr holding WANT, nothing on stdout. Needs $tmp.
bad_input() {
	local want=$1
	shift
	# shellcheck disable=SC2154 # tmp is the calling script's
	"$SIMUL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	[ $rc -eq 2 ] || fail "'$*' exited $rc, not 2"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*' printed $(wc -l <"$tmp/err") lines on stderr: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "'$*' printed on stdout"
	grep -q -- "$want" "$tmp/err" || fail "'$*' said '$(cat "$tmp/err")', wanted '$want'"
}

# ---- the TUI in tmux ----
# tmux_use NAME: T talks to a tmux server on a socket of this test's own
# (NAME-PID), never the user's; tmux_stop (in the script's EXIT trap) ends
# it. SESS (NAME to start with) is the session that screen, wait_for and
# friends read.
SOCK=
SESS=
tmux_use() {
	need tmux tmux
	SOCK=$1-$$
	SESS=$1
}
T() { tmux -L "$SOCK" "$@"; }
tmux_stop() { [ -z "${SOCK:-}" ] || tmux -L "$SOCK" kill-server 2>/dev/null; }
screen() { T capture-pane -p -t "$SESS"; }

# tmux_shell [W H]: session SESS (W x H, 120x40 by default) running a bare
# bash whose prompt is "PROMPT$ ", once that prompt shows.
tmux_shell() {
	T new-session -d -x "${1:-120}" -y "${2:-40}" -s "$SESS" \
		"env PS1='PROMPT\$ ' TERM=screen-256color bash --norc --noprofile" || fail "tmux would not start"
	wait_for 'PROMPT\$' 10
}

# wait_for REGEX [SECONDS]: poll the screen until the regex matches (10 s
# by default), else fail.
wait_for() {
	local limit=$((${2:-10} * 10)) i=0
	while [ $i -lt "$limit" ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "timed out waiting for /$1/"
}

# wait_gone REGEX [SECONDS]: poll the screen until the regex no longer
# matches, else fail.
wait_gone() {
	local limit=$((${2:-10} * 10)) i=0
	while [ $i -lt "$limit" ]; do
		screen | grep -qE -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "timed out waiting for /$1/ to go"
}

# check_tty WHAT: the shell in SESS is usable after WHAT: canonical mode and
# echo on.
check_tty() {
	T send-keys -t "$SESS" "clear; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo :TTY" Enter
	wait_for '^-?(icanon|echo) .*:TTY' 10
	screen | grep -qE '^(icanon echo|echo icanon) :TTY' || fail "terminal not in cooked mode after $1"
}
