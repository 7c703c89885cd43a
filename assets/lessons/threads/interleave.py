import threading
import time

PAUSE = 0.1

def numbers():
    for i in range(1, 6):
        time.sleep(PAUSE)                      #@numbers_sleep
        print(f"Number {i}")                   #@numbers_print

def letters():
    for ch in "abcde":
        time.sleep(PAUSE)                      #@letters_sleep
        print(f"Letter {ch}")                  #@letters_print

t1 = threading.Thread(target=numbers)
t2 = threading.Thread(target=letters)
t1.start(); t2.start()                         #@start
t1.join(); t2.join()                           #@join
