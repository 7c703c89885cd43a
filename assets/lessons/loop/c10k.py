import asyncio
import aiohttp

N = 10_000
URL = "http://127.0.0.1:PORT/bytes/64?latency_ms=1000"
limit = asyncio.Semaphore(LIMIT)  # only if N connections do not fit

async def fetch(session):
    async with limit:                          #@limit
        async with session.get(URL) as r:      #@get
            await r.read()
        # io=sleep: await asyncio.sleep(1.0)   #@sleep

async def main():
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.create_task(fetch(session)) for _ in range(N)]  #@create
        await asyncio.gather(*tasks)           #@gather

asyncio.run(main())
