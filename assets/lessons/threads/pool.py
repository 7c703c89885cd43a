from concurrent.futures import ThreadPoolExecutor, as_completed
import requests

urls = [f"http://127.0.0.1:8000/bytes/10000?latency_ms={ms}"
        for ms in (130, 290, 210, 180, 250, 100, 240, 160, 300, 120)]

def fetch(url):
    return len(requests.get(url).content)         #@fetch

with ThreadPoolExecutor(max_workers=3) as pool:   #@pool
    futures = [pool.submit(fetch, u) for u in urls]   #@submit
    for f in as_completed(futures):               #@as_completed
        print(f.result())                         #@print
# leaving the with block: pool.shutdown(wait=True)   #@shutdown
