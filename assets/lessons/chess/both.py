import asyncio
import os
import time

BOARDS, MOVES = 24, 30
MASTER, OPPONENT = 5, 55          # simulated seconds per move
SCALE = 1800                      # simulated seconds per real second
if os.environ.get("SIMUL_QUICK") == "1":
    MOVES = 3                     # a quick look: 3 move pairs a game

def think(seconds):               # her thinking: CPU work for that long
    end = time.perf_counter() + seconds / SCALE
    while time.perf_counter() < end:
        pass

# One game after another: 24 x 30 x (5 + 55) s = 43,200 s, 12 hours.
def play_sync():
    for board in range(BOARDS):                 #@sync_ready
        for move in range(MOVES):
            think(MASTER)                       #@sync_think
            time.sleep(OPPONENT / SCALE)        #@sync_wait

# One task per board; the master moves wherever an opponent has replied.
async def play(board):
    for move in range(MOVES):                   #@async_ready
        think(MASTER)                           #@async_think
        await asyncio.sleep(OPPONENT / SCALE)   #@async_wait

async def play_async():
    await asyncio.gather(*(play(b) for b in range(BOARDS)))  #@loop_idle

# Each is timed until its last game is over.
start = time.perf_counter()
play_sync()
sync_s = (time.perf_counter() - start) * SCALE           # 43,200 s
start = time.perf_counter()
asyncio.run(play_async())
async_s = (time.perf_counter() - start) * SCALE          # 3,600 + 55 = 3,655 s
print(f"sync_sim_s: {sync_s:.0f}")
print(f"async_sim_s: {async_s:.0f}")
print(f"speedup: {sync_s / async_s:.2f}")
