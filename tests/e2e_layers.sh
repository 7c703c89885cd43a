#!/bin/bash
# Data flows one way: workload -> recorder -> feed -> model -> views. The
# model, the views (the TUI's included) and the save-file loader see the
# recorder only through its event format (event.h): none of them includes
# trace.h, directly or through another header. The compiler's own
# dependency list says so.
set -u
cd "$(dirname "$0")/.."
fail() { echo "FAIL: $*"; exit 1; }
CC=${CC:-cc}
flags="-std=c11 -D_GNU_SOURCE -Isrc -Iscenarios -Iscenarios/lib $(pkg-config --cflags libuv ncursesw 2>/dev/null)"
for f in src/model.c src/view.c src/render_text.c src/report.c src/export_trace.c src/savefile.c src/tui/*.c; do
	[ -e "$f" ] || fail "$f is gone: update this list"
	deps=$($CC $flags -MM "$f") || fail "$f does not compile"
	echo "$deps" | tr ' \\' '\n\n' | grep -qx 'src/trace.h' && fail "$f includes the recorder (trace.h)"
	echo "$deps" | tr ' \\' '\n\n' | grep -qx 'src/event.h' || fail "$f does not see event.h: check the list"
done
# The one place where recorder and model meet.
$CC $flags -MM src/feed.c | tr ' \\' '\n\n' | grep -qx 'src/trace.h' || fail "feed.c no longer drains the recorder"
echo "layers: ok"
