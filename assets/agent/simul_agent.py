"""simul's agent: tells simul what each thread, process and asyncio task of
a Python program is doing, while it runs.

simul writes this file (and the two small files beside it) into a private
temporary directory, makes a FIFO there and starts

    python3 DIR/simul_run.py SCRIPT ARGS...

with SIMUL_AGENT_FIFO naming the FIFO and DIR first on PYTHONPATH, so that
every Python process the program starts (multiprocessing, spawn or
forkserver, or a plain subprocess) imports this module through
sitecustomize too; a forked child keeps it. Each process writes records to
the FIFO: a fixed header and a UTF-8 text (see record()), one os.write per
record, so that records of several threads and processes never mix (a FIFO
write of at most PIPE_BUF bytes is atomic).

What is measured here, and how:
  - threads: start and end (Thread._bootstrap_inner), names;
  - blocking calls, wrapped: time.sleep, select and selectors, socket
    waits, Lock/RLock (only when the lock is taken: an uncontended acquire
    costs one extra call and writes nothing), Condition/Event/Semaphore/
    Barrier waits, queue.Queue and SimpleQueue gets and puts, Thread.join,
    Future.result, multiprocessing's locks, pipes, joins and AsyncResult;
  - asyncio tasks, through a task factory: created, each step (running),
    what each awaits between steps (sleep, I/O, another task, a lock), done,
    cancelled or raised;
  - printed lines, per thread or task, instead of the process's stdout.
Wrappers cost nothing between the calls they wrap, which is why this agent
does not use sys.setprofile or sys.monitoring (a hook on every call).

What is not measured here: when a thread holds the GIL. simul infers a GIL
wait from the kernel (a thread blocked on a futex outside any wrapped call).
"""

import os
import struct
import sys
import threading
import time
import _thread

FIFO_ENV = "SIMUL_AGENT_FIFO"
SCRIPT_ENV = "SIMUL_AGENT_SCRIPT"

# Record types; simul's src/pyrec.h has the same numbers.
HELLO, THREAD, TASK, STATE, PRINT, END, NAME, EXIT = 1, 2, 3, 4, 5, 6, 7, 8
# States, mapped by simul onto its own.
RUN, IO, SLEEP, LOCK, JOIN, IDLE, READY, BLOCKED = 0, 1, 2, 3, 4, 5, 6, 7
# HELLO flags.
F_MAIN, F_FREE_THREADED, F_GIL_OFF = 1, 2, 4
# END states: how a task ended.
E_DONE, E_CANCELLED, E_RAISED = 0, 1, 2

TASK_LANE = 0x80000000
TEXT_MAX = 400

# Header: total length, type, state, pid, lane, arg, line, time (ns, CLOCK_MONOTONIC).
_HEAD = struct.Struct("<HBBIIiiQ")
_pack = _HEAD.pack
_now = time.monotonic_ns
_write = os.write
_native_id = threading.get_native_id

_fd = -1
_pid = 0
_script = None
_installed = False
_task_seq = 0


class _TL(threading.local):
    """Per thread: its lane (the native thread id), the asyncio task whose
    step it runs (0: none), and how deep it is in wrapped calls."""
    depth = 0
    cur = 0

    def __init__(self):
        self.lane = _native_id()


_tl = _TL()


def record(kind, lane, state=0, arg=0, line=0, text=""):
    """Write one record. The header is 28 bytes; the text follows."""
    if _fd < 0:
        return
    b = text.encode("utf-8", "replace") if text else b""
    if len(b) > TEXT_MAX:
        b = b[:TEXT_MAX]
    try:
        _write(_fd, _pack(28 + len(b), kind, state, _pid, lane & 0xFFFFFFFF, arg, line, _now()) + b)
    except BrokenPipeError:
        os._exit(70)  # simul has gone: nobody watches, stop as its child would


def _line():
    """Line of the script that made the call, 0 when none is on the stack."""
    f = sys._getframe(2)
    n = 0
    while f is not None and n < 48:
        if f.f_code.co_filename == _script:
            return f.f_lineno
        f = f.f_back
        n += 1
    return 0


# ---- wrapped blocking calls ----

