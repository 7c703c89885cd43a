#!/usr/bin/env python3
"""Run the lessons' own Python (assets/lessons/MODULE/DEMO.py, "mirrors").

Every mirror reads its server from SIMUL_URL and honours SIMUL_QUICK=1, so
this starts one `simul --serve 0` and points them all at it.

  mirrors.py check     every mirror with SIMUL_QUICK=1, each under a time
                       limit; exit 1 when any fails (tests/e2e_mirrors.sh)
  mirrors.py compare   every mirror at full size, then its demo
                       (`simul DEMO --report -`, default parameters), one
                       after the other (a module's MODULE.py, shared by
                       its demos, once per demo with that demo's default
                       parameters as arguments); each figure the mirror prints as
                       `KEY: VALUE`, where KEY is a result key of the demo
                       ("a.b" for a nested one), is printed beside the
                       demo's as `bench: MODULE_DEMO_KEY VALUE UNIT` and
                       `bench: MODULE_DEMO_KEY_cpython VALUE UNIT`; a
                       figure that is text (an order, `3,2,1`) where the
                       demo's is text too, beside it with "the same" or
                       "differs" (`make compare`; --markdown FILE writes
                       the table)

The interpreter is chosen per mirror by what it imports: the first of
$SIMUL_PYTHON, the python3 on PATH, /usr/bin/python3 and this one that can
find every module it imports (aiohttp comes from Debian's python3-aiohttp,
which only /usr/bin/python3 may see). A mirror none of them can run is
skipped with a note and counted.

Other programs' load on the machine (the share of its cores busy that was
neither the mirror nor simul, from /proc/stat) is measured during each
mirror's run, as simul measures it during the demo's (report key
machine.other_load_during); figures taken on a busy machine are flagged.
Only the standard library is used.
"""
import argparse
import ast
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSONS = os.path.join(ROOT, "assets", "lessons")
BUSY = 0.25  # LOAD_BUSY_THRESHOLD in src/load.h
KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*):\s*(\S.*)$")


def mirrors(only):
    out = []
    for module in sorted(os.listdir(LESSONS)):
        d = os.path.join(LESSONS, module)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".py"):
                name = module + "/" + f[:-3]
                if not only or re.search(only, name):
                    out.append((name, os.path.join(d, f)))
    return out


def imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return sorted(names)


class Interpreters:
    """The candidate interpreters, and which modules each can find."""

    def __init__(self):
        self.found = {}
        cands = [os.environ.get("SIMUL_PYTHON"), shutil.which("python3"), "/usr/bin/python3",
                 sys.executable]
        self.all = []
        for p in cands:
            if p and os.access(p, os.X_OK) and p not in self.all:
                self.all.append(p)

    def missing(self, py, mods):
        todo = [m for m in mods if (py, m) not in self.found]
        if todo:
            code = ("import importlib.util, sys\n"
                    "print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))")
            try:
                r = subprocess.run([py, "-c", code] + todo, capture_output=True, text=True, timeout=60)
                lacks = set(r.stdout.split()) if r.returncode == 0 else set(todo)
            except (OSError, subprocess.TimeoutExpired):
                lacks = set(todo)
            for m in todo:
                self.found[(py, m)] = m not in lacks
        return [m for m in mods if not self.found[(py, m)]]

    def version(self, py):
        if (py, "version") not in self.found:
            try:
                r = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                   capture_output=True, text=True, timeout=60)
                self.found[(py, "version")] = r.stdout.strip() or "?"
            except (OSError, subprocess.TimeoutExpired):
                self.found[(py, "version")] = "?"
        return self.found[(py, "version")]

    def pick(self, path):
        """(interpreter, None) or (None, why not)."""
        mods = imports(path)
        why = []
        for py in self.all:
            lacks = self.missing(py, mods)
            if not lacks:
                return py, None
            why.append("%s lacks %s" % (py, " ".join(lacks)))
        return None, "; ".join(why) or "no python3"


