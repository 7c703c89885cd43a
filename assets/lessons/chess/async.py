import asyncio
import time

BOARDS, MOVES = 24, 30
MASTER, OPPONENT = 5, 55          # seconds per move

def master_move(board):
    time.sleep(MASTER)            # real thinking: blocks the loop, as CPU work does

async def play(board):
    for move in range(MOVES):                   #@async_ready
        master_move(board)                      #@async_think
        await asyncio.sleep(OPPONENT)           #@async_wait
    print(f"board {board + 1}: game over")

async def main():
    await asyncio.gather(*(play(b) for b in range(BOARDS)))  #@loop_idle

start = time.perf_counter()
asyncio.run(main())
print(f"{time.perf_counter() - start:.0f} s")   # 30 x max(24 x 5, 5 + 55) = 3,600 s
