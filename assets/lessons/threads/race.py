import threading

counter = 0
counter_lock = threading.Lock()
N = 1_000_000

def add():
    global counter
    for _ in range(N):
        counter += 1                   #@inc

def add_locked():
    global counter
    for _ in range(N):
        with counter_lock:             #@lock
            counter += 1               #@locked_inc

for target in (add, add_locked):
    counter = 0
    threads = [threading.Thread(target=target) for _ in range(4)]
    for t in threads:
        t.start()                      #@start
    for t in threads:
        t.join()                       #@join
    print(f"expected {4 * N}, got {counter}")   #@print
