# One workload, six ways. Each job computes for CPU_MS, then downloads a
# page that takes IO_MS to arrive. Time each way on an otherwise idle
# machine, one after another, never two at once.
import asyncio, os, time, urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import aiohttp

JOBS, CPU_MS, IO_MS = 8, 0, 200
URL = f"http://127.0.0.1:8000/bytes/1024?latency_ms={IO_MS}"

def compute():                       # count primes for CPU_MS of this thread's CPU
    end, k, found = time.thread_time() + CPU_MS / 1000, 2, 0
    while time.thread_time() < end:
        found += all(k % d for d in range(2, int(k ** 0.5) + 1))
        k += 1
    return found

def download():                      # blocks this thread; releases the GIL
    urllib.request.urlopen(URL).read()

def sequential():                    # synchronous: one job, then the next
    for i in range(JOBS):
        compute()                                                   #@seq_cpu
        download()                                                  #@seq_io

def free_threaded_job(i):            # run by python3.13t with PYTHON_GIL=0
    compute()                                                       #@thr_cpu
    download()                                                      #@thr_io

def threaded_job(i):                 # ordinary CPython: one GIL for all
    compute()                                                       #@gil_cpu
    download()                                                      #@gil_io

def process_job(i):                  # own interpreter, own GIL, own core
    compute()                                                       #@proc_cpu
    download()                                                      #@proc_io

async def coroutine_job(session):    # compute() here blocks the whole loop
    compute()                                                       #@loop_cpu
    async with session.get(URL) as r: await r.read()                #@loop_io

async def offloaded_job(session):    # the loop goes on while a thread computes
    await asyncio.to_thread(compute)                                #@off_cpu
    async with session.get(URL) as r: await r.read()                #@off_io

async def event_loop(job):
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(job(session) for _ in range(JOBS)))

if __name__ == "__main__":
    def timed(name, f):
        t0 = time.perf_counter(); f()
        print(f"{name:13} {time.perf_counter() - t0:6.2f} s")
    timed("sequential", sequential)
    with ThreadPoolExecutor(JOBS) as ex:
        timed("threads", lambda: list(ex.map(threaded_job, range(JOBS))))
    with ProcessPoolExecutor(os.cpu_count()) as ex:
        timed("processes", lambda: list(ex.map(process_job, range(JOBS))))
    timed("event loop", lambda: asyncio.run(event_loop(coroutine_job)))
    timed("loop+offload", lambda: asyncio.run(event_loop(offloaded_job)))
