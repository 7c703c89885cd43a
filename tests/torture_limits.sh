#!/bin/bash
# torture_limits.sh (make torture): every demo under low open-file limits
# and memory caps, in batch mode and in the TUI, and the two cases the fault
# campaign of issue 17 found hanging, many times over. Whatever the limit,
# simul either runs or fails with one line per problem ("simul: ...") and
# exit status 1 (2 for usage): never a crash (a signal), an abort, or a
# hang (the time limit). Takes several minutes.
set -u
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
simul_abs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LIMIT_S=${TORTURE_TIME_LIMIT:-120}

# Every demo simul lists, with parameters that keep the long ones short.
quick() {
	case $1 in
	loop/c10k) echo "-s tasks=2000" ;;
	chess/*) echo "-s time_scale=2000" ;;
	race/cpu) echo "-s jobs=4" ;;
	esac
}
demos=()
for d in $("$SIMUL" --list | awk '{print $1}'); do
	demos+=("$d $(quick "$d")")
done
[ "${#demos[@]}" -gt 0 ] || fail "simul --list gave no demo"

# limited "ulimit ARGS" ARGS...: run simul under the limit; sets rc, err.
cat >"$tmp/lim.sh" <<'SH'
ulimit $1 || exit 99
shift
exec timeout -k 5 "$LIMIT_S" "$@"
SH
limited() {
	local lim=$1
	shift
	LIMIT_S=$LIMIT_S bash "$tmp/lim.sh" "$lim" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	err=$(cat "$tmp/err")
}
# judge WHAT: rc and err as they must be.
judge() {
	case $rc in
	0) ;;
	1 | 2)
		[ -s "$tmp/err" ] || fail "$1: exit status $rc and not a word"
		! grep -qv '^simul: ' "$tmp/err" || fail "$1: a line that is not simul's: $(grep -v '^simul: ' "$tmp/err" | head -3)"
		;;
	124 | 137) fail "$1: still running after $LIMIT_S s" ;;
	*) fail "$1: exit status $rc (a signal, or worse): $err" ;;
	esac
}

n=0
for lim in "-n 16" "-n 24" "-n 40" "-n 64" "-v 80000" "-v 160000"; do
	for d in "${demos[@]}"; do
		# shellcheck disable=SC2086
		limited "$lim" "$SIMUL" $d --plain
		judge "ulimit $lim, $d"
		n=$((n + 1))
	done
	echo "ulimit $lim: every demo ran or said why"
done

# The campaign's hangs, again and again: threads/download with 50 files
# under a 100 MB cap (2 in 30 hung), loop/c10k under 50, 100, 200 MB.
for i in $(seq 30); do
	limited "-v 100000" "$SIMUL" threads/download -s files=50 --plain
	judge "ulimit -v 100000, threads/download files=50 (run $i)"
done
for v in 50000 100000 200000; do
	limited "-v $v" "$SIMUL" loop/c10k --plain
	judge "ulimit -v $v, loop/c10k"
done
echo "memory caps: no hang in 33 runs"

# The TUI under low limits, in tmux: it starts, or says why, and always
# gives the terminal back.
if command -v tmux >/dev/null; then
	tmux_use simul-torture
	trap 'tmux_stop; rm -rf "$tmp"' EXIT
	tmux_shell
	for lim in 8 12 16 20 24; do
		# (--foreground: timeout in the background, the TUI stopped on the
		# terminal)
		T send-keys -t "$SESS" "clear; (ulimit -n $lim; timeout --foreground 30 $SIMUL threads/interleave -s pause_ms=1; echo rc=\$?)" Enter
		ok= quit=
		for _ in $(seq 100); do
			s=$(screen)
			# one q, once the run screen is up (a second would reach the shell)
			[ -z "$quit" ] && echo "$s" | grep -q 'legend:' && { T send-keys -t "$SESS" q; quit=1; }
			echo "$s" | grep -qE '^rc=[0-9]+' && { ok=1; break; }
			sleep 0.1
		done
		[ -n "$ok" ] || fail "TUI under ulimit -n $lim: no end in 10 s"
		rc=$(screen | grep -oE '^rc=[0-9]+' | tail -1)
		[ "$rc" = rc=0 ] || [ "$rc" = rc=1 ] || fail "TUI under ulimit -n $lim: $rc"
		f=$(T display -p -t "$SESS" '#{alternate_on} #{cursor_flag}')
		[ "$f" = "0 1" ] || fail "TUI under ulimit -n $lim: the terminal not given back ($f)"
	done
	echo "TUI under low open-file limits: started or said why, terminal given back"
else
	echo "SKIP: tmux is not installed: the TUI part did not run"
fi
echo "torture_limits: $n demo runs under limits, all passed"
