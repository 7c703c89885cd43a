# queue.Queue between producer and consumer threads.
# The demo's parameters are this program's: python3 threads.py maxsize=0 work=cpu
import os
import queue
import sys
import threading
import time

P = {"producers": 1, "consumers": 2, "items": 12, "maxsize": 3,
     "produce_ms": 10, "work_ms": 60, "work": "io"}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name == "work" else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["items"] = min(P["items"], 6)

q = queue.Queue(maxsize=P["maxsize"])          # 0: no limit  #@queue
STOP = object()                                # the sentinel: "no more items"
put_wait = get_wait = 0.0                      # seconds spent blocked
max_qsize = 0
tally = threading.Lock()                       # for the figures, not the queue


def work(item):
    if P["work"] == "io":
        time.sleep(P["work_ms"] / 1000)        # waits: the GIL is let go
    else:
        end = time.thread_time() + P["work_ms"] / 1000
        while time.thread_time() < end:        # computes: holds the GIL
            sum(range(600))


def producer(n):
    global put_wait, max_qsize
    for i in range(P["items"]):
        time.sleep(P["produce_ms"] / 1000)     # making an item (I/O)  #@make
        t0 = time.perf_counter()
        q.put((n, i))                          # blocks while the queue is full  #@put
        with tally:
            put_wait += time.perf_counter() - t0
            max_qsize = max(max_qsize, q.qsize())


def consumer(n):
    global get_wait
    while True:
        t0 = time.perf_counter()
        item = q.get()                         # blocks while the queue is empty  #@get
        with tally:
            get_wait += time.perf_counter() - t0
        if item is STOP:
            q.task_done()                      #@stop
            break
        work(item)                             #@work
        q.task_done()                          # one item fully handled  #@done


t0 = time.perf_counter()
consumers = [threading.Thread(target=consumer, args=(c,)) for c in range(P["consumers"])]
producers = [threading.Thread(target=producer, args=(p,)) for p in range(P["producers"])]
for t in consumers + producers:
    t.start()                                  #@start
for p in producers:
    p.join()
q.join()                                       # until every item is task_done  #@join
for _ in consumers:
    q.put(STOP)                                # one sentinel per consumer  #@sentinel
for c in consumers:
    c.join()
wall = time.perf_counter() - t0

print(f"items_done: {P['producers'] * P['items']}")
print(f"put_wait_ms: {put_wait * 1000:.0f}")
print(f"get_wait_ms: {get_wait * 1000:.0f}")
print(f"max_qsize: {max_qsize}")
print(f"wall_ms: {wall * 1000:.0f}")
