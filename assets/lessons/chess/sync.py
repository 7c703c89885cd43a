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

def play_all():
    for board in range(BOARDS):                 #@sync_ready
        for move in range(MOVES):
            think(MASTER)                       #@sync_think
            time.sleep(OPPONENT / SCALE)        #@sync_wait
        print(f"board {board + 1}: game over")

start = time.perf_counter()
play_all()
# Until the last game is over: 24 x 30 x (5 + 55) = 43,200 s, 12 h.
print(f"sync_sim_s: {(time.perf_counter() - start) * SCALE:.0f}")
