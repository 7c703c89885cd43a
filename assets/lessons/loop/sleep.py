import asyncio
import os
import time

PAUSE = 1.0
if os.environ.get("SIMUL_QUICK") == "1":
    PAUSE = 0.05

async def numbers():
    for i in range(1, 6):
        print(f"Number {i}")                   #@numbers_print
        await asyncio.sleep(PAUSE)             #@numbers_sleep

async def letters():
    for ch in "abcde":
        print(f"Letter {ch}")                  #@letters_print
        await asyncio.sleep(PAUSE)             #@letters_sleep

async def main():
    t1 = asyncio.create_task(numbers())        #@create
    t2 = asyncio.create_task(letters())
    await asyncio.gather(t1, t2)               #@gather

wall, cpu = time.perf_counter(), time.process_time()
asyncio.run(main())
# The loop waits in poll whenever it is not running a task: about the
# wall time less the CPU time.
idle = (time.perf_counter() - wall) - (time.process_time() - cpu)
print(f"loop_idle_ms: {idle * 1000:.0f}")
