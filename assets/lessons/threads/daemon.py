# Daemon threads: at its end a program waits for its threads, but not for
# daemon ones. Each program below runs as a process of its own, so that
# "the end of the program" is a real exit.
# The demo's parameters are this program's: python3 daemon.py main_ms=500
import atexit
import os
import subprocess
import sys
import threading
import time

P = {"steps": 10, "step_ms": 100, "main_ms": 250}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "mode" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["steps"], P["step_ms"], P["main_ms"] = 5, 50, 120


def work():
    for k in range(P["steps"]):
        time.sleep(P["step_ms"] / 1000)        # a step of work  #@step
        print(f"worker: step {k + 1} of {P['steps']}", flush=True)


def program(mode):
    t0 = time.perf_counter()
    # Printed at exit, once Python has waited for the worker (or not):
    atexit.register(lambda: print(f"program_ms: {(time.perf_counter() - t0) * 1000:.0f}"))
    t = threading.Thread(target=work, daemon=(mode != "non-daemon"))  #@thread
    t.start()
    time.sleep(P["main_ms"] / 1000)            # main's own work  #@main
    print("main: done", flush=True)
    if mode == "daemon+join":
        t.join()                               # wait for it all the same  #@join
    # Here the program ends: Python joins every non-daemon thread first  #@exit
    # (threading._shutdown); a daemon thread is stopped wherever it is.


if "mode" in P:                                # one program (run by the loop below)
    program(P["mode"])
else:
    keys = {"non-daemon": "nondaemon", "daemon": "daemon", "daemon+join": "join"}
    for mode, key in keys.items():
        args = [f"{k}={v}" for k, v in P.items()] + [f"mode={mode}"]
        out = subprocess.run([sys.executable, __file__] + args, capture_output=True, text=True).stdout
        life = [line.split()[1] for line in out.splitlines() if line.startswith("program_ms:")]
        print(f"{key}_steps: {out.count('worker: step')}")
        print(f"{key}_ms: {life[0] if life else '?'}")
