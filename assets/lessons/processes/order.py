# In which order do a process pool's results come back?
# The demo's parameters are this program's: python3 order.py workers=4
import multiprocessing as mp
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

P = {"workers": 2, "items": 16, "job_ms": 100}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["job_ms"] = 30
N = P["items"]


def cpu_ms(i):                                 # item 0 the longest, the rest shuffled
    return P["job_ms"] * (N - (7 * i) % N) / N


def f(i):
    end = time.process_time() + cpu_ms(i) / 1000
    while time.process_time() < end:           # CPU work  #@f
        sum(range(600))
    return i


def collect(key, call):
    """Make the call, take its results as it hands them over; print when
    and in which order they came."""
    t0 = time.perf_counter()
    order, first = [], None
    for r in call():
        first = first if first is not None else time.perf_counter() - t0
        order.append(r)
    print(f"{key}_ms: {(time.perf_counter() - t0) * 1000:.0f}")
    print(f"{key}_first_ms: {first * 1000:.0f}")
    print(f"{key}_order: {' '.join(map(str, order))}")
    print(f"{key}_in_order: {int(order == sorted(order))}")


if __name__ == "__main__":
    chunksize, extra = divmod(N, 4 * P["workers"])       # Pool.map's default
    print(f"chunksize: {chunksize + (1 if extra else 0)}")
    with mp.Pool(P["workers"]) as pool, ProcessPoolExecutor(P["workers"]) as ex:  #@pool
        collect("map", lambda: pool.map(f, range(N)))  # a list, at the end  #@map
        collect("imap", lambda: pool.imap(f, range(N)))  # in order, one by one  #@imap
        collect("unordered", lambda: pool.imap_unordered(f, range(N)))  # as they come  #@unordered
        collect("as_completed", lambda: (fu.result() for fu in as_completed(
            [ex.submit(f, i) for i in range(N)])))     # one future per item  #@as_completed
