#!/bin/bash
# Every lesson's Python (assets/lessons/MODULE/DEMO.py) runs as written:
# tests/mirrors.py check starts one `simul --serve 0`, runs each mirror with
# SIMUL_URL set to it and SIMUL_QUICK=1 under a time limit, with the
# interpreter that has what the mirror imports, and fails on any error. A
# mirror that no interpreter can run is skipped with a "SKIP: DEMO: missing
# tool: ..." line, which run-tests.sh counts. First, make compare's
# pairing of the mirrors' figures with the demos' results, on made-up lines.
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
# make compare's pairing, on made-up lines: numbers with numbers, an order
# (text) with the demo's text, "the same" or "differs"; a line for the
# learner passed over; a key the demo lacks noted.
"$py" - <<'PY' || { echo "FAIL: mirrors.py pairs figures wrongly"; exit 1; }
import sys
sys.path.insert(0, "tests")
import mirrors as m
got = m.figures("speedup: 2.97\nas_completed_order: 3,2,1\nmap_order: 0 2 1\n"
                "numbers: Number 1\nextra_ms: 5\n")
assert got == {"speedup": 2.97, "as_completed_order": "3,2,1", "map_order": "0 2 1",
               "numbers": "Number 1", "extra_ms": 5.0}, got
results = m.flatten({"speedup": 3.0, "as_completed_order": "3,2,1", "map_order": "0 1 2",
                     "nested": {"x": 1}})
paired, notes = m.pairs("a/b", got, results)
assert paired == [("speedup", 3.0, 2.97), ("as_completed_order", "3,2,1", "3,2,1"),
                  ("map_order", "0 1 2", "0 2 1")], paired
assert notes == ["a/b: extra_ms is not a result key of the demo"], notes
assert [m.likeness(s, p) for _, s, p in paired] == ["1.01", "the same", "differs"]
PY
exec "$py" tests/mirrors.py check --simul "$SIMUL"