# ---- the machine's other load (the same measure as src/load.c) ----

def cpu_ticks():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu "):
                v = [int(x) for x in line.split()[1:9]]
                return sum(v) - v[3] - v[4], sum(v)
    return 0, 0


def pid_cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class LoadWindow:
    """Other load while our children (and the server) ran: busy CPU minus
    theirs, as a share of the machine's CPU time."""

    def __init__(self, server_pid):
        self.server = server_pid
        self.busy, self.total = cpu_ticks()
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.own = r.ru_utime + r.ru_stime + pid_cpu_s(server_pid)

    def other(self):
        busy, total = cpu_ticks()
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = r.ru_utime + r.ru_stime + pid_cpu_s(self.server) - self.own
        tick = 1.0 / os.sysconf("SC_CLK_TCK")
        if total - self.total < 5:
            return None
        share = ((busy - self.busy) * tick - own) / ((total - self.total) * tick)
        return min(1.0, max(0.0, share))


# ---- the server ----

class Server:
    def __init__(self, simul):
        self.proc = subprocess.Popen([simul, "--serve", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not re.match(r"^http://127\.0\.0\.1:[0-9]+$", self.url):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.stop()
            raise SystemExit("FAIL: simul --serve 0 printed %r %s" % (self.url, err.strip()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_mirror(py, path, url, quick, limit, cwd, argv=()):
    env = dict(os.environ, SIMUL_URL=url, PYTHONUNBUFFERED="1")
    env.pop("SIMUL_QUICK", None)
    if quick:
        env["SIMUL_QUICK"] = "1"
    t0 = time.monotonic()
    # Its own session, so that a time-out ends its worker processes too.
    p = subprocess.Popen([py, path, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=limit)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        rc = None
    try:  # whatever it left behind in its session
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    return rc, out, time.monotonic() - t0


def figures(out):
    """The mirror's KEY: VALUE lines: a number where VALUE is one, else the
    text (an order, a version; or a line the program printed for the
    learner, which compare passes over unless the demo has such a text
    result)."""
    got = {}
    for line in out.splitlines():
        m = KEY_LINE.match(line.strip())
        if m:
            value = m.group(2).strip()
            try:
                got[m.group(1)] = float(value)
            except ValueError:
                got[m.group(1)] = value
    return got


# ---- check ----

def check(args, interp, server):
    ran, failed, skipped = 0, [], []
    deadline = time.monotonic() + args.budget
    with tempfile.TemporaryDirectory() as cwd:
        for name, path in mirrors(args.only):
            if time.monotonic() > deadline:
                print("FAILED  %-22s not run: the %d s budget is spent" % (name, args.budget))
                failed.append(name)
                continue
            py, why = interp.pick(path)
            if py is None:
                print("SKIP: %s: missing tool: no interpreter has what it imports (%s)" % (name, why))
                skipped.append(name)
                continue
            ran += 1
            rc, out, secs = run_mirror(py, path, server.url, True, args.limit, cwd)
            keys = ",".join(k for k, v in figures(out).items() if not isinstance(v, str)) or "(none)"
            if rc == 0:
                print("ok      %-22s %6.1f s  %s  keys: %s" % (name, secs, py, keys))
            else:
                what = "timed out after %d s" % args.limit if rc is None else "exit %d" % rc
                print("FAILED  %-22s %s (%s)" % (name, what, py))
                for line in out.rstrip().splitlines()[-8:]:
                    print("        | " + line)
                failed.append(name)
            sys.stdout.flush()
    print("mirrors: %d ran, %d failed, %d skipped" % (ran, len(failed), len(skipped)))
    if failed:
        print("FAIL: these mirrors do not run as written: " + " ".join(failed))
        return 1
    if ran == 0 and not skipped:
        print("FAIL: no mirror ran")
        return 1
    return 0


# ---- compare ----

def flatten(obj, prefix=""):
    out = {}
    for k, v in obj.items():
        key = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[key] = float(v)
        elif isinstance(v, str):
            out[key] = v
    return out


def unit(key):
    """The unit a result key is in, and how to print a value of it."""
    k = key.lower()
    if "speedup" in k or k.endswith("ratio"):
        return "x", lambda v: "%.2f" % v
    if k.endswith("_ms"):
        return "ms", lambda v: "%.1f" % v
    if k.endswith("_s"):
        return "s", lambda v: "%.2f" % v
    if k.endswith("_bytes"):
        return "B", lambda v: "%.0f" % v
    return "", lambda v: "%d" % v if v == int(v) else "%.4g" % v


def figure(v, u, f):
    return v if isinstance(v, str) else (f(v) + " " + u).strip()


def likeness(s, p):
    """The table's simul ÷ CPython column: the ratio, or for text whether
    the two are the same."""
    if isinstance(s, str):
        return "the same" if s == p else "differs"
    return "%.2f" % (s / p) if p else "-"


def run_demo(simul, name, limit):
    try:
        r = subprocess.run([simul, name, "--report", "-"], capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % limit
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
    try:
        return json.loads(r.stdout), None
    except ValueError as e:
        return None, "bad report: %s" % e


def fmt_load(x):
    return "–" if x is None else "%.2f" % x


def shared_runs(simul, name, demos):
    """A module's own MODULE/MODULE.py is the Python of each of its demos
    that has none of its own (race's presets), run with that demo's
    default parameters as its arguments (name=value, as simul's -s)."""
    module, _, base = name.partition("/")
    if base != module:
        return []
    runs = []
    for demo in sorted(d for d in demos if d.startswith(module + "/")):
        if os.path.exists(os.path.join(LESSONS, demo + ".py")):
            continue
        out = subprocess.run([simul, "--list-params", demo], capture_output=True, text=True).stdout
        argv = ["%s=%s" % m.groups() for m in re.finditer(r"^  (\S+) +default (\S+)", out, re.M)]
        runs.append((demo, argv))
    return runs


def pairs(name, got, results):
    """The mirror's figures (figures()) beside the demo's results
    (flatten()): [(key, simul, cpython)], numbers with numbers and text with
    text, and notes on what could not be paired. A text line whose key is
    no text result of the demo is a line for the learner ("numbers: Number
    1"), passed over."""
    paired, notes = [], []
    for key, py_val in got.items():
        text = isinstance(py_val, str)
        if text and not isinstance(results.get(key), str):
            if key in results:
                notes.append("%s: %s is %r in the mirror, a number in the demo" % (name, key, py_val))
            continue
        if key not in results:
            notes.append("%s: %s is not a result key of the demo" % (name, key))
            continue
        if isinstance(results[key], str) and not text:
            notes.append("%s: %s is a number in the mirror, %r in the demo" % (name, key, results[key]))
            continue
        paired.append((key, results[key], py_val))
    if not paired and not any(not isinstance(v, str) for v in got.values()):
        notes.append("%s: the mirror prints no KEY: VALUE line" % name)
    return paired, notes


def compare(args, interp, server):
    rows, notes = [], []
    demos = set(subprocess.run([args.simul, "--list"], capture_output=True, text=True).stdout.split())
    with tempfile.TemporaryDirectory() as cwd:
        runs = []
        for name, path in mirrors(None):
            shared = [] if name in demos else shared_runs(args.simul, name, demos)
            if name not in demos and not shared:
                notes.append("%s: no demo of that name" % name)
            runs += [(name, path, [])] if name in demos else [(d, path, a) for d, a in shared]
        for name, path, argv in runs:
            if args.only and not re.search(args.only, name):
                continue
            py, why = interp.pick(path)
            if py is None:
                print("compare: skipped %s: no interpreter has what it imports (%s)" % (name, why))
                notes.append("%s: skipped, no interpreter has what it imports" % name)
                continue
            w = LoadWindow(server.proc.pid)
            rc, out, secs = run_mirror(py, path, server.url, False, args.limit, cwd, argv)
            py_load = w.other()
            if rc != 0:
                print("compare: %s: the mirror failed (%s)" % (name, "timed out" if rc is None else
                                                               "exit %d" % rc))
                notes.append("%s: the mirror failed" % name)
                continue
            report, err = run_demo(args.simul, name, args.limit)
            if report is None:
                print("compare: %s: the demo failed: %s" % (name, err))
                notes.append("%s: the demo failed" % name)
                continue
            results = flatten(report.get("results", {}))
            machine = report.get("machine", {})
            sim_load = machine.get("other_load_during")
            got = figures(out)
            paired, why = pairs(name, got, results)
            notes += why
            for key, s, p in paired:
                u, f = unit(key)
                base = re.sub(r"[^A-Za-z0-9]+", "_", name + "_" + key)
                if isinstance(s, str):
                    print("compare: %s %s: simul %s, CPython %s: %s" % (name, key, s, p, likeness(s, p)))
                else:
                    print("bench: %s %s" % (base, figure(s, u, f)))
                    print("bench: %s_cpython %s" % (base, figure(p, u, f)))
                rows.append((name, key, s, p, u, f, sim_load, py_load, interp.version(py)))
            busy = [who for who, x in (("simul", sim_load), ("python", py_load)) if x is not None and x >= BUSY]
            if busy:
                print("compare: %s: machine busy during the %s run (other load simul %s, python %s of the "
                      "cores); figures may be off" % (name, " and ".join(busy), fmt_load(sim_load),
                                                      fmt_load(py_load)))
            sys.stdout.flush()
    for n in notes:
        print("compare: " + n)
    if args.markdown:
        write_markdown(args.markdown, rows, notes)
    return 0


def write_markdown(path, rows, notes):
    today = datetime.date.today().isoformat()
    lines = ["| demo | figure | simul | CPython | simul ÷ CPython | other load (simul / CPython) | CPython |",
             "|---|---|---:|---:|---:|---|---|"]
    for name, key, s, p, u, f, sl, pl, ver in rows:
        shown = ("`%s`" % v if isinstance(v, str) else figure(v, u, f) for v in (s, p))
        lines.append("| %s | `%s` | %s | %s | %s | %s / %s | %s |" % (
            name, key, *shown, likeness(s, p), fmt_load(sl), fmt_load(pl), ver))
    head = ("Measured %s with `make compare` on a %d-core machine (%s), each mirror with the "
            "interpreter that had its imports.\n\n" % (today, os.cpu_count() or 0, platform.machine()))
    text = head + "\n".join(lines) + "\n"
    if notes:
        text += "\nNot compared:\n\n" + "".join("- %s\n" % n for n in notes)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("check", "compare"))
    ap.add_argument("--simul", default=os.environ.get("SIMUL", os.path.join(ROOT, "build", "simul")))
    ap.add_argument("--only", default=os.environ.get("MIRRORS", ""),
                    help="regex over MODULE/DEMO (default $MIRRORS)")
    ap.add_argument("--limit", type=int, default=None, help="seconds each mirror (and demo) may take")
    ap.add_argument("--budget", type=int, default=int(os.environ.get("MIRRORS_BUDGET", "240")),
                    help="check: seconds for all of them")
    ap.add_argument("--markdown", help="compare: also write the table to this file")
    args = ap.parse_args()
    args.simul = os.path.abspath(args.simul)
    if args.limit is None:
        args.limit = int(os.environ.get("MIRROR_TIME_LIMIT", "60" if args.mode == "check" else "900"))
    interp = Interpreters()
    server = Server(args.simul)
    print("server: " + server.url)
    try:
        return (check if args.mode == "check" else compare)(args, interp, server)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
