import sys
import threading
import requests

sys.setswitchinterval(0.005)   # CPython's default: 5 ms

def count_primes(n):
    count = 0
    for k in range(2, n):                                  #@work
        if all(k % d for d in range(2, int(k ** 0.5) + 1)):
            count += 1
    return count

N = 200_000

# One after another
for _ in range(2):
    count_primes(N)                                        #@seq

# Two threads: CPython lets only the GIL holder run Python code
threads = [threading.Thread(target=count_primes, args=(N,)) for _ in range(2)]
for t in threads:
    t.start()                                              #@start
for t in threads:
    t.join()                                               #@join

# The convoy effect: an I/O-bound thread next to a CPU-bound one
def io_bound():
    for _ in range(20):
        r = requests.get("http://127.0.0.1:8000/bytes/1000")   #@io_get
        handle(r)                                              #@io_work
