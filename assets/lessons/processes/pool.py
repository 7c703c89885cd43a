# The demo's parameters are this program's: python3 pool.py payload_kib=8192
import os
import sys
import time
import multiprocessing as mp

P = {"workers": 2, "items": 16, "job_ms": 50, "payload_kib": 64, "chunksize": 1,
     "start": "fork"}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "start" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["items"] = min(P["items"], 6)
FLOATS = P["payload_kib"] * 1024 // 8          # floats sent with each item

def count_primes(ms):                          # ms of this process's CPU time
    end, k, found = time.process_time() + ms / 1000, 2, 0
    while time.process_time() < end:
        found += all(k % d for d in range(2, int(k ** 0.5) + 1))
        k += 1
    return found

def f(data):
    count_primes(P["job_ms"])                  #@w_f
    return data      # a result as big as the input: it is pickled back too

def make(i):
    return [i + k / 1024 for k in range(FLOATS)]

if __name__ == "__main__":
    mp.set_start_method(P["start"])            # Linux's default before 3.14: fork
    items = [make(i) for i in range(P["items"])]
    t0 = time.perf_counter()
    seq = [f(x) for x in items]                #@sequential
    sequential = time.perf_counter() - t0

    t0 = time.perf_counter()
    pool = mp.Pool(P["workers"])               #@pool
    # Behind map: each chunk is pickled and written to a pipe,   #@send
    # a worker reads and unpickles it,                            #@w_recv
    # runs f on each item, pickles the results, writes them back, #@w_send
    # and the parent reads and unpickles them.                    #@recv
    results = pool.map(f, items, chunksize=P["chunksize"])  #@map
    pool.close(); pool.join()                  #@close
    pooled = time.perf_counter() - t0
    print(f"sequential_ms: {sequential * 1000:.0f}")
    print(f"pool_ms: {pooled * 1000:.0f}")
    print(f"speedup: {sequential / pooled:.2f}")

# The same with concurrent.futures:
#   with ProcessPoolExecutor(P["workers"]) as ex:
#       results = list(ex.map(f, items, chunksize=P["chunksize"]))
