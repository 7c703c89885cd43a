# A job queue on Redis with RQ (Redis Queue; Debian: python3-rq).
# The demo's parameters are this program's: python3 rq.py workers=4 kind=io
import os
import signal
import subprocess
import sys
import tempfile
import time

# This file is called rq.py, like the library it shows: take its folder off
# the import path, or `import rq` would import this file again.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
try:
    from redis import Redis
    from rq import Queue, Retry, Worker
    from rq.registry import StartedJobRegistry
except ImportError:
    print("rq.py: skipped: it needs the rq library (Debian: apt-get install python3-rq)")
    sys.exit(0)

P = {"jobs": 20, "workers": 3, "job_ms": 100, "kind": "cpu", "kill_worker": "off",
     "retries": 1, "redis": ""}
for arg in sys.argv[1:]:                       # name=value, as simul's -s
    name, _, value = arg.partition("=")
    P[name] = value if name in ("kind", "kill_worker", "redis") else int(value)
if os.environ.get("SIMUL_QUICK") == "1":       # a quick look, not a measure
    P["jobs"], P["job_ms"] = min(P["jobs"], 8), min(P["job_ms"], 50)


def start_redis(folder):
    """A redis-server of our own, as simul starts one: a unix socket in a
    private folder, no TCP port, nothing saved to disk."""
    sock = os.path.join(folder, "redis.sock")
    server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock,
                               "--unixsocketperm", "700", "--dir", folder,
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(500):
        try:
            Redis(unix_socket_path=sock).ping()
            return server, "unix://" + sock
        except Exception:
            time.sleep(0.01)
    server.kill()
    raise SystemExit("redis-server did not start")


def range_for(ms):
    """range(n) such that sum(range(n)) takes about ms of CPU time here."""
    n = 100_000
    while True:
        t0 = time.process_time()
        sum(range(n))
        spent = time.process_time() - t0
        if spent > 0.02:
            return range(int(n * ms / 1000 / spent))
        n *= 2


def main(url):
    r = Redis.from_url(url)
    q = Queue("default", connection=r)
    # A worker imports a job's function by its name, so it cannot come from
    # this file (RQ refuses __main__): sum and time.sleep are importable.
    if P["kind"] == "cpu":
        job = (sum, range_for(P["job_ms"]))    # CPU work
    else:
        job = (time.sleep, P["job_ms"] / 1000)  # stands for a wait on I/O
    retry = Retry(max=P["retries"]) if P["retries"] > 0 else None

    workers = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--url", url,
                                 "--worker-class", "rq.worker.SimpleWorker", "--quiet"])
               for _ in range(P["workers"])]   #@workers
    # What each `rq worker` then does, job after job (RQ's code, not ours):
    #   take a job: BLPOP the queue, note it in the StartedJobRegistry   #@w_take
    #   run it: result = func(*args)                                     #@w_run
    #   store the result for result_ttl, out of the registry: done       #@w_ack
    while Worker.count(connection=r) < P["workers"]:
        time.sleep(0.01)

    t0 = time.perf_counter()
    jobs = [q.enqueue(*job, retry=retry, result_ttl=60) for _ in range(P["jobs"])]  #@enqueue
    enqueue_ms = (time.perf_counter() - t0) * 1000

    killed = False
    while True:                                # wait for every job's result  #@wait
        status = [j.get_status(refresh=True) for j in jobs]
        if all(s in ("finished", "failed") for s in status):
            break
        if P["kill_worker"] == "on" and not killed:
            killed = kill_one_mid_job(r, workers[0])
        if killed:
            # What RQ's workers do every 10 minutes: a started job whose
            # registry entry expired (a minute after its worker's last
            # heartbeat) is retried if it may be, else failed.
            StartedJobRegistry(queue=q).get_job_ids()
        time.sleep(0.05)
    drain_ms = (time.perf_counter() - t0) * 1000

    for w in workers:                          # warm shutdown: SIGTERM
        w.send_signal(signal.SIGTERM)
    for w in workers:
        w.wait()
    requeued = sum(P["retries"] - j.retries_left for j in jobs if j.retries_left is not None)
    print(f"redis_version: {r.info('server')['redis_version']}")
    print(f"jobs_done: {status.count('finished')}")
    print(f"jobs_failed: {status.count('failed')}")
    print(f"jobs_requeued: {requeued}")
    print(f"workers: {P['workers']}")
    print(f"enqueue_ms: {enqueue_ms:.1f}")
    print(f"drain_ms: {drain_ms:.0f}")


def kill_one_mid_job(r, proc):
    """kill -9 the worker `proc` once it is running a job."""
    for w in Worker.all(connection=r):
        if w.pid == proc.pid and w.get_current_job_id():
            os.kill(proc.pid, signal.SIGKILL)
            print(f"killed worker pid {proc.pid} in the middle of job {w.get_current_job_id()};"
                  " RQ finds the job when its registry entry expires, in a minute or so")
            return True
    return False


if __name__ == "__main__":
    if P["redis"]:
        main(P["redis"])
    else:
        with tempfile.TemporaryDirectory(prefix="rq-") as folder:
            server, url = start_redis(folder)
            try:
                main(url)
            finally:
                server.terminate()
                server.wait()