def _enter(state, reason):
    tl = _tl
    tl.depth += 1
    if tl.depth > 1:
        return
    line = _line()
    cur = tl.cur
    if cur:
        # A blocking call inside a coroutine holds the loop's thread.
        record(STATE, cur, BLOCKED, 0, line, reason + " (holds the event loop)")
    record(STATE, tl.lane, state, 0, line, reason)


def _leave():
    tl = _tl
    tl.depth -= 1
    if tl.depth > 0:
        return
    cur = tl.cur
    record(STATE, tl.lane, RUN, 0, 0, "")
    if cur:
        record(STATE, cur, RUN, 0, 0, "")


def _blocking(fn, state, reason):
    def wrapper(*a, **k):
        _enter(state, reason)
        try:
            return fn(*a, **k)
        finally:
            _leave()
    wrapper.__wrapped__ = fn
    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    wrapper.__qualname__ = getattr(fn, "__qualname__", wrapper.__name__)
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    return wrapper


def _sleep_reason(fn):
    def sleep(secs):
        _enter(SLEEP, "time.sleep(%g)" % secs)
        try:
            return fn(secs)
        finally:
            _leave()
    sleep.__doc__ = fn.__doc__
    return sleep


class _Lock:
    """threading.Lock whose waits are told: an acquire that would block
    says so; one that gets the lock at once writes nothing."""
    __slots__ = ("_l", "__weakref__")
    _what = "Lock"

    def __init__(self, inner=None):
        self._l = inner if inner is not None else _thread.allocate_lock()

    def acquire(self, blocking=True, timeout=-1):
        if self._l.acquire(False):
            return True
        if not blocking:
            return False
        _enter(LOCK, self._what + ".acquire()")
        try:
            return self._l.acquire(True, timeout)
        finally:
            _leave()

    __enter__ = acquire

    def __exit__(self, *exc):
        self._l.release()

    def release(self):
        self._l.release()

    def locked(self):
        return self._l.locked()

    def _at_fork_reinit(self):
        self._l._at_fork_reinit()

    def __repr__(self):
        return repr(self._l)


class _RLock(_Lock):
    __slots__ = ()
    _what = "RLock"

    def __init__(self):
        _Lock.__init__(self, _orig["RLock"]())

    def locked(self):
        return self._l._is_owned()

    def _is_owned(self):
        return self._l._is_owned()

    def _release_save(self):
        return self._l._release_save()

    def _acquire_restore(self, state):
        self._l._acquire_restore(state)

    def _recursion_count(self):
        return self._l._recursion_count()


_orig = {}


def _patch(obj, name, make):
    fn = getattr(obj, name, None)
    if fn is None:
        return
    _orig[(obj, name)] = fn
    setattr(obj, name, make(fn))


def _install_threading():
    _orig["RLock"] = threading.RLock
    threading.Lock = _Lock
    threading.RLock = _RLock
    T = threading.Thread

    boot = getattr(T, "_bootstrap_inner", None)
    if boot is not None:
        def _bootstrap_inner(self):
            tl = _tl
            tl.lane = _native_id()
            tl.depth = 0
            tl.cur = 0
            record(THREAD, tl.lane, RUN, getattr(self, "_simul_parent", 0), 0, self.name)
            try:
                boot(self)
            finally:
                record(END, tl.lane)
        T._bootstrap_inner = _bootstrap_inner

    start = T.start

    def start_(self):
        self._simul_parent = _tl.lane
        # start() waits until the new thread runs, and it needs the GIL to
        _enter(JOIN, "Thread.start(): until %s runs" % self.name)
        try:
            start(self)
        finally:
            _leave()
    T.start = start_

    join = T.join

    def join_(self, timeout=None):
        if not self.is_alive():
            return join(self, timeout)
        _enter(JOIN, "join(%s)" % self.name)
        try:
            return join(self, timeout)
        finally:
            _leave()
    T.join = join_

    _patch(threading.Condition, "wait", lambda f: _blocking(f, LOCK, "Condition.wait()"))
    _patch(threading.Event, "wait", _event_wait)
    _patch(threading.Semaphore, "acquire", _sem_acquire)
    threading.Semaphore.__enter__ = threading.Semaphore.acquire
    _patch(threading.Barrier, "wait", lambda f: _blocking(f, LOCK, "Barrier.wait()"))


def _event_wait(f):
    def wait(self, timeout=None):
        if self.is_set():
            return True
        _enter(LOCK, "Event.wait()")
        try:
            return f(self, timeout)
        finally:
            _leave()
    return wait


