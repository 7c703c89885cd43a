import asyncio

PAUSE = 1.0

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

asyncio.run(main())
