import time

BOARDS, MOVES = 24, 30
MASTER, OPPONENT = 5, 55          # seconds per move

def master_move(board):
    time.sleep(MASTER)            # stands for 5 s of real thinking (CPU)

def play_all():
    for board in range(BOARDS):                 #@sync_ready
        for move in range(MOVES):
            master_move(board)                  #@sync_think
            time.sleep(OPPONENT)                #@sync_wait
        print(f"board {board + 1}: game over")

start = time.perf_counter()
play_all()
print(f"{time.perf_counter() - start:.0f} s")   # 24 x 30 x 60 = 43,200 s