def _sem_acquire(f):
    def acquire(self, blocking=True, timeout=None):
        if f(self, False):
            return True
        if not blocking:
            return False
        _enter(LOCK, "%s.acquire()" % type(self).__name__)
        try:
            return f(self, True, timeout)
        finally:
            _leave()
    return acquire


def _install_queue():
    import queue

    def q_get(f):
        def get(self, block=True, timeout=None):
            if not block:
                return f(self, False)
            try:
                return f(self, False)
            except queue.Empty:
                pass
            _enter(LOCK, "queue.get(): waiting for an item")
            try:
                return f(self, True, timeout)
            finally:
                _leave()
        return get
    _patch(queue.Queue, "get", q_get)
    def q_put(f):
        def put(self, item, block=True, timeout=None):
            if not block:
                return f(self, item, False)
            try:
                return f(self, item, False)
            except queue.Full:
                pass
            _enter(LOCK, "queue.put(): the queue is full")
            try:
                return f(self, item, True, timeout)
            finally:
                _leave()
        return put
    _patch(queue.Queue, "put", q_put)

    base = queue.SimpleQueue

    class SimpleQueue(base):
        __slots__ = ()

        def get(self, block=True, timeout=None):
            if not block:
                return base.get(self, False)
            try:
                return base.get(self, False)
            except queue.Empty:
                pass
            _enter(LOCK, "SimpleQueue.get(): waiting for an item")
            try:
                return base.get(self, True, timeout)
            finally:
                _leave()
    SimpleQueue.__module__ = "queue"
    queue.SimpleQueue = SimpleQueue


def _install_io():
    _patch(time, "sleep", _sleep_reason)
    import select
    _patch(select, "select", lambda f: _blocking(f, IO, "select()"))
    import selectors

    def sel(f, what):
        def select_(self, timeout=None):
            if timeout is not None and timeout <= 0:
                return f(self, timeout)
            ev = sys.modules.get("asyncio.events")
            if ev is not None and ev._get_running_loop() is not None:
                _enter(IDLE, "event loop: waiting for events (%s)" % what)
            else:
                _enter(IO, "%s.select()" % what)
            try:
                return f(self, timeout)
            finally:
                _leave()
        return select_
    for cls in ("SelectSelector", "PollSelector", "EpollSelector", "DevpollSelector", "KqueueSelector"):
        c = getattr(selectors, cls, None)
        if c is not None and "select" in c.__dict__:
            _patch(c, "select", lambda f, what=cls: sel(f, what))
    import socket
    S = socket.socket
    for name, reason in (("accept", "socket.accept()"), ("connect", "socket.connect()"),
                         ("recv", "socket.recv()"), ("recv_into", "socket.recv_into()"),
                         ("recvfrom", "socket.recvfrom()"), ("sendall", "socket.sendall()"),
                         ("send", "socket.send()")):
        base = getattr(socket.socket, name, None)
        if base is None:
            continue
        setattr(S, name, _sock_wrapper(base, reason))


def _sock_wrapper(fn, reason):
    def wrapper(self, *a, **k):
        # A non-blocking socket (asyncio's) never waits here: no records.
        if self.gettimeout() == 0.0:
            return fn(self, *a, **k)
        _enter(IO, reason)
        try:
            return fn(self, *a, **k)
        finally:
            _leave()
    wrapper.__name__ = getattr(fn, "__name__", "wrapper")
    return wrapper


def _hook_futures(fb):
    _patch(fb.Future, "result", lambda f: _future_wait(f, "Future.result()"))
    _patch(fb.Future, "exception", lambda f: _future_wait(f, "Future.exception()"))


def _future_wait(f, reason):
    def wrapper(self, timeout=None):
        if self.done():
            return f(self, timeout)
        _enter(JOIN, reason)
        try:
            return f(self, timeout)
        finally:
            _leave()
    return wrapper


# ---- multiprocessing ----

