import asyncio
import time
import aiohttp

URL = "http://127.0.0.1:PORT/bytes/65536?latency_ms=500"

async def download(session, i, url=URL):
    async with session.get(url) as r:          #@get
        body = await r.read()
    print(f"download {i}: {len(body)} bytes")  #@print

async def main():
    async with aiohttp.ClientSession() as session:
        t0 = time.perf_counter()
        for i in range(1, 4):
            await download(session, i)         #@sequential
        sequential = time.perf_counter() - t0

        t0 = time.perf_counter()
        await asyncio.gather(*(download(session, i) for i in range(1, 4)))  #@gather
        gathered = time.perf_counter() - t0

        # slower first: results come back in finishing order
        aws = [download(session, i) for i in range(1, 4)]
        for first in asyncio.as_completed(aws):  #@as_completed
            await first
            print("first done")                #@completed

asyncio.run(main())
