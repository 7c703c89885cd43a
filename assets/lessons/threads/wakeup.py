# T1, T2 and T3 wait for data; only T3's comes early. Who gets woken?
# The demo's parameters are this program's: python3 wakeup.py ready_ms=100
# (Linux: it reads the kernel's counters from /proc.)
import asyncio
import os
import sys
import threading
import time
import urllib.parse
import urllib.request

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
P = {"ready_ms": 200, "others_ms": 1200}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["others_ms"] = P["ready_ms"] + 400
MARGIN = 0.1                                   # the window: from 100 ms after T3's
                                               # data to 100 ms before the others'


def switches(tid):
    """How many times the kernel has switched thread tid back in after it
    blocked (voluntary context switches)."""
    with open(f"/proc/self/task/{tid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])


def delay(i):
    return P["ready_ms"] if i == 3 else P["others_ms"]


def fetch(i, tids):
    tids[i] = threading.get_native_id()
    urllib.request.urlopen(f"{URL}/bytes/64?latency_ms={delay(i)}").read()  #@recv
    print(f"T{i}: data arrived")               #@print


def watch(tids, t0):
    """Read the waiting threads' counters at each end of the window."""
    time.sleep(max(0, t0 + P["ready_ms"] / 1000 + MARGIN - time.perf_counter()))
    before = [switches(tids[i]) for i in tids]
    time.sleep(max(0, t0 + P["others_ms"] / 1000 - MARGIN - time.perf_counter()))
    return sum(switches(tids[i]) for i in tids) - sum(before)


def with_threads():
    tids = {}
    t0 = time.perf_counter()
    threads = [threading.Thread(target=fetch, args=(i, tids)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    while len(tids) < 3:
        time.sleep(0.001)
    woken = watch({i: tids[i] for i in (1, 2)}, t0)   # T1 and T2 only
    for t in threads:
        t.join()
    return woken


async def task(i):
    u = urllib.parse.urlsplit(URL)
    reader, writer = await asyncio.open_connection(u.hostname, u.port)
    writer.write(f"GET /bytes/64?latency_ms={delay(i)} HTTP/1.0\r\n\r\n".encode())
    await reader.read()                        # until the reply has come  #@await
    print(f"task T{i}: data arrived")
    writer.close()


async def with_a_loop():
    loop_tid = threading.get_native_id()
    t0 = time.perf_counter()
    watcher = asyncio.get_running_loop().run_in_executor(None, watch, {0: loop_tid}, t0)
    await asyncio.gather(*(task(i) for i in (1, 2, 3)))   # one loop, three sockets  #@loop
    return await watcher


print(f"thread_wakeups_waiting: {with_threads()}")
print(f"loop_wakeups_waiting: {asyncio.run(with_a_loop())}")