def _hook_mp_process(mpp):
    boot = mpp.BaseProcess._bootstrap

    def _bootstrap(self, *a, **k):
        record(NAME, _tl.lane, 0, os.getppid(), 0, self.name)
        code = boot(self, *a, **k)
        _flush_prints()
        record(EXIT, _tl.lane, 0, code if isinstance(code, int) else 1, 0, "")
        return code
    mpp.BaseProcess._bootstrap = _bootstrap

    def p_join(f):
        def join(self, timeout=None):
            _enter(JOIN, "join(%s)" % self.name)
            try:
                return f(self, timeout)
            finally:
                _leave()
        return join
    _patch(mpp.BaseProcess, "join", p_join)


def _hook_mp_synchronize(mps):
    make = mps.SemLock._make_methods

    def _make_methods(self):
        make(self)
        acq = self._semlock.acquire
        what = "%s.acquire()" % type(self).__name__

        def acquire(block=True, timeout=None):
            if acq(False):
                return True
            if not block:
                return False
            _enter(LOCK, what)
            try:
                return acq(True, timeout)
            finally:
                _leave()
        self.acquire = acquire
    mps.SemLock._make_methods = _make_methods
    mps.SemLock.__enter__ = lambda self: self.acquire()


def _hook_mp_connection(mpc):
    C = mpc.Connection
    # a send blocks while the pipe is full: the other end reads too slowly
    for name in ("recv", "recv_bytes", "recv_bytes_into", "send", "send_bytes"):
        _patch(C, name, lambda f: _conn_recv(f))
    _patch(mpc, "wait", lambda f: _blocking(f, IO, "connection.wait()"))


def _hook_mp_pool(mpool):
    _patch(mpool.ApplyResult, "get", _result_get)
    _patch(mpool.ApplyResult, "wait", _future_wait_w)


def _conn_recv(f):
    def recv(self, *a, **k):
        _enter(IO, "pipe: %s" % f.__name__)
        try:
            return f(self, *a, **k)
        finally:
            _leave()
    return recv


def _result_get(f):
    def get(self, timeout=None):
        if self.ready():
            return f(self, timeout)
        _enter(JOIN, "AsyncResult.get(): waiting for the pool's results")
        try:
            return f(self, timeout)
        finally:
            _leave()
    return get


def _future_wait_w(f):
    def wait(self, timeout=None):
        if self.ready():
            return f(self, timeout)
        _enter(JOIN, "AsyncResult.wait()")
        try:
            return f(self, timeout)
        finally:
            _leave()
    return wait


# ---- asyncio ----

def _await_state(r, coro):
    """What a task waits for after a step: (state, reason, line)."""
    names = []
    line = 0
    x = coro
    n = 0
    while x is not None and n < 32:
        fr = getattr(x, "cr_frame", None) or getattr(x, "gi_frame", None)
        if fr is not None and fr.f_code.co_filename == _script:
            line = fr.f_lineno
        q = getattr(x, "__qualname__", None)
        if q is not None and n > 0:
            names.append(q)
        nx = getattr(x, "cr_await", None)
        if nx is None:
            nx = getattr(x, "gi_yieldfrom", None)
        x = nx
        n += 1
    if r is None:
        return READY, "yielded to the loop (sleep(0))", line
    for q in names:
        if q == "sleep":
            return SLEEP, "asyncio.sleep()", line
    tname = type(r).__name__
    if tname == "_GatheringFuture":
        return JOIN, "gather(): waiting for its tasks", line
    if isinstance(r, _asyncio_Task):
        return JOIN, "await %s" % _task_names.get(id(r), r.get_name()), line
    for q in names:
        base = q.rsplit(".", 1)[-1]
        if base in ("wait", "wait_for", "_wait", "_wait_for_one", "to_thread", "shield") or \
                q.startswith("as_completed") or q == "TaskGroup.__aexit__":
            return JOIN, "asyncio.%s()" % (q.split(".")[0] if q.startswith("as_completed") else q), line
        head = q.split(".")[0]
        if head in ("Queue", "Event", "Lock", "Condition", "Semaphore", "BoundedSemaphore", "Barrier",
                    "PriorityQueue", "LifoQueue"):
            return LOCK, "asyncio.%s()" % q, line
    what = names[-1] if names else tname
    return IO, "await %s" % what, line


