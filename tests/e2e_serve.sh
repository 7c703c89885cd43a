#!/bin/bash
# simul --serve PORT: the loopback HTTP server alone. It prints one line,
# its URL, serves GET /bytes/N (404 for anything else), refuses a port that
# is taken or out of range with one line, and ends cleanly (status 0, port
# free again) on SIGINT and on SIGTERM.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# Start a server on port $1 with its stdout in $2; sets $pid, $url, $port.
serve() {
	"$SIMUL" --serve "$1" >"$2" 2>"$2.err" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		[ -s "$2" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	url=$(head -1 "$2")
	port=${url##*:}
}

# GET $1 from 127.0.0.1:$port with bash's own /dev/tcp; the reply on stdout.
get() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&3
	timeout 10 cat <&3
	exec 3<&-
}

serve 0 "$tmp/a"
[[ $url =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "--serve 0 printed '$url', not http://127.0.0.1:PORT"
[ "$(wc -l <"$tmp/a")" -eq 1 ] || fail "--serve printed more than one line on stdout"
[ "$port" -gt 0 ] || fail "port $port"

reply=$(get "/bytes/1000?latency_ms=20" | tr -d '\r')
echo "$reply" | head -1 | grep -q '^HTTP/1.1 200' || fail "GET /bytes/1000: $(echo "$reply" | head -1)"
echo "$reply" | grep -qi '^content-length: 1000$' || fail "GET /bytes/1000: no Content-Length 1000"
get "/nothing" | head -1 | grep -q ' 404' || fail "GET /nothing is not a 404"

# A taken port: one line, status 1, and the first server still serves.
"$SIMUL" --serve "$port" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "--serve on a taken port exited $rc, not 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "127.0.0.1:$port" "$tmp/err" || fail "taken port said '$(cat "$tmp/err")'"
[ ! -s "$tmp/out" ] || fail "taken port printed a URL"
get "/bytes/10" | head -1 | grep -q ' 200' || fail "the first server stopped serving"

# SIGINT ends it with status 0, and the same port can be served again.
kill -INT "$pid"
wait "$pid"
rc=$?
[ $rc -eq 0 ] || fail "--serve exited $rc on SIGINT, not 0"
serve "$port" "$tmp/b"
[ "$url" = "http://127.0.0.1:$port" ] || fail "--serve $port printed '$url'"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ $rc -eq 0 ] || fail "--serve exited $rc on SIGTERM, not 0"

# Bad input: exit 2, one line, nothing served.
bad_input "expected a port 0..65535" --serve 65536
bad_input "expected a port 0..65535" --serve -1
bad_input "expected a port 0..65535" --serve 80x
bad_input "needs a value" --serve
bad_input "alone" --serve 0 threads/interleave
bad_input "alone" --plain --serve 0
"$SIMUL" --help | grep -q -- '--serve PORT' || fail "--help does not document --serve"
echo "ok"
