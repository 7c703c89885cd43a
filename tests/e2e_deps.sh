#!/bin/bash
# The Makefile's test dependencies are really checked: with any one tool of
# TEST_PKGS out of reach (a PATH without it, a pkg-config that does not know
# check, an interpreter without aiohttp, a clang that cannot link libFuzzer),
# `make test-deps NO_AUTO_DEPS=1` refuses and names the packages to
# install. Nothing is uninstalled: the tools are hidden from a copy of PATH.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make=$(command -v make)
interp=$(command -v "$PYTHON") || skip "missing tool: $PYTHON (Debian package python3)"
unset MAKEFLAGS MFLAGS MAKELEVEL

# A directory of links to every program on PATH (the first of each name).
mkdir "$tmp/all"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
	for f in "$d"/*; do
		n=${f##*/}
		[ -x "$f" ] && [ ! -e "$tmp/all/$n" ] && ln -s "$f" "$tmp/all/$n"
	done
done 2>/dev/null
# without NAME [REPLACEMENT-SCRIPT]: a copy of that PATH without NAME (or
# with a script of that name in its place).
without() {
	rm -rf "$tmp/w"
	cp -a "$tmp/all" "$tmp/w"
	rm -f "$tmp/w/$1"
	if [ -n "${2:-}" ]; then
		printf '#!/bin/sh\n%s\n' "$2" >"$tmp/w/$1"
		chmod +x "$tmp/w/$1"
	fi
}
# refused WHAT [VAR=VALUE...]: make test-deps with PATH=$tmp/w must refuse.
refused() {
	local what=$1 out rc
	shift
	out=$(env PATH="$tmp/w" "$@" "$make" -s test-deps NO_AUTO_DEPS=1 2>&1)
	rc=$?
	if [ $rc -eq 0 ] || [[ $out != *"apt-get install -y"*python3-aiohttp*libclang-rt-dev* ]]; then
		fail "with $what missing, make test-deps said (status $rc): $out"
	fi
}

without nothing
out=$(PATH="$tmp/w" "$make" -s test-deps NO_AUTO_DEPS=1 2>&1) || fail "every tool present, yet: $out"
for tool in tmux clang groff pgrep; do
	without "$tool"
	refused "$tool"
done
without nothing
refused "Debian's python3" PYTHON="$tmp/no/python3"
# shellcheck disable=SC2016 # the replacement script expands its own "$@"
without pkg-config 'for a; do [ "$a" = check ] && exit 1; done; exec '"$(command -v pkg-config)"' "$@"'
refused "check (pkg-config's check.pc)"
# shellcheck disable=SC2016
without python3 'case "$*" in *aiohttp*) exit 1;; esac; exec '"$interp"' "$@"'
refused "python3-aiohttp" PYTHON="$tmp/w/python3"
# shellcheck disable=SC2016
without clang 'for a; do case $a in -fsanitize=*fuzzer*) exit 1;; esac; done; exec '"$(command -v clang)"' "$@"'
refused "clang's libFuzzer runtime (libclang-rt-dev)"
exit 0
