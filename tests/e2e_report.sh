#!/bin/bash
# The JSON that simul writes (--report, --trace) read back by a real parser
# (Python's json, strict: a raw control character in a string is an error):
#  1. a real run's report has every documented key with its type;
#  2. a saved run whose printed lines, task names, reasons, results,
#     milestones and error hold quotes, backslashes, every control
#     character, DEL, UTF-8 and invalid UTF-8 is replayed into a report and
#     a trace, and every string comes back as it was (invalid bytes as
#     U+FFFD: JSON is UTF-8);
#  3. loop/wait's report says which tasks ended cancelled (those a
#     CancelledError ended, and no other), its Chrome trace has an arrow
#     (a flow, "s" then "f" with one id) from main to each task it
#     cancelled and a "cancelled" instant on each such track; stopped by
#     SIGINT (in its wait_for, on a quiet machine), the slow task it cut
#     short ends finished: that stop is simul's, not a CancelledError.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need "$PYTHON" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SIMUL" threads/interleave -s pause_ms=1 -s count=2 --report "$tmp/a.json" --save "$tmp/a.save" \
	>/dev/null || fail "run with --report and --save"
"$SIMUL" race/cpu -s jobs=2 -s cpu_ms=10 --report "$tmp/race.json" >/dev/null || fail "race --report"

# 1. Every documented key, with its type, in two demos' reports.
"$PYTHON" - "$tmp/a.json" "$tmp/race.json" <<'PY' || fail "report keys"
import json, sys
num = (int, float)
for path in sys.argv[1:]:
    r = json.load(open(path, encoding="utf-8"))
    top = {"demo": str, "params": dict, "seed": num, "wall_ms": num, "cpu_ms": num,
           "interrupted": bool, "tasks": list, "results": dict, "milestones": list,
           "recorder": dict, "machine": dict}
    for k, t in top.items():
        assert isinstance(r.get(k), t), (path, k, r.get(k))
    assert "error" not in r or isinstance(r["error"], str)
    for v in r["params"].values():
        assert isinstance(v, (int, float, bool, str)), v
    assert r["tasks"], "no task"
    for t in r["tasks"]:
        for k in ("name", "kind", "group"):
            assert isinstance(t[k], str), (k, t)
        for k in ("pid", "tid", "start_ms"):
            assert isinstance(t[k], num), (k, t)
        assert t["end_ms"] is None or isinstance(t["end_ms"], num), t
        assert (t["end_state"] is None) == (t["end_ms"] is None), t
        assert t["end_state"] in (None, "finished", "cancelled"), t
        assert t["states_ms"] and all(isinstance(v, num) for v in t["states_ms"].values()), t
        for m in t["marks"]:
            assert isinstance(m["t_ms"], num) and isinstance(m["text"], str), m
    def flat(d, p=""):
        for k, v in d.items():
            if isinstance(v, dict):
                yield from flat(v, p + k + ".")
            else:
                yield p + k, v
    for k, v in flat(r["results"]):
        assert isinstance(v, (int, float, str)) or v is None, (k, v)
    for m in r["milestones"]:
        assert isinstance(m["t_ms"], num) and isinstance(m["text"], str), m
    for k in ("events", "dropped", "late", "spans", "model_bytes", "sampler_hz", "sampler_cpu_ms"):
        assert isinstance(r["recorder"][k], num), k
    assert isinstance(r["machine"]["cores"], int) and r["machine"]["cores"] >= 1
    assert all(isinstance(v, num) for v in r["machine"]["core_busy"])
PY

# 2. Strings that need escaping, put into a saved run.
"$PYTHON" - "$tmp/a.save" "$tmp/nasty.save" "$tmp/want.json" <<'PY' || fail "could not write the test save file"
import json, sys

