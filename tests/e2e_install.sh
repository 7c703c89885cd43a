#!/bin/bash
# make install / uninstall honour PREFIX and DESTDIR; the installed binary
# runs from any directory (its lessons are compiled in) and the man page is
# well formed.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need groff groff-base
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
BUILD=${BUILD:-build}

make -s install BUILD="$BUILD" DESTDIR="$tmp/root" PREFIX=/opt/simul >/dev/null || fail "make install"
bin="$tmp/root/opt/simul/bin/simul"
man="$tmp/root/opt/simul/share/man/man1/simul.1"
[ -x "$bin" ] || fail "binary not installed"
[ -f "$man" ] || fail "man page not installed"
(cd "$tmp" && "$bin" --list | grep -q 'threads/interleave') || fail "installed binary cannot list demos"
(cd / && "$bin" threads/interleave --plain --ascii -s pause_ms=1 | grep -q 'Number 5') ||
	fail "installed binary cannot run a demo from another directory"
warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
[ -z "$warnings" ] || fail "man page: $warnings"
make -s uninstall DESTDIR="$tmp/root" PREFIX=/opt/simul >/dev/null || fail "make uninstall"
[ ! -e "$bin" ] && [ ! -e "$man" ] || fail "uninstall left files"
echo "install: ok"
