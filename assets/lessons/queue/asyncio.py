# asyncio.Queue between coroutines, and items handed in from a thread.
# The demo's parameters are this program's: python3 asyncio.py maxsize=0
import os
import sys

# This file is called asyncio.py, like the module it shows: take its folder
# off the import path, or `import asyncio` would import this file again.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
import asyncio  # noqa: E402
import time  # noqa: E402

P = {"producers": 1, "consumers": 2, "items": 10, "maxsize": 3, "produce_ms": 10,
     "work_ms": 60, "thread_items": 3, "thread_ms": 40}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["items"] = min(P["items"], 5)
put_wait = get_wait = 0.0                      # seconds spent waiting
max_qsize = done = 0


async def producer(q, n):
    global put_wait, max_qsize
    for i in range(P["items"]):
        await asyncio.sleep(P["produce_ms"] / 1000)   # making an item (I/O)  #@make
        t0 = time.perf_counter()
        await q.put((n, i))                    # waits while the queue is full  #@put
        put_wait += time.perf_counter() - t0
        max_qsize = max(max_qsize, q.qsize())


async def consumer(q, n):
    global get_wait, done
    while True:
        t0 = time.perf_counter()
        try:
            item = await q.get()               # waits while the queue is empty  #@get
        finally:                               # (cancelled here at the end)
            get_wait += time.perf_counter() - t0
        await asyncio.sleep(P["work_ms"] / 1000)      # the work: I/O  #@work
        q.task_done()                          #@done
        done += 1


def feed(loop, q):
    """Runs in a thread: blocking work is fine here, but asyncio.Queue is
    not thread-safe: q.put_nowait(item) from this thread would race with
    the loop and might not even wake it. The put must run on the loop."""
    for i in range(P["thread_items"]):
        time.sleep(P["thread_ms"] / 1000)      # blocking work  #@thread
        asyncio.run_coroutine_threadsafe(q.put(("thread", i)), loop).result()  #@threadsafe


async def main():
    q = asyncio.Queue(maxsize=P["maxsize"])    # 0: no limit  #@queue
    consumers = [asyncio.create_task(consumer(q, c)) for c in range(P["consumers"])]
    producers = [asyncio.create_task(producer(q, p)) for p in range(P["producers"])]
    loop = asyncio.get_running_loop()
    await asyncio.gather(*producers, asyncio.to_thread(feed, loop, q))  #@gather
    await q.join()                             # until every item is task_done  #@join
    for c in consumers:
        c.cancel()                             # they wait on the empty queue  #@cancel
    await asyncio.gather(*consumers, return_exceptions=True)


t0 = time.perf_counter()
asyncio.run(main())
wall = time.perf_counter() - t0
print(f"items_done: {done}")
print(f"items_from_thread: {P['thread_items']}")
print(f"put_wait_ms: {put_wait * 1000:.0f}")
print(f"get_wait_ms: {get_wait * 1000:.0f}")
print(f"max_qsize: {max_qsize}")
print(f"wall_ms: {wall * 1000:.0f}")
