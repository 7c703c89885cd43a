import asyncio
import os
import time

BOARDS, MOVES = 24, 30
MASTER, OPPONENT = 5, 55          # simulated seconds per move
SCALE = 1800                      # simulated seconds per real second
if os.environ.get("SIMUL_QUICK") == "1":
    MOVES = 3                     # a quick look: 3 move pairs a game

def think(seconds):               # her thinking: CPU work, so it blocks the loop
    end = time.perf_counter() + seconds / SCALE
    while time.perf_counter() < end:
        pass

async def play(board):
    for move in range(MOVES):                   #@async_ready
        think(MASTER)                           #@async_think
        await asyncio.sleep(OPPONENT / SCALE)   #@async_wait
    print(f"board {board + 1}: game over")

async def main():
    await asyncio.gather(*(play(b) for b in range(BOARDS)))  #@loop_idle

start = time.perf_counter()
asyncio.run(main())
# gather returns when the last game is over: her last move ends after
# 29 rounds of max(24 x 5, 5 + 55) s and a last round of 24 x 5 s, 3,600 s;
# the opponent's reply to it ends the last game 55 s later, at 3,655 s.
print(f"async_sim_s: {(time.perf_counter() - start) * SCALE:.0f}")
