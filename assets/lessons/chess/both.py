import asyncio
import time

BOARDS, MOVES = 24, 30
MASTER, OPPONENT = 5, 55          # seconds per move

def master_move(board):
    time.sleep(MASTER)            # stands for 5 s of real thinking (CPU)

# One game after another: 24 x 30 x (5 + 55) s = 12 hours.
def play_sync():
    for board in range(BOARDS):                 #@sync_ready
        for move in range(MOVES):
            master_move(board)                  #@sync_think
            time.sleep(OPPONENT)                #@sync_wait

# One task per board; the master moves wherever an opponent has replied.
async def play(board):
    for move in range(MOVES):                   #@async_ready
        master_move(board)                      #@async_think
        await asyncio.sleep(OPPONENT)           #@async_wait

async def play_async():
    await asyncio.gather(*(play(b) for b in range(BOARDS)))  #@loop_idle

play_sync()                 # 43,200 s
asyncio.run(play_async())   # 30 x max(24 x 5, 5 + 55) = 3,600 s
