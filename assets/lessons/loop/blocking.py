# python3 blocking.py work=cpu: CPU-bound work instead of time.sleep
import asyncio
import os
import sys
import time

TICK, BLOCK = 0.1, 1.0
if os.environ.get("SIMUL_QUICK") == "1":
    TICK, BLOCK = 0.02, 0.2
WORK = "cpu" if "work=cpu" in sys.argv[1:] else "sleep"

def block(seconds):               # no await: nothing else runs meanwhile
    if WORK == "sleep":
        time.sleep(seconds)
        return
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
TICKS = round((BLOCK + 3 * TICK) / TICK)    # tick on until well after the block
late = {"blocked": 0.0, "offloaded": 0.0}   # a ticker's longest wait past its due time
took = {}

async def ticker(name, round_):
    loop = asyncio.get_running_loop()
    for _ in range(TICKS):
        due = loop.time() + TICK
        await asyncio.sleep(TICK)              #@tick_sleep
        late[round_] = max(late[round_], loop.time() - due)
        print(f"{name} tick")                  #@tick_print

async def culprit():
    await asyncio.sleep(TICK)                  #@culprit_sleep
    t0 = time.perf_counter()
    block(BLOCK)       # no await: the loop is stuck here   #@block
    took["blocked"] = time.perf_counter() - t0

async def fixed():
    await asyncio.sleep(TICK)                  #@fixed_sleep
    t0 = time.perf_counter()
    await asyncio.to_thread(block, BLOCK)      #@offload
    took["offloaded"] = time.perf_counter() - t0

async def main():
    await asyncio.gather(culprit(), *(ticker(f"t{i}", "blocked") for i in range(3)))  #@gather_blocked
    await asyncio.gather(fixed(), *(ticker(f"t{i}", "offloaded") for i in range(3)))  #@gather_fixed

asyncio.run(main())
print(f"blocked_ms: {took['blocked'] * 1000:.0f}")
print(f"offloaded_ms: {took['offloaded'] * 1000:.0f}")
print(f"blocked_max_ready_ms: {late['blocked'] * 1000:.1f}")
print(f"offloaded_max_ready_ms: {late['offloaded'] * 1000:.1f}")
