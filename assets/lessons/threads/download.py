import os
import threading
import time
import urllib.request

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
QUICK = os.environ.get("SIMUL_QUICK") == "1"
N = 3
FILE = f"{URL}/bytes/100000?latency_ms={100 if QUICK else 500}"

def get(url):
    with urllib.request.urlopen(url) as r:
        return r.read()

# One after another: each request waits for the server in turn.
t0 = time.perf_counter()
for i in range(N):
    body = get(FILE)                                 #@seq_get
    print(f"file {i + 1}: {len(body)} bytes")        #@seq_print
seq_ms = (time.perf_counter() - t0) * 1000

# One thread per file: the waits overlap.
def download(i):
    body = get(FILE)                                 #@thread_get
    print(f"file {i + 1}: {len(body)} bytes")        #@thread_print

t0 = time.perf_counter()
threads = [threading.Thread(target=download, args=(i,)) for i in range(N)]
for t in threads:
    t.start()                                        #@start
for t in threads:
    t.join()                                         #@join
thr_ms = (time.perf_counter() - t0) * 1000
print(f"sequential_ms: {seq_ms:.1f}")
print(f"threaded_ms: {thr_ms:.1f}")
print(f"speedup: {seq_ms / thr_ms:.2f}")
