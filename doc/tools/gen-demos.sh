#!/bin/bash
# gen-demos.sh SIMUL OUT [README]: write the demo catalogue (doc/demos.md)
# from the binary itself, so it cannot drift from it: `simul --list` gives
# the demos, `--list-params` their parameters, one short run per demo
# (`--plain` and `--report` at once) the keys of its results and a sample
# capture, and assets/lessons/ each lesson's title and first paragraph.
# With README, also rewrite its list of demos, the lines between
# "<!-- demos: generated" and "<!-- end of demos -->", one line per demo.
#
# Everything is deterministic except the sample runs, which sit between
# "<!-- sample run" and "<!-- end of sample run -->" lines; tests/e2e_docs.sh
# regenerates the file and compares the rest. `make docs` runs this.
set -euo pipefail
SIMUL=${1:?usage: gen-demos.sh SIMUL OUT}
OUT=${2:?usage: gen-demos.sh SIMUL OUT [README]}
README=${3:-}
case $SIMUL in /*) ;; *) SIMUL=$PWD/$SIMUL ;; esac
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
case $README in /* | "") ;; *) README=$PWD/$README ;; esac
cd "$(dirname "$0")/../.."
KEYS="awk -f doc/tools/json-keys.awk"
WIDTH=100

# A short run of each demo: smaller than the defaults so that `make docs`
# (and the test that calls it) takes seconds, but with every switch at its
# default so the run reports every result key the default run would. A demo
# missing here runs with its defaults.
quick() {
	case $1 in
	threads/download) echo "-s latency_ms=200 -s size_kb=10" ;;
	threads/gil) echo "-s work_ms=100 -s io_rounds=5" ;;
	threads/race) echo "-s increments=200000" ;;
	threads/pool) echo "-s jobs=6 -s job_ms=100" ;;
	processes/workers) echo "-s workers=2 -s job_ms=100" ;;
	processes/pool) echo "-s items=6 -s job_ms=20" ;;
	processes/vs-threads) echo "-s job_ms=100" ;;
	loop/sleep) echo "-s pause_ms=100" ;;
	loop/gather) echo "-s latency_ms=150" ;;
	loop/blocking) echo "-s block_ms=300 -s tick_ms=50" ;;
	loop/c10k) echo "-s tasks=300 -s latency_ms=200" ;; # 2 fds each: no limiter even at 1024
	loop/generator) echo "-s pause_ms=50" ;;
	chess/both) echo "-s boards=4 -s moves=3" ;;
	chess/sync) echo "-s boards=3 -s moves=3" ;;
	chess/async) echo "-s boards=6 -s moves=3" ;;
	race/all) echo "-s jobs=4" ;;
	race/cpu) echo "-s jobs=4 -s cpu_ms=50" ;;
	race/io) echo "-s jobs=4 -s io_ms=100" ;;
	race/mixed) echo "-s jobs=4 -s cpu_ms=50 -s io_ms=50" ;;
	queue/rq) echo "-s jobs=6 -s job_ms=20" ;;
	loop/wait) echo "-s step_ms=50 -s slow_ms=300 -s timeout_ms=100 -s fail_ms=50" ;;
	threads/daemon) echo "-s steps=5 -s step_ms=50 -s main_ms=120" ;;
	threads/wakeup) echo "-s ready_ms=100 -s others_ms=500" ;;
	processes/order) echo "-s items=8 -s job_ms=40" ;;
	esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$SIMUL" --list >"$tmp/list"
demos=$(awk '{ print $1 }' "$tmp/list")

# "threads/interleave" -> "threadsinterleave", the anchor GitHub makes of
# a "### threads/interleave" heading.
anchor() { echo "$1" | tr -d '/'; }

# --list-params lines ("  name   default 5   a whole number 1..26 lines;
# help") as a Markdown table; a line in another shape is kept as it is.
params_table() {
	"$SIMUL" --list-params "$1" | tail -n +2 | awk '
		BEGIN { n = 0 }
		match($0, /^  [^ ]+ +default [^ ]+ +/) {
			split(substr($0, 1, RLENGTH), f, / +/)
			rest = substr($0, RLENGTH + 1)
			i = index(rest, "; ")
			allowed = i ? substr(rest, 1, i - 1) : rest
			help = i ? substr(rest, i + 2) : ""
			if (n++ == 0) print "| parameter | default | allowed | meaning |\n|---|---|---|---|"
			gsub(/\|/, "\\|", allowed); gsub(/\|/, "\\|", help)
			printf "| `%s` | `%s` | %s | %s |\n", f[2], f[4], allowed, help
			next
		}
		{ print }
		END { if (n == 0) print "No parameters." }'
}

# The lesson's title (its first line) and first paragraph, quoted. The
# Python is the demo's own, or its module's (race/cpu shows race/race.py).
lesson() {
	local md=assets/lessons/$1.md py=assets/lessons/$1.py links="" module=${1%%/*}
	[ -f "$py" ] || py=assets/lessons/$module/$module.py
	[ -f "$md" ] || return 0
	links="[lesson](../$md)"
	[ -f "$py" ] && links="$links, [the Python it mirrors](../$py)"
	echo "**Lesson: $(head -1 "$md")** ($links)"
	echo
	awk 'NR > 1 && NF { p = 1; print "> " $0; next } p { exit }' "$md"
}

# The keys of results, from a real report: "a, b, c.{d,e}".
result_keys() {
	$KEYS "$1" | awk '
		/^results\./ {
			k = substr($0, 9)
			i = index(k, ".")
			if (!i) { order[++n] = k; next }
			parent = substr(k, 1, i - 1)
			sub_[parent] = (parent in sub_ ? sub_[parent] "," : "") substr(k, i + 1)
		}
		END {
			if (n == 0) { print "none."; exit }
			for (j = 1; j <= n; j++) {
				k = order[j]
				s = s (j > 1 ? ", " : "") "`" k (k in sub_ ? ".{" sub_[k] "}" : "") "`"
			}
			print s "."
		}'
}

# Run every demo once, before writing anything.
i=0
for d in $demos; do
	i=$((i + 1))
	args=$(quick "$d")
	# shellcheck disable=SC2086
	if ! "$SIMUL" "$d" --plain --width "$WIDTH" --report "$tmp/$i.json" $args \
		>"$tmp/$i.plain" 2>"$tmp/err"; then
		echo "gen-demos: '$SIMUL $d --plain $args' failed: $(cat "$tmp/err")" >&2
		exit 1
	fi
	$KEYS "$tmp/$i.json" | sed -n 's/^results\.//p' >>"$tmp/${d%%/*}.keys"
done

# The result keys a module's source writes (run_result_num(run, "key", ...))
# that none of its runs above wrote: results that only some runs have.
rare_keys() {
	local src=scenarios/$1.c
	[ -f "$src" ] || return 0
	# The module's file and its own directory's (scenarios/<module>/).
	{ cat "$src" scenarios/"$1"/*.c 2>/dev/null | grep -o 'run_result_[a-z]*([a-z_>-]*, "[^"]*"' || true; } |
		sed 's/.*"\(.*\)"/\1/' | sort -u |
		{ grep -vxF -f "$tmp/$1.keys" || true; } | awk '{ s = s (NR > 1 ? ", " : "") "`" $0 "`" } END { print s }'
}

{
	cat <<EOF
# Demo catalogue

<!-- Generated by \`make docs\` (doc/tools/gen-demos.sh) from the simul
binary: do not edit by hand. tests/e2e_docs.sh regenerates it and fails when
anything but the sample runs differs. -->

Every demo that \`simul --list\` names, by module: its summary, its lesson
(what to watch for, and the Python program it mirrors), its parameters (as
\`simul --list-params DEMO\` shows them; set one with \`-s KEY=VALUE\`), the
keys of its figures in the report's \`results\` object (see
[report.md](report.md)), and a sample run as \`simul DEMO --plain\` prints
it. What the timeline's glyphs mean: [the states](screen.md#states).

EOF
	module=""
	for d in $demos; do
		m=${d%%/*}
		if [ "$m" != "$module" ]; then
			[ -n "$module" ] && echo
			printf '%s' "- **$m**:"
			module=$m
			sep=" "
		fi
		printf '%s' "${sep}[${d#*/}](#$(anchor "$d"))"
		sep=", "
	done
	echo
	echo
	cat <<EOF
<!-- sample run: when and where (not checked) -->
Sample runs: $(date -u +%Y-%m-%d), Linux $(uname -m), $(nproc) cores. Your
timings will differ; the figures are measured, never made up.
<!-- end of sample run -->
EOF
	module=""
	i=0
	for d in $demos; do
		i=$((i + 1))
		m=${d%%/*}
		if [ "$m" != "$module" ]; then
			printf '\n## %s\n' "$m"
			module=$m
			rare=$(rare_keys "$m")
			if [ -n "$rare" ]; then
				printf '\nResult keys that scenarios/%s.c writes only in some runs (not in the\nruns below): %s.\n' "$m" "$rare"
			fi
		fi
		args=$(quick "$d")
		printf '\n### %s\n\n' "$d"
		awk -v d="$d" '$1 == d { sub(/^[^ ]+ +/, ""); print toupper(substr($0, 1, 1)) substr($0, 2) "."; exit }' "$tmp/list"
		echo
		lesson "$d"
		echo
		params_table "$d"
		echo
		echo "Results: $(result_keys "$tmp/$i.json")"
		echo
		echo "\`simul $d --plain --width $WIDTH${args:+ $args}\`:"
		echo
		echo "<!-- sample run: measured, varies from run to run (not checked) -->"
		echo '```'
		cat "$tmp/$i.plain"
		echo '```'
		echo "<!-- end of sample run -->"
	done
} >"$tmp/out"
mkdir -p "$(dirname "$OUT")"
cp "$tmp/out" "$OUT.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"

# The README's list: "- [`module/demo`](doc/demos.md#anchor): summary".
if [ -n "$README" ]; then
	if ! grep -q '^<!-- demos: generated' "$README" || ! grep -q '^<!-- end of demos -->' "$README"; then
		echo "gen-demos: $README has no '<!-- demos: generated' ... '<!-- end of demos -->' block" >&2
		exit 1
	fi
	awk '{ d = $1; a = d; gsub("/", "", a); sub(/^[^ ]+ +/, "")
	       printf "- [`%s`](doc/demos.md#%s): %s\n", d, a, $0 }' "$tmp/list" >"$tmp/readme-list"
	awk -v list="$tmp/readme-list" '
		/^<!-- end of demos -->/ { skip = 0 }
		!skip { print }
		/^<!-- demos: generated/ { while ((getline l < list) > 0) print l; skip = 1 }' \
		"$README" >"$tmp/readme"
	cp "$tmp/readme" "$README.tmp.$$"
	mv "$README.tmp.$$" "$README"
fi