def save_str(b):
    """bytes -> a save-file string literal, as src/savefile.c's put_str
    writes it (bytes above 0x7f as \\xNN too, which its reader accepts)."""
    esc = {0x5c: "\\\\", 0x22: '\\"', 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t"}
    return '"' + "".join(esc.get(c) or (chr(c) if 0x20 <= c < 0x7f else "\\x%02x" % c) for c in b) + '"'

controls = bytes(range(1, 0x20)) + b"\x7f"
texts = {
    "mark1": b'say "hi" \\ back\\slash \\"both\\" ' + controls,
    "mark2": "caf\u00e9 \u2192 \U0001F600 ok".encode() + b" bad:\xff\xfe\xc3 end",
    "task": b'worker "one"\tA\x01',
    "group": b'grp\\"q\x1f',
    "reason": b'recv "4 KiB"\r\n\x08\x0c',
    "result_key": b'note',
    "result_text": b'quote " and \\ and \x02 and \x7f',
    "milestone": b'phase "2"\x1b[31m red',
    "error": b'failed: "x" \\ y\x03',
}
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
out, did = [], set()
for l in lines:
    w = l.split(" ")
    if w[0] == "mark" and "mark1" not in did:
        l = " ".join(w[:3]) + " " + save_str(texts["mark1"]); did.add("mark1")
    elif w[0] == "mark" and "mark2" not in did:
        l = " ".join(w[:3]) + " " + save_str(texts["mark2"]); did.add("mark2")
    elif w[0] == "task" and '"numbers"' in l:
        l = l.replace('"numbers" thread ""', "%s thread %s" % (save_str(texts["task"]), save_str(texts["group"])))
        did.add("task")
    elif w[0] == "span" and "reason" not in did and w[1] == "1" and l.endswith('"'):
        l = l[: l.rindex(' "')] + " " + save_str(texts["reason"]); did.add("reason")
    elif w[0] == "status":
        l = "status 1"
    elif w[0] == "error":
        l = "error " + save_str(texts["error"]); did.add("error")
    elif w[0] == "end":
        out.append("result %s text %s" % (save_str(texts["result_key"]), save_str(texts["result_text"])))
        out.append("milestone 1 %s" % save_str(texts["milestone"]))
    out.append(l)
assert did >= {"mark1", "mark2", "task", "reason", "error"}, did
open(sys.argv[2], "w", encoding="ascii").write("\n".join(out) + "\n")
# What a reader must get back: the text, invalid UTF-8 as U+FFFD.
json.dump({k: v.decode("utf-8", "replace") for k, v in texts.items()}, open(sys.argv[3], "w"))
PY
"$SIMUL" --replay "$tmp/nasty.save" --report "$tmp/n.json" --trace "$tmp/n.trace.json" >/dev/null 2>"$tmp/err" ||
	{ cat "$tmp/err"; fail "replay of the save with hard strings"; }

"$PYTHON" - "$tmp/n.json" "$tmp/n.trace.json" "$tmp/want.json" <<'PY' || fail "strings did not survive JSON"
import json, sys
def load(p):
    raw = open(p, "rb").read()
    text = raw.decode("utf-8")          # strict: JSON is UTF-8
    return json.loads(text)             # strict: no raw control characters
r, tr, want = load(sys.argv[1]), load(sys.argv[2]), json.load(open(sys.argv[3]))
marks = [m["text"] for t in r["tasks"] for m in t["marks"]]
assert want["mark1"] in marks, ("mark1", marks)
assert want["mark2"] in marks, ("mark2", marks)
task = [t for t in r["tasks"] if t["name"] == want["task"]]
assert len(task) == 1, [t["name"] for t in r["tasks"]]
assert task[0]["group"] == want["group"], task[0]["group"]
assert r["results"]["note"] == want["result_text"], r["results"]
assert want["milestone"] in [m["text"] for m in r["milestones"]], r["milestones"]
assert r["error"] == want["error"], r.get("error")
ev = tr["traceEvents"]
names = [e["args"]["name"] for e in ev if e.get("ph") == "M" and e.get("name") == "thread_name"]
assert want["task"] in names, names
texts = {e["name"] for e in ev if e.get("ph") == "i"}
assert want["mark1"] in texts and want["mark2"] in texts, texts
reasons = {e.get("args", {}).get("reason") for e in ev if e.get("ph") == "X"}
assert want["reason"] in reasons, reasons
PY
# 3. How loop/wait's tasks end, in the report and the trace.
"$SIMUL" loop/wait -s tasks=3 -s step_ms=40 -s slow_ms=2000 -s timeout_ms=60 -s fail_ms=30 \
	--report "$tmp/wait.json" --trace "$tmp/wait.trace.json" >/dev/null || fail "loop/wait --report --trace"
timeout -s INT 2 "$SIMUL" loop/wait -s slow_ms=10000 -s timeout_ms=10000 --report "$tmp/int.json" \
	>/dev/null 2>&1
"$PYTHON" - "$tmp/wait.json" "$tmp/wait.trace.json" "$tmp/int.json" <<'PY' || fail "loop/wait's ends and wakes"
import json, sys
r, tr, stopped = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:])
ends = {t["name"]: t["end_state"] for t in r["tasks"]}
cancelled = {"fetch 2", "fetch 3", "slow", "a", "c"}
assert {n for n, e in ends.items() if e == "cancelled"} == cancelled, ends
assert all(e == "finished" for n, e in ends.items() if n not in cancelled), ends
ev = tr["traceEvents"]
tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e.get("name") == "thread_name"}
starts = {e["id"]: e for e in ev if e.get("cat") == "wake" and e["ph"] == "s"}
finish = {e["id"]: e for e in ev if e.get("cat") == "wake" and e["ph"] == "f"}
assert starts and starts.keys() == finish.keys(), (starts, finish)
for i, f in finish.items():
    assert f["bp"] == "e" and f["ts"] == starts[i]["ts"], (f, starts[i])
    assert (f["pid"], f["tid"]) != (starts[i]["pid"], starts[i]["tid"]), f
arrows = {(starts[i]["pid"], starts[i]["tid"], f["pid"], f["tid"], f["args"]["cause"]) for i, f in finish.items()}
for n in cancelled:
    assert tid["main"] + tid[n] + ("cancelled",) in arrows, (n, arrows)
assert tid["fetch 1"] + tid["main"] + ("returned",) in arrows, arrows
marked = {(e["pid"], e["tid"]) for e in ev if e.get("cat") == "end" and e.get("name") == "cancelled"}
assert marked == {tid[n] for n in cancelled}, marked
assert stopped["interrupted"], "the SIGINT did not stop it"
# (wherever the stop fell on a busy machine: only the first phase's
# cancels are the program's own)
cut = {t["name"]: t["end_state"] for t in stopped["tasks"]}
assert {n for n, e in cut.items() if e == "cancelled"} <= {"fetch 2", "fetch 3"}, cut
assert cut.get("slow") in ("finished", None), cut
PY
exit 0
