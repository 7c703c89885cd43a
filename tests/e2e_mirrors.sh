#!/bin/bash
# Every lesson's Python (assets/lessons/MODULE/DEMO.py) runs as written:
# tests/mirrors.py check starts one `simul --serve 0`, runs each mirror with
# SIMUL_URL set to it and SIMUL_QUICK=1 under a time limit, with the
# interpreter that has what the mirror imports, and fails on any error. A
# mirror that no interpreter can run is skipped with a "SKIP: DEMO: missing
# tool: ..." line, which run-tests.sh counts.
#
# MIRRORS=REGEX runs only the mirrors whose MODULE/DEMO matches;
# MIRROR_TIME_LIMIT=S is each one's limit (default 60), MIRRORS_BUDGET=S
# all of theirs (default 240, inside run-tests.sh's limit).
set -u
SIMUL=${SIMUL:-build/simul}
cd "$(dirname "$0")/.." || exit 1
py=$(command -v "${PYTHON:-python3}" || command -v python3 || command -v /usr/bin/python3) || {
	echo "SKIP: missing tool: python3 (Debian package python3, in the Makefile's TEST_PKGS)"
	exit 77
}
exec "$py" tests/mirrors.py check --simul "$SIMUL"
