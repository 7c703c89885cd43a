import os
import statistics
import threading
import time

PAUSE = 0.1
BUSY = 0                                       # the `busy` parameter
late = []                                      # how late each line came

def pause():
    t0 = time.perf_counter()
    time.sleep(PAUSE)                          # releases the GIL...
    late.append(time.perf_counter() - t0 - PAUSE)   # ...and waits to get it back

def numbers():
    for i in range(1, 6):
        pause()                                #@numbers_sleep
        print(f"Number {i}")                   #@numbers_print

def letters():
    for ch in "abcde":
        pause()                                #@letters_sleep
        print(f"Letter {ch}")                  #@letters_print

def busy():                                    # CPU-bound, never sleeps
    while not done.is_set():
        sum(k for k in range(600))             #@busy

done = threading.Event()
for _ in range(BUSY):
    threading.Thread(target=busy).start()
t1 = threading.Thread(target=numbers)
t2 = threading.Thread(target=letters)
t1.start(); t2.start()                         #@start
t1.join(); t2.join()                           #@join
done.set()
print(f"late_median_ms: {statistics.median(late) * 1000:.2f}")
print(f"late_max_ms: {max(late) * 1000:.2f}")
