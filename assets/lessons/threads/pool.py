import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
QUICK = os.environ.get("SIMUL_QUICK") == "1"
# Ten jobs of different lengths: the ones simul draws with --seed 1.
LATENCIES = (300, 252, 185, 174, 278, 199, 208, 280, 182, 136)
if QUICK:
    LATENCIES = tuple(ms // 4 for ms in LATENCIES)
urls = [f"{URL}/bytes/10000?latency_ms={ms}" for ms in LATENCIES]

def fetch(url):
    with urllib.request.urlopen(url) as r:       #@fetch
        return len(r.read())

t0 = time.perf_counter()
with ThreadPoolExecutor(max_workers=3) as pool:   #@pool
    futures = [pool.submit(fetch, u) for u in urls]   #@submit
    for f in as_completed(futures):               #@as_completed
        print(f.result())                         #@print
# leaving the with block: pool.shutdown(wait=True)   #@shutdown
print(f"pool_ms: {(time.perf_counter() - t0) * 1000:.1f}")
print(f"jobs_sum_ms: {sum(LATENCIES)}")
