import threading
import requests

URL = "http://127.0.0.1:8000/bytes/100000"   # simul's loopback server
N = 3

# One after another: each request waits for the server in turn.
for i in range(N):
    r = requests.get(URL)                            #@seq_get
    print(f"file {i + 1}: {len(r.content)} bytes")   #@seq_print

# One thread per file: the waits overlap.
def download(i):
    r = requests.get(URL)                            #@thread_get
    print(f"file {i + 1}: {len(r.content)} bytes")   #@thread_print

threads = [threading.Thread(target=download, args=(i,)) for i in range(N)]
for t in threads:
    t.start()                                        #@start
for t in threads:
    t.join()                                         #@join
