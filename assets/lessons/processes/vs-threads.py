import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

JOBS = 2

def count_primes(n):
    return sum(1 for k in range(2, n) if all(k % d for d in range(2, int(k**0.5) + 1)))

def job(i):
    return count_primes(200_000)                           #@work

if __name__ == "__main__":
    t0 = time.perf_counter()
    for i in range(JOBS):
        job(i)                                             #@sequential
    print(f"sequential {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(JOBS) as ex:
        list(ex.map(job, range(JOBS)))                     #@threads
    print(f"threads    {time.perf_counter() - t0:.2f} s")  # about the same: one GIL

    t0 = time.perf_counter()
    with ProcessPoolExecutor(JOBS) as ex:
        list(ex.map(job, range(JOBS)))                     #@processes
    print(f"processes  {time.perf_counter() - t0:.2f} s")  # faster, given free cores
