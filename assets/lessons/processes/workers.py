# The demo's parameters are this program's: python3 workers.py start=spawn
import os
import sys
import time
import multiprocessing as mp

P = {"workers": 4, "job_ms": 500, "start": "fork"}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "start" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["job_ms"] = min(P["job_ms"], 100)

def count_primes(ms):                          # ms of this process's CPU time
    end, k, found = time.process_time() + ms / 1000, 2, 0
    while time.process_time() < end:
        found += all(k % d for d in range(2, int(k ** 0.5) + 1))
        k += 1
    return found

def work(i):
    print(f"worker {i}: pid {os.getpid()}, parent pid {os.getppid()}")  #@pid
    count = count_primes(P["job_ms"])                                   #@work
    print(f"worker {i}: {count} primes")

if __name__ == "__main__":
    mp.set_start_method(P["start"])   # Linux's default: fork (forkserver from 3.14)
    t0 = time.perf_counter()
    for i in range(P["workers"]):
        work(i)                                                         #@sequential
    sequential = time.perf_counter() - t0

    t0 = time.perf_counter()
    procs = [mp.Process(target=work, args=(i,)) for i in range(P["workers"])]
    for p in procs:
        p.start()                                                       #@start
    for p in procs:
        p.join()                                                        #@join
    parallel = time.perf_counter() - t0
    print(f"sequential_ms: {sequential * 1000:.0f}")
    print(f"parallel_ms: {parallel * 1000:.0f}")
    print(f"speedup: {sequential / parallel:.2f}")
