import time
from multiprocessing import Pool

WORKERS = 2
ITEMS = 16
PAYLOAD = 64 * 1024 // 8          # floats sent with each item
CHUNK = 1                         # items per message to a worker

def count_primes(n):
    return sum(1 for k in range(2, n) if all(k % d for d in range(2, int(k**0.5) + 1)))

def f(data):
    count = count_primes(20_000)                  #@w_f
    return [x * 0.5 + count % 8 for x in data]    # a result as big as the input

def make(i):
    return [i + k / 1024 for k in range(PAYLOAD)]

if __name__ == "__main__":
    items = [make(i) for i in range(ITEMS)]
    t0 = time.perf_counter()
    seq = [f(x) for x in items]                   #@sequential
    sequential = time.perf_counter() - t0

    t0 = time.perf_counter()
    pool = Pool(WORKERS)                          #@pool
    # Behind map: each chunk is pickled and written to a pipe,   #@send
    # a worker reads and unpickles it,                            #@w_recv
    # runs f on each item, pickles the results, writes them back, #@w_send
    # and the parent reads and unpickles them.                    #@recv
    results = pool.map(f, items, chunksize=CHUNK) #@map
    pool.close(); pool.join()                     #@close
    pooled = time.perf_counter() - t0
    print(f"speedup x{sequential / pooled:.2f}")

# The same with concurrent.futures:
#   with ProcessPoolExecutor(WORKERS) as ex:
#       results = list(ex.map(f, items, chunksize=CHUNK))
