#!/bin/bash
# make mutate: does the test suite catch the bugs that matter?
#
# Each tests/mutants/NAME.patch is a small, realistic bug: a few header
# lines, then a unified diff against the tree:
#
#   Mutant: what the patch does
#   Breaks: what it breaks for a user
#   Tests: REGEX        (the tests that should catch it, as for ONLY=;
#                        none: every test)
#
# For each, a scratch copy of the tree as it is now (tracked and new files,
# with the build directory, timestamps kept so that only what the patch
# touches is rebuilt) gets the patch, is built, and runs `make check
# ONLY=REGEX`. A failing run kills the mutant; a passing run means it
# SURVIVED (with the skips shown: a mutant that survives because its tests
# skipped was not checked). The working tree is never touched.
#
# First the same tests run on the unmutated copy: if they fail there, a
# "kill" proves nothing, and make mutate stops. MUTANTS=REGEX picks
# mutants by file name. Exit status 1 when a mutant survives or a patch no
# longer applies or builds (then update the patch with the code).
#
# A new lesson adds its mutants here: the bug a learner would be misled by,
# and the test that catches it.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
pick=${MUTANTS:-}
limit=${TEST_TIME_LIMIT:-240}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/simul-mutate.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/base"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$scratch/base" || { echo "mutate: could not copy the tree"; exit 1; }
[ -d "$BUILD" ] && cp -a "$BUILD" "$scratch/base/build"

header() { sed -n "s/^$1: *//p;/^diff \|^--- /q" "$2" | head -1; }

# run_check DIR REGEX LOG: the tests in a copy; sets rc and summary.
run_check() {
	(cd "$1" && unset MAKEFLAGS MFLAGS MAKELEVEL &&
		make -s -j2 check BUILD=build ONLY="$2" CI= TEST_TIME_LIMIT="$limit") >"$3" 2>&1
	rc=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$3" | tail -1)
}

mutants=()
union=
for p in tests/mutants/*.patch; do
	[ -e "$p" ] || continue
	name=$(basename "$p" .patch)
	[ -z "$pick" ] || [[ $name =~ $pick ]] || continue
	mutants+=("$p")
	t=$(header Tests "$p")
	if [ -z "$t" ]; then union=all; elif [ "$union" != all ]; then union=${union:+$union|}$t; fi
done
[ ${#mutants[@]} -gt 0 ] || { echo "mutate: no mutant in tests/mutants matches '$pick'"; exit 1; }
[ "$union" = all ] && union=
# Each test once.
union=$(tr '|' '\n' <<<"$union" | sort -u | paste -sd'|')

echo "mutate: baseline (no mutant): ${union:-every test}"
run_check "$scratch/base" "$union" "$scratch/base.log"
if [ $rc -ne 0 ]; then
	grep -E 'FAIL|:[EF]:|^failed' "$scratch/base.log" | head -20 | sed 's/^/  /'
	echo "mutate: the tests fail without any mutant (${summary:-no summary}): a kill would prove nothing"
	exit 1
fi
echo "  $summary"

killed=0
survived=0
broken=0
report=()
for p in "${mutants[@]}"; do
	name=$(basename "$p" .patch)
	what=$(header Mutant "$p")
	tests=$(header Tests "$p")
	m=$scratch/m
	rm -rf "$m"
	cp -a "$scratch/base" "$m"
	if ! (cd "$m" && git apply -C1 "$OLDPWD/$p") >"$scratch/apply.log" 2>&1; then
		broken=$((broken + 1))
		report+=("BROKEN    $name: the patch no longer applies ($(head -1 "$scratch/apply.log"))")
		echo "mutant $name: does not apply"
		continue
	fi
	start=$(date +%s)
	run_check "$m" "$tests" "$scratch/$name.log"
	secs=$(($(date +%s) - start))
	if grep -qE 'error:|Error [0-9]' "$scratch/$name.log" && [ -z "$summary" ]; then
		broken=$((broken + 1))
		report+=("BROKEN    $name: does not build")
		grep -m3 'error:' "$scratch/$name.log" | sed 's/^/  /'
		echo "mutant $name: does not build"
		continue
	fi
	if [ $rc -ne 0 ]; then
		killed=$((killed + 1))
		by=$(grep -E '^failed: ' "$scratch/$name.log" | tail -1 | sed 's/^failed: //')
		why=$(grep -m1 -E ':[EF]:|: FAIL' "$scratch/$name.log" | sed -E 's/^[^ ]+ //; s/^[^:]*:[0-9]+:[EF]:/ /' | cut -c1-160)
		report+=("killed    $name (${secs}s): $what; caught by ${by:-the build}${why:+
    $why}")
	else
		survived=$((survived + 1))
		skips=$(sed -n '/^skipped:$/,/^[0-9]* passed/p' "$scratch/$name.log" | grep '^  ' | sed 's/^ */    skip: /')
		report+=("SURVIVED  $name (${secs}s): $what ($summary)${skips:+
$skips}")
	fi
	echo "mutant $name: ${summary:-no summary} (${secs}s)"
done

echo
echo "mutants:"
printf '  %s\n' "${report[@]}"
echo "$killed killed, $survived survived, $broken broken"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
