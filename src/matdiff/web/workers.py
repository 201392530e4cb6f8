"""Worker processes with hard limits: each request's work runs in a child process whose
address space is capped, and which is killed (and replaced) when it runs past its
deadline, so that no request can take the server's memory or hold a worker forever.

The children are forked from a fork server that has imported the engine once, so a
replacement starts in milliseconds. Inside, the engine's own deadline (``expr.DEADLINE``)
stops work cooperatively first; the kill is the hard limit behind it.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import queue
from multiprocessing import forkserver
import time
from multiprocessing.connection import Connection
from typing import Any

from ..errors import LimitError, MatdiffError, TimeLimitError
from ..expr import DEADLINE

#: The memory a worker may add to what it holds when it starts (address space, bytes).
MEMORY = 1 << 30
#: Seconds a worker gets past its cooperative deadline before it is killed.
GRACE = 0.5
#: A worker whose resident memory has grown this much since its first answer (by which
#: time the engine's lazy imports are done) is replaced after its answer: freed arrays do
#: not always return to the system.
RECYCLE = 24 << 20
#: Seconds a new worker may take to start (before any deadline of a request counts).
START_SECONDS = 60.0


class Refused(Exception):
    """Bad input found by a worker: the MatdiffError's class name, message and column."""

    def __init__(self, kind: str, message: str, pos: int | None) -> None:
        super().__init__(message)
        self.kind, self.message, self.pos = kind, message, pos


def _status(field: str) -> int | None:
    """A size from /proc/self/status (``VmSize``, ``VmRSS``) in bytes; None off Linux."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration):
        return None


def _cap_memory(extra: int) -> None:
    """Limit this process's address space to its present size plus ``extra`` bytes."""
    size = _status("VmSize")
    try:
        import resource
    except ImportError:  # not a Unix: the deadline still holds
        return
    if size is not None:
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def _serve(conn: Connection, memory: int, recycle: int) -> None:
    """A worker's loop: receive (task, query, seconds), answer ("ok", result) or
    ("refused", kind, message, column); a defect is reported as ("defect", text). Each
    answer ends with whether the worker has grown past ``recycle`` bytes and should be
    replaced."""
    from .work import TASKS
    _cap_memory(memory)
    conn.send("ready")
    start: int | None = None
    while True:
        try:
            task, query, seconds = conn.recv()
        except EOFError:
            return
        DEADLINE.set(time.monotonic() + seconds)
        try:
            reply: tuple[Any, ...] = ("ok", TASKS[task](query))
        except MemoryError:
            reply = ("refused", "LimitError", "the work needs more memory than a request may use", None)
        except MatdiffError as e:
            reply = ("refused", type(e).__name__, str(e).splitlines()[0], e.pos)
        except Exception as e:  # noqa: BLE001 — a defect, reported as one
            reply = ("defect", f"{type(e).__name__}: {e}")
        rss = _status("VmRSS") or 0
        start = rss if start is None else start
        conn.send(reply + (rss - start > recycle,))


#: Workers compute with one BLAS thread each: they are many per core already, and a
#: BLAS's per-thread buffers would count against each worker's memory cap.
_ONE_THREAD = {v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


@functools.cache
def _context() -> Any:
    """The fork server's context, started (once) with single-threaded BLAS."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["matdiff.web.work"])
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return ctx


class Worker:
    """One child process and the pipe to it."""

    def __init__(self, memory: int, recycle: int) -> None:
        self.memory, self.recycle = memory, recycle
        self._start()

    def _start(self) -> None:
        self.conn, child = _context().Pipe()
        self.process = _context().Process(target=_serve, args=(child, self.memory, self.recycle), daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def restart(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()
        self._start()

    def call(self, task: str, query: dict[str, Any], seconds: float) -> Any:
        """The task's result; Refused for bad input; TimeLimitError past ``seconds`` (+ GRACE),
        the worker killed; LimitError if it died (its memory cap)."""
        if not self.ready:
            try:
                started = self.conn.poll(START_SECONDS) and self.conn.recv() == "ready"
            except (EOFError, OSError):
                started = False
            if not started:
                self.restart()
                raise RuntimeError("a worker process did not start")
            self.ready = True
        self.conn.send((task, query, seconds))
        if not self.conn.poll(seconds + GRACE):
            self.restart()
            raise TimeLimitError("the computation ran out of its time budget")
        try:
            reply = self.conn.recv()
        except (EOFError, OSError):
            self.restart()
            raise LimitError("the work was stopped: it needed more memory than a request may use") \
                from None
        *reply, grown = reply
        if grown:
            self.restart()
        if reply[0] == "refused":
            raise Refused(*reply[1:])
        if reply[0] == "defect":
            raise RuntimeError(reply[1])
        return reply[1]


class Pool:
    """``size`` workers; ``call`` takes an idle one (callers must be at most ``size`` at
    once: the server's lane limiters see to it)."""

    def __init__(self, size: int, memory: int = MEMORY, recycle: int = RECYCLE) -> None:
        self.idle: queue.Queue[Worker] = queue.Queue()
        for _ in range(size):
            self.idle.put(Worker(memory, recycle))
        self.calls = 0

    def call(self, task: str, query: dict[str, Any], seconds: float) -> Any:
        worker = self.idle.get()
        self.calls += 1
        try:
            return worker.call(task, query, seconds)
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        while not self.idle.empty():
            w = self.idle.get()
            w.process.kill()
            w.conn.close()

