import asyncio
import os
import time
import aiohttp

URL = os.environ.get("SIMUL_URL", "http://127.0.0.1:8000")
N, LATENCY_MS, SIZE = 3, 500, 64 * 1024
if os.environ.get("SIMUL_QUICK") == "1":
    LATENCY_MS = 100

async def download(session, i, latency_ms=LATENCY_MS):
    url = f"{URL}/bytes/{SIZE}?latency_ms={latency_ms}"
    async with session.get(url) as r:          #@get
        body = await r.read()
    print(f"download {i}: {len(body)} bytes")  #@print
    return i

async def main():
    async with aiohttp.ClientSession() as session:
        t0 = time.perf_counter()
        for i in range(1, N + 1):
            await download(session, i)         #@sequential
        sequential = time.perf_counter() - t0

        t0 = time.perf_counter()
        await asyncio.gather(*(download(session, i) for i in range(1, N + 1)))  #@gather
        gathered = time.perf_counter() - t0

        # The first started is the slowest: results come back in
        # finishing order, not in starting order.
        slower = {i: LATENCY_MS * (N - i + 1) // N + 20 * (N - i + 1) for i in range(1, N + 1)}
        aws = [download(session, i, slower[i]) for i in range(1, N + 1)]
        order = []
        for first in asyncio.as_completed(aws):  #@as_completed
            i = await first
            print(f"first done: download {i}")  #@completed
            order.append(str(i))

    print(f"sequential_ms: {sequential * 1000:.0f}")
    print(f"gathered_ms: {gathered * 1000:.0f}")
    print(f"speedup: {sequential / gathered:.2f}")
    print(f"as_completed_order: {','.join(order)}")

asyncio.run(main())
