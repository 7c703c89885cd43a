import time
from multiprocessing import Pool

ITEMS = 16
PAYLOAD = 64 * 1024 // 8          # floats sent with each item

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
    with Pool(2) as pool:                         #@pool
        # Behind map: each item is pickled and written to a pipe,   #@send
        # a worker reads and unpickles it,                           #@w_recv
        # runs f, then pickles the result and writes it back,        #@w_send
        # and the parent reads and unpickles the result.             #@recv
        results = pool.map(f, items, chunksize=1) #@map
    # leaving "with" closes the pool and waits for its workers       #@close
    pooled = time.perf_counter() - t0
    print(f"speedup x{sequential / pooled:.2f}")

# The same with concurrent.futures:
#   with ProcessPoolExecutor(2) as ex:
#       results = list(ex.map(f, items))
