import asyncio
import time

TICK, BLOCK = 0.1, 1.0

async def ticker(name):
    for _ in range(13):
        await asyncio.sleep(TICK)              #@tick_sleep
        print(f"{name} tick")                  #@tick_print

async def culprit():
    await asyncio.sleep(TICK)                  #@culprit_sleep
    time.sleep(BLOCK)  # no await: the loop is stuck here  #@block

async def fixed():
    await asyncio.sleep(TICK)                  #@fixed_sleep
    await asyncio.to_thread(time.sleep, BLOCK) #@offload

async def main():
    await asyncio.gather(culprit(), *(ticker(f"t{i}") for i in range(3)))  #@gather_blocked
    await asyncio.gather(fixed(), *(ticker(f"t{i}") for i in range(3)))    #@gather_fixed

asyncio.run(main())
