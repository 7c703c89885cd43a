# The demo's parameters are this program's: python3 vs-threads.py jobs=4
import os
import sys
import time
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

P = {"jobs": 2, "job_ms": 500, "start": "fork"}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "start" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["job_ms"] = min(P["job_ms"], 100)

def count_primes(ms):                          # ms of this thread's CPU time
    end, k, found = time.thread_time() + ms / 1000, 2, 0
    while time.thread_time() < end:
        found += all(k % d for d in range(2, int(k ** 0.5) + 1))
        k += 1
    return found

def job(i):
    return count_primes(P["job_ms"])                       #@work

if __name__ == "__main__":
    jobs = range(P["jobs"])
    t0 = time.perf_counter()
    for i in jobs:
        job(i)                                             #@sequential
    sequential = time.perf_counter() - t0

    t0, cpu0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(P["jobs"]) as ex:
        list(ex.map(job, jobs))                            #@threads
    threads = time.perf_counter() - t0                     # about the same: one GIL
    threads_cpu = time.process_time() - cpu0

    t0, c0 = time.perf_counter(), os.times()
    with ProcessPoolExecutor(P["jobs"], mp_context=mp.get_context(P["start"])) as ex:
        list(ex.map(job, jobs))                            #@processes
    processes = time.perf_counter() - t0                   # faster, given free cores
    c1 = os.times()
    processes_cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)

    print(f"sequential_ms: {sequential * 1000:.0f}")
    print(f"threads_ms: {threads * 1000:.0f}")
    print(f"processes_ms: {processes * 1000:.0f}")
    print(f"threads_speedup: {sequential / threads:.2f}")
    print(f"processes_speedup: {sequential / processes:.2f}")
    # CPU time over wall time: how many cores each way kept busy.
    print(f"threads_parallelism: {threads_cpu / threads:.2f}")
    print(f"processes_parallelism: {processes_cpu / processes:.2f}")
