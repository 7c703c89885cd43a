#!/bin/bash
# Runs each libFuzzer harness (tests/fuzz_*.c: the --script parser, the
# --replay loader with the views drawing what it loaded, the TUI driven by keys
# over a replay) for a few seconds from its seed corpus; `make fuzz` runs
# them longer. Skipped (a missing tool: make check installs both) when clang
# or its fuzzer runtime is not installed.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
secs=${FUZZ_CHECK_TIME:-3}
need clang clang
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
clang -fsanitize=fuzzer,address -o "$probe/p" "$probe/p.c" >/dev/null 2>&1 ||
	skip "missing tool: clang's libFuzzer runtime (Debian package libclang-rt-dev, in TEST_PKGS)"
# A clean make: not the outer one's variables (make asan passes BUILD=...).
unset MAKEFLAGS MFLAGS MAKELEVEL
make -s fuzz-build >"$probe/build.log" 2>&1 || { tail -20 "$probe/build.log"; echo "FAIL: fuzz-build"; exit 1; }
for src in tests/fuzz_*.c; do
	f=$(basename "$src" .c)
	c=${f#fuzz_}
	mkdir -p "$probe/corpus/$c"
	if ! build-fuzz/fuzz/"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$probe/" "$probe/corpus/$c" "tests/fuzz_corpus/$c" >"$probe/$f.log" 2>&1; then
		grep -E 'ERROR|SUMMARY|==' "$probe/$f.log" | head -20
		for a in "$probe"/crash-* "$probe"/leak-* "$probe"/timeout-*; do
			[ -e "$a" ] && { echo "input:"; head -c 400 "$a" | od -c | head -10; }
		done
		echo "FAIL: $f"
		exit 1
	fi
	echo "$f: $(grep -Eo 'Done [0-9]+ runs' "$probe/$f.log")"
done
exit 0