class _Coro:
    """A coroutine that tells each step of its task (wraps the real one)."""
    __slots__ = ("_c", "_lane", "_name", "_started")

    def __init__(self, coro, lane, name):
        self._c = coro
        self._lane = lane
        self._name = name
        self._started = False

    def _step(self, fn, arg):
        if _CancelledError is None:
            _asyncio_types()
        tl = _tl
        prev = tl.cur
        lane = self._lane
        tl.cur = lane
        record(STATE, lane, RUN, 0, 0, "step")
        try:
            r = fn(arg)
        except StopIteration:
            record(END, lane, E_DONE)
            raise
        except _CancelledError:
            record(END, lane, E_CANCELLED, 0, 0, "cancelled")
            raise
        except BaseException as e:
            record(END, lane, E_RAISED, 0, 0, "raised %s: %s" % (type(e).__name__, e))
            raise
        finally:
            tl.cur = prev
        st, reason, line = _await_state(r, self._c)
        record(STATE, lane, st, 0, line, reason)
        return r

    def send(self, v):
        return self._step(self._c.send, v)

    def throw(self, typ, val=None, tb=None):
        if val is None and tb is None:
            return self._step(self._c.throw, typ)
        return self._step(lambda _: self._c.throw(typ, val, tb), None)

    def close(self):
        return self._c.close()

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)

    def __getattr__(self, name):
        return getattr(self._c, name)


_asyncio_Task = None
_CancelledError = None
_task_names = {}


def _asyncio_types():
    global _asyncio_Task, _CancelledError
    import asyncio
    _asyncio_Task = asyncio.Task
    _CancelledError = asyncio.CancelledError


def _hook_asyncio(be):
    import collections.abc
    collections.abc.Coroutine.register(_Coro)

    def factory_for(user):
        def factory(loop, coro, **kw):
            global _task_seq
            _task_seq += 1
            lane = TASK_LANE | _task_seq
            name = kw.get("name")
            q = getattr(coro, "__qualname__", None) or type(coro).__name__
            if q.startswith("BaseEventLoop.shutdown_"):
                # asyncio.run's own housekeeping as it ends: no lane
                wrapped = coro
            else:
                wrapped = _Coro(coro, lane, q)
            if user is not None:
                task = user(loop, wrapped, **kw)
            else:
                if _asyncio_Task is None:
                    _asyncio_types()
                task = _asyncio_Task(wrapped, loop=loop, **kw)
            if wrapped is coro:
                return task
            label = "%s (%s)" % (q, name or task.get_name())
            _task_names[id(task)] = label
            task.add_done_callback(_task_gone)
            record(TASK, lane, READY, _tl.lane, _line(), label)
            record(STATE, lane, READY, 0, 0, "created: waiting for its first turn")
            return task
        return factory

    init = be.BaseEventLoop.__init__

    def __init__(self, *a, **k):
        init(self, *a, **k)
        be.BaseEventLoop.set_task_factory(self, None)
    be.BaseEventLoop.__init__ = __init__

    set_factory = be.BaseEventLoop.set_task_factory

    def set_task_factory(self, factory):
        set_factory(self, factory_for(factory))
        self._simul_user_factory = factory
    be.BaseEventLoop.set_task_factory = set_task_factory

    get_factory = be.BaseEventLoop.get_task_factory
    be.BaseEventLoop.get_task_factory = lambda self: getattr(self, "_simul_user_factory", None) \
        if get_factory(self) is not None else None


_HOOKS = {
    "asyncio.base_events": _hook_asyncio,
    "concurrent.futures._base": _hook_futures,
    "multiprocessing.process": _hook_mp_process,
    "multiprocessing.synchronize": _hook_mp_synchronize,
    "multiprocessing.connection": _hook_mp_connection,
    "multiprocessing.pool": _hook_mp_pool,
}


class _Loader:
    """A module's loader, then the agent's wrappers once it has run."""

    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            self._hook(module)
        except Exception as e:
            sys.__stderr__.write("simul agent: %s: %s\n" % (module.__name__, e))


class _PostImport:
    """Wraps asyncio, multiprocessing and concurrent.futures only if the
    program imports them: importing them all would slow every start."""

    def find_spec(self, name, path=None, target=None):
        hook = _HOOKS.pop(name, None)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, hook)
                return spec
        return None

    def invalidate_caches(self):
        pass


def _install_hooks():
    for name in list(_HOOKS):
        mod = sys.modules.get(name)
        if mod is not None:
            _HOOKS.pop(name)(mod)
    sys.meta_path.insert(0, _PostImport())


def _task_gone(task):
    _task_names.pop(id(task), None)


