import os
import sys
import threading
import time

QUICK = os.environ.get("SIMUL_QUICK") == "1"
N = 100_000 if QUICK else 1_000_000   # updates per thread
THREADS = 4
sys.setswitchinterval(0.005)          # CPython's default: 5 ms

counter = 0
counter_lock = threading.Lock()

def bump(value):
    return value + 1

def add_inplace():
    global counter
    for _ in range(N):
        counter += 1                   #@inplace

def add():
    global counter
    for _ in range(N):
        value = counter                #@read
        counter = bump(value)          #@inc

def add_locked():
    global counter
    for _ in range(N):
        with counter_lock:             #@lock
            value = counter
            counter = bump(value)      #@locked_inc

# A free-threaded build (3.13t and later) can run without the GIL.
gil = "gil_on" if getattr(sys, "_is_gil_enabled", lambda: True)() else "gil_off"
print(f"expected: {THREADS * N}")
for name, target in (("inplace", add_inplace), ("unlocked", add), ("locked", add_locked)):
    counter = 0
    threads = [threading.Thread(target=target) for _ in range(THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()                      #@start
    for t in threads:
        t.join()                       #@join
    ms = (time.perf_counter() - t0) * 1000
    print(f"{gil}.{name}_total: {counter}")                            #@print
    if name != "locked":
        print(f"{gil}.{name}_lost: {THREADS * N - counter}")
    print(f"{gil}.{name}_ms: {ms:.0f}")
