import os
import time
from multiprocessing import Process

WORKERS = 4

def count_primes(n):
    return sum(1 for k in range(2, n) if all(k % d for d in range(2, int(k**0.5) + 1)))

def work(i):
    print(f"worker {i}: pid {os.getpid()}, parent pid {os.getppid()}")  #@pid
    count = count_primes(200_000)                                       #@work
    print(f"worker {i}: {count} primes")

if __name__ == "__main__":
    t0 = time.perf_counter()
    for i in range(WORKERS):
        work(i)                                                         #@sequential
    sequential = time.perf_counter() - t0

    t0 = time.perf_counter()
    procs = [Process(target=work, args=(i,)) for i in range(WORKERS)]
    for p in procs:
        p.start()                                                       #@start
    for p in procs:
        p.join()                                                        #@join
    parallel = time.perf_counter() - t0
    print(f"speedup x{sequential / parallel:.2f}")