# ---- printed lines ----

class _Out:
    """sys.stdout / sys.stderr: each whole line becomes a record on the lane
    of the thread or task that printed it."""

    def __init__(self, real, err):
        self._real = real
        self._err = err
        self._part = {}
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        n = len(s)
        tl = _tl
        lane = tl.cur or tl.lane
        part = self._part.pop(lane, None)
        if part:
            s = part + s
        if "\n" in s:
            lines = s.split("\n")
            rest = lines.pop()
            line = _line()
            for ln in lines:
                record(PRINT, lane, self._err, 0, line, ln)
        else:
            rest = s
        if rest:
            self._part[lane] = rest
        return n

    def flush_all(self):
        for lane, part in list(self._part.items()):
            record(PRINT, lane, self._err, 0, 0, part)
        self._part.clear()

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def readable(self):
        return False

    def fileno(self):
        return self._real.fileno()

    def writelines(self, lines):
        for ln in lines:
            self.write(ln)

    @property
    def buffer(self):
        return self._real.buffer

    @property
    def closed(self):
        return False


def _flush_prints():
    for f in (sys.stdout, sys.stderr):
        if isinstance(f, _Out):
            f.flush_all()


# ---- the process ----

def _hello(main):
    flags = F_MAIN if main else 0
    gil = getattr(sys, "_is_gil_enabled", None)
    import sysconfig
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        flags |= F_FREE_THREADED
        if gil is not None and not gil():
            flags |= F_GIL_OFF
    v = "%d.%d.%d" % sys.version_info[:3]
    record(HELLO, _tl.lane, flags, os.getppid(), 0, "%s|%s|%s" % (v, sys.executable, sys.platform))


def _after_fork():
    global _pid
    _pid = os.getpid()
    _tl.lane = _native_id()
    _tl.depth = 0
    _tl.cur = 0
    for f in (sys.stdout, sys.stderr):
        if isinstance(f, _Out):
            f._part.clear()
    _hello(False)


def install(main=False):
    """Open the FIFO and wrap what is wrapped; idempotent. Returns whether
    the agent is on (it is off without SIMUL_AGENT_FIFO)."""
    global _fd, _pid, _script, _installed
    if _installed:
        return _fd >= 0
    _installed = True
    path = os.environ.get(FIFO_ENV)
    if not path:
        return False
    try:
        _fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        _fd = -1
        return False
    _pid = os.getpid()
    _script = os.environ.get(SCRIPT_ENV)
    _tl.lane = _native_id()
    _hello(main)
    _install_threading()
    _install_queue()
    _install_io()
    _install_hooks()
    sys.stdout = _Out(sys.stdout, 0)
    sys.stderr = _Out(sys.stderr, 1)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork)
    return True


def _exit_record(code, text=""):
    _flush_prints()
    record(EXIT, _tl.lane, 0, code, 0, text)


def main():
    """simul_run.py: run SCRIPT ARGS... as __main__ under the agent."""
    import runpy
    import traceback
    if len(sys.argv) < 2:
        sys.stderr.write("usage: simul_run.py SCRIPT [ARGS...]\n")
        sys.exit(2)
    script = os.path.abspath(sys.argv[1])
    sys.argv = [script] + sys.argv[2:]
    sys.path[0] = os.path.dirname(script)
    install(main=True)
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            sys.stderr.write("%s\n" % e.code)
    except BaseException as e:
        tb = traceback.extract_tb(e.__traceback__)
        where = ""
        for fr in reversed(tb):
            if fr.filename == script:
                where = " (line %d)" % fr.lineno
                break
        t = e.__traceback__
        while t is not None and t.tb_frame.f_code.co_filename != script:
            t = t.tb_next
        traceback.print_exception(type(e), e, t if t is not None else e.__traceback__)
        _exit_record(1, "%s: %s%s" % (type(e).__name__, e, where))
        sys.stdout.flush()
        code = 1
        _wait_threads()
        os._exit(1)
    _wait_threads()
    _exit_record(code)
    sys.exit(code)


def _wait_threads():
    """What the interpreter does at exit: wait for non-daemon threads."""
    alive = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if alive:
        _enter(JOIN, "exit: waiting for non-daemon threads")
        try:
            for t in alive:
                t.join()
        finally:
            _leave()
