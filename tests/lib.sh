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
