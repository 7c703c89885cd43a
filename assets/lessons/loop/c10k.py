import asyncio
import os
import resource
import time
import aiohttp

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
N, LATENCY_MS = 10_000, 1000
if os.environ.get("SIMUL_QUICK") == "1":
    N, LATENCY_MS = 1000, 200

# Each connection holds a file descriptor: raise the open-file limit as far
# as allowed, and cap the connections in flight only if N still do not fit.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and soft < hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft = hard
LIMIT = min(N, soft - 64)
in_flight = max_in_flight = 0

async def fetch(session, limit):
    global in_flight, max_in_flight
    async with limit:                          #@limit
        in_flight += 1
        max_in_flight = max(max_in_flight, in_flight)
        async with session.get(f"{URL}/bytes/64?latency_ms={LATENCY_MS}") as r:  #@get
            await r.read()
        # io=sleep: await asyncio.sleep(LATENCY_MS / 1000)  #@sleep
        in_flight -= 1

async def main():
    limit = asyncio.Semaphore(LIMIT)
    # aiohttp allows 100 connections at once unless told otherwise.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(fetch(session, limit)) for _ in range(N)]  #@create
        await asyncio.gather(*tasks)           #@gather
        wall = time.perf_counter() - t0
    print(f"tasks: {N}")
    print(f"wall_ms: {wall * 1000:.0f}")
    print(f"max_in_flight: {max_in_flight}")

asyncio.run(main())
