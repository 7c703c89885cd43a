# One workload, run every way CPython offers, one way after another, never
# two at once. A job computes for CPU_MS (pure Python, counting primes), then
# waits IO_MS: for a page that takes that long to arrive, or in a sleep.
# The demo's parameters are this program's:
#     python3 race.py jobs=8 cpu_ms=100 io_ms=100 io_kind=network
# SIMUL_URL names the server (`simul --serve 0` runs one).
import asyncio, os, resource, sys, time, urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from urllib.parse import urlsplit

P = {"jobs": 8, "cpu_ms": 50, "io_ms": 100, "io_kind": "network"}
for arg in sys.argv[1:]:                      # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "io_kind" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":      # a quick look, not a measure
    P.update(jobs=min(P["jobs"], 4), cpu_ms=P["cpu_ms"] // 4, io_ms=P["io_ms"] // 4)
JOBS, CPU_MS, IO_MS = P["jobs"], P["cpu_ms"], P["io_ms"]
NETWORK = P["io_kind"] == "network"
URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
PAGE = f"/bytes/1024?latency_ms={IO_MS}"

def compute():                   # CPU_MS of this thread's own CPU time
    end, k, found = time.thread_time() + CPU_MS / 1000, 2, 0
    while time.thread_time() < end:
        found += all(k % d for d in range(2, int(k ** 0.5) + 1))
        k += 1
    return found

def wait():                      # blocks this thread; lets go of the GIL
    if IO_MS and NETWORK:
        urllib.request.urlopen(URL + PAGE).read()
    elif IO_MS:
        time.sleep(IO_MS / 1000)

async def await_io():            # suspends this coroutine, not the loop
    if IO_MS and NETWORK:
        u = urlsplit(URL)
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        writer.write(f"GET {PAGE} HTTP/1.0\r\nHost: {u.netloc}\r\n\r\n".encode())
        await reader.read()      # to the end: the server closes after it
        writer.close()
    elif IO_MS:
        await asyncio.sleep(IO_MS / 1000)

def sequential():                # a for loop: one job, then the next
    for i in range(JOBS):
        compute()                                                       #@seq_cpu
        wait()                                                          #@seq_io

def threaded_job(i):             # ThreadPoolExecutor: the threads share one GIL
    compute()                                                           #@gil_cpu
    wait()                                                              #@gil_io

def process_job(i):              # ProcessPoolExecutor: own interpreter, own GIL
    compute()                                                           #@proc_cpu
    wait()                                                              #@proc_io

async def inline_job():          # compute() in a coroutine holds up the loop
    compute()                                                           #@loop_cpu
    await await_io()                                                    #@loop_io

async def to_thread_job():       # a thread computes, still under the one GIL
    await asyncio.to_thread(compute)                                    #@off_cpu
    await await_io()                                                    #@off_io

async def pooled_job(pool):      # a process computes: parallel, the loop free
    await asyncio.get_running_loop().run_in_executor(pool, compute)     #@lpp_cpu
    await await_io()                                                    #@lpp_io

def free_threaded_job(i):        # only parallel where there is no GIL (3.13t)
    compute()                                                           #@nogil_cpu
    wait()                                                              #@nogil_io

def threads(job):
    with ThreadPoolExecutor(JOBS) as ex:
        list(ex.map(job, range(JOBS)))

def processes():
    with ProcessPoolExecutor(os.cpu_count()) as ex:
        list(ex.map(process_job, range(JOBS)))

async def event_loop(job):
    await asyncio.gather(*(job() for _ in range(JOBS)))

async def loop_with_processes():
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        await asyncio.gather(*(pooled_job(pool) for _ in range(JOBS)))

def cpu_seconds():               # this process and its finished children
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

if __name__ == "__main__":
    ways = [("sequential", sequential),
            ("threads_gil", lambda: threads(threaded_job)),
            ("processes", processes),
            ("event_loop", lambda: asyncio.run(event_loop(inline_job))),
            ("loop_offload", lambda: asyncio.run(event_loop(to_thread_job))),
            ("loop_processes", lambda: asyncio.run(loop_with_processes()))]
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        ways.append(("threads_nogil", lambda: threads(free_threaded_job)))
    else:
        print("# threads_nogil: needs a free-threaded build (python3.13t, PYTHON_GIL=0)")
    ways.append(("sequential_again", sequential))   # the baseline once more
    walls, cpus = {}, {}
    for key, way in ways:
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        way()
        walls[key], cpus[key] = time.perf_counter() - t0, cpu_seconds() - cpu0
    base = min(walls["sequential"], walls["sequential_again"])  # the less disturbed
    for key, wall in walls.items():
        print(f"{key}.wall_ms: {wall * 1000:.0f}")
        print(f"{key}.speedup: {base / wall:.2f}")
        print(f"{key}.parallelism: {cpus[key] / wall:.2f}")
