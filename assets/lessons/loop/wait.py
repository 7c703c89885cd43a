# asyncio.wait, wait_for, cancel and TaskGroup: tasks that end early.
# The demo's parameters are this program's: python3 wait.py timeout_ms=500
import asyncio
import os
import sys
import time

P = {"tasks": 3, "step_ms": 200, "slow_ms": 1000, "timeout_ms": 300, "fail_ms": 150}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P = {k: v // 2 if k.endswith("_ms") else v for k, v in P.items()}
cancelled = 0


async def job(name, ms, fail=False):
    global cancelled
    try:
        await asyncio.sleep(ms / 1000)         #@sleep
    except asyncio.CancelledError:             # raised at the await by t.cancel()
        cancelled += 1
        print(f"{name}: cancelled")            #@cancelled
        raise                                  # let it end the task
    if fail:
        raise RuntimeError(f"{name} failed")   #@fail
    print(f"{name}: done after {ms} ms")
    return name


async def main():
    # 1. The first of several to finish; the others are cancelled.
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(job(f"fetch {i + 1}", P["step_ms"] * (i + 1)))
             for i in range(P["tasks"])]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)  #@wait
    first_ms = (time.perf_counter() - t0) * 1000
    for t in pending:
        t.cancel()                             # CancelledError at their await  #@cancel
    await asyncio.gather(*pending, return_exceptions=True)

    # 2. A time limit: wait_for cancels the slow task when time is up.
    t0 = time.perf_counter()
    try:
        await asyncio.wait_for(job("slow", P["slow_ms"]), timeout=P["timeout_ms"] / 1000)  #@wait_for
    except TimeoutError:                       # 3.11+: async with asyncio.timeout(s)
        print("wait_for: TimeoutError")        #@timeout
    wait_for_ms = (time.perf_counter() - t0) * 1000

    # 3. A TaskGroup: when one task fails, the others are cancelled.
    t0 = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as tg:  #@taskgroup
            tg.create_task(job("a", 2 * P["fail_ms"]))
            tg.create_task(job("bad", P["fail_ms"], fail=True))
            tg.create_task(job("c", 3 * P["fail_ms"]))
    except* RuntimeError as eg:
        print(f"TaskGroup: {eg.exceptions[0]}")  #@eg
    taskgroup_ms = (time.perf_counter() - t0) * 1000

    print(f"first_ms: {first_ms:.0f}")
    print(f"wait_for_ms: {wait_for_ms:.0f}")
    print(f"taskgroup_ms: {taskgroup_ms:.0f}")
    print(f"cancelled: {cancelled}")


asyncio.run(main())
