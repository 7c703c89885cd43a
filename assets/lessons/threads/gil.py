import os
import statistics
import sys
import threading
import time
import urllib.request

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
QUICK = os.environ.get("SIMUL_QUICK") == "1"
N = 30_000 if QUICK else 150_000      # primes below N: about 0.3 s of CPU here
ROUNDS = 5 if QUICK else 20           # requests of the I/O-bound thread
IO_MS = 10                            # each waits this long for the server

sys.setswitchinterval(0.005)          # CPython's default: 5 ms

def count_primes(n):
    count = 0
    for k in range(2, n):                                  #@work
        if all(k % d for d in range(2, int(k ** 0.5) + 1)):
            count += 1
    return count

def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000

def one_after_another():
    for _ in range(2):
        count_primes(N)                                    #@seq

def two_threads():
    threads = [threading.Thread(target=count_primes, args=(N,)) for _ in range(2)]
    for t in threads:
        t.start()                                          #@start
    for t in threads:
        t.join()                                           #@join

seq_ms = timed(one_after_another)
thr_ms = timed(two_threads)      # only the GIL holder runs Python code
print(f"sequential_ms: {seq_ms:.1f}")
print(f"gil_on_ms: {thr_ms:.1f}")
print(f"speedup_gil_on: {seq_ms / thr_ms:.2f}")

# The convoy effect: an I/O-bound thread next to a CPU-bound one. Every
# blocking call releases the GIL; after it, the thread waits to get it back.
def handle(body):
    return len(body)

def io_bound(times):
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        with urllib.request.urlopen(f"{URL}/bytes/1000?latency_ms={IO_MS}") as r:  #@io_get
            handle(r.read())                                                      #@io_work
        times.append((time.perf_counter() - t0) * 1000)

def cpu_bound(stop):
    while not stop.is_set():
        count_primes(2_000)                                #@cpu_work

alone = []
io_bound(alone)                  # the same requests with nothing else running
stop = threading.Event()
cpu = threading.Thread(target=cpu_bound, args=(stop,))
cpu.start()                                                #@convoy_start
beside = []
io_bound(beside)
stop.set()
cpu.join()                                                 #@convoy_join
request_ms = statistics.median(beside)
print(f"convoy_request_median_ms: {request_ms:.2f}")
print(f"convoy_gil_wait_median_ms: {request_ms - statistics.median(alone):.2f}")
