"""What the cluster engines (Dask, Ray) share: the worker-side slot pool and the driver's loop.

Worker side. A remote task is ``run_on_slot(payload, task)``. Each worker thread (a Dask worker
thread, a Ray worker process's task thread) keeps one long-lived ``Sandbox`` per job, keyed by the
digest of the job's cloudpickle bytes: the process function is unpickled and its setup hook (model
loading) runs once per worker slot, not once per video. The sandbox does what it does for the local
pool: a segfault, ``os._exit``, a hang or a memory blow-up fails that video with its error type, and
the engine never sees a crash, so Dask's and Ray's own retry habits never come into play. The task
returns an ``Outcome`` for anything a video does; it returns ``InitFailure`` when the job cannot even
be loaded (the driver stops the run with exit 2), and ``None`` when the run was cancelled.

Driver side. ``RemoteExecutor.run`` keeps a bounded number of tasks in flight (a few per worker
slot, so a million-row manifest never sits in the scheduler), yields outcomes as they finish, and
maps the engine's own failures (a worker process killed mid-task) to per-video outcomes. The driver
keeps the manifest, checkpoint and outputs exactly as with the local pool. Engines implement the
small set of ``_hooks`` below; everything else is here.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import sys
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import cloudpickle

from .config import RunConfig
from .errors import WORKER_CRASHED, BatchprocError, ConfigError
from .manifest import Task
from .sandbox import Sandbox, SandboxInitError
from .worker import JobSpec, Outcome

log = logging.getLogger("batchproc")

# ------------------------------------------------------------------------------------------------
# Worker side
# ------------------------------------------------------------------------------------------------

MAX_JOBS_PER_THREAD = 2  # sandboxes of other runs a worker thread keeps warm (two runs sharing a cluster)
IDLE_CLOSE_S = float(os.environ.get("BATCHPROC_SLOT_IDLE_S", "600"))  # an unused sandbox is closed after this
REAP_EVERY_S = 30.0


@dataclass(frozen=True)
class SlotSpec:
    """How a worker slot runs the job's tasks; shipped once per run together with the job bytes."""

    run_id: str
    digest: str
    threads: int
    timeout_s: float | None
    max_memory_mb: float | None
    recycle_every: int
    driver_path: tuple[str, ...] = ()
    output_dir: str = ""
    driver_host: str = ""


class JobPayload:
    """The job as the engine stores it once per run (Dask: scattered to every worker; Ray: ray.put).
    A plain object, not a tuple, so that Dask scatters it as one piece of data."""

    def __init__(self, spec: SlotSpec, job_bytes: bytes):
        self.spec = spec
        self.job_bytes = job_bytes


@dataclass
class InitFailure:
    """The job cannot be loaded on a worker: no video can succeed there."""

    message: str


class _Slot:
    def __init__(self, sandbox: Sandbox, owner: int):
        self.sandbox = sandbox
        self.owner = owner
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.closed = False  # set (under ``lock``) when the slot leaves the registry


_lock = threading.Lock()
_slots: "OrderedDict[tuple[int, str], _Slot]" = OrderedDict()  # (thread ident, job digest) -> slot
_cancelled: "OrderedDict[str, threading.Event]" = OrderedDict()  # run id -> set when the driver aborts
_reaper: threading.Thread | None = None
_SAFE_HOST = re.compile(r"[^A-Za-z0-9._-]+")


def _cancel_event(run_id: str) -> threading.Event:
    with _lock:
        ev = _cancelled.get(run_id)
        if ev is None:
            ev = _cancelled[run_id] = threading.Event()
            while len(_cancelled) > 256:
                _cancelled.popitem(last=False)
        return ev


def _extend_path(driver_path: Iterable[str]) -> None:
    """Make the driver's import path reachable on this worker (appended, so the worker's own packages
    win): the sandbox inherits it, so functions from the driver's scripts and test modules unpickle
    there when the folder exists on this machine (always on a local cluster; on shared storage remotely)."""
    missing = [p for p in driver_path if p and p not in sys.path and os.path.isdir(p)]
    if missing:
        with _lock:
            sys.path.extend(p for p in missing if p not in sys.path)


def _slot_for(payload: JobPayload) -> _Slot:
    spec = payload.spec
    me = threading.get_ident()
    key = (me, spec.digest)
    evicted: list[_Slot] = []
    with _lock:
        slot = _slots.get(key)
        if slot is None:
            mine = [k for k in _slots if k[0] == me]
            while len(mine) >= MAX_JOBS_PER_THREAD:
                evicted.append(_slots.pop(mine.pop(0)))
            slot = _slots[key] = _Slot(Sandbox(payload.job_bytes, spec.threads, spec.timeout_s, spec.max_memory_mb,
                                               spec.recycle_every, log_path=_worker_log(spec)), me)
        _slots.move_to_end(key)
        _ensure_reaper()
    for old in evicted:  # owned by this thread, so not running anything now
        old.closed = True
        old.sandbox.close()
    return slot


def _worker_log(spec: SlotSpec) -> str | None:
    """Where a sandbox's stdout/stderr go: ``output_dir/workers.log`` as on the local pool, one file per
    host when the worker is on another node (appends from several hosts to one file on shared storage
    interleave badly), and the worker's own stderr when this node does not see ``output_dir``."""
    if not spec.output_dir or not os.path.isdir(spec.output_dir):
        return None
    host = socket.gethostname()
    name = "workers.log" if host == spec.driver_host else f"workers-{_SAFE_HOST.sub('_', host)}.log"
    return os.path.join(spec.output_dir, name)


def _ensure_reaper() -> None:
    global _reaper
    if _reaper is None or not _reaper.is_alive():
        _reaper = threading.Thread(target=_reap_forever, name="batchproc-slot-reaper", daemon=True)
        _reaper.start()


def _reap_forever() -> None:
    while True:
        time.sleep(REAP_EVERY_S)
        reap(IDLE_CLOSE_S)


def reap(idle_s: float, digest: str | None = None) -> int:
    """Close sandboxes that are idle for ``idle_s`` (or whose thread is gone), optionally only those
    of one job. A long-lived cluster worker does not hold a finished run's models forever."""
    alive = {t.ident for t in threading.enumerate()}
    now = time.monotonic()
    closing: list[_Slot] = []
    with _lock:
        for key, slot in list(_slots.items()):
            if digest is not None and key[1] != digest:
                continue
            if slot.owner in alive and now - slot.last_used < idle_s:
                continue
            if slot.lock.acquire(blocking=False):  # never a sandbox that is running a video
                slot.closed = True
                closing.append(slot)
                del _slots[key]
    for slot in closing:
        try:
            slot.sandbox.close()
        finally:
            slot.lock.release()
    return len(closing)


def cancel_run(run_id: str) -> None:
    """Driver abort: running sandboxes of this run kill their video and return None."""
    _cancel_event(run_id).set()


def release_run(run_id: str, digest: str) -> int:
    """The run is over: cancel what is left of it and close this worker's idle sandboxes of its job."""
    cancel_run(run_id)
    return reap(0.0, digest)


def run_on_slot(payload: JobPayload, task: Task) -> Outcome | InitFailure | None:
    """The remote task: run one video in this worker thread's sandbox. Never raises for a video."""
    spec = payload.spec
    _extend_path(spec.driver_path)
    cancelled = _cancel_event(spec.run_id)
    if cancelled.is_set():
        return None
    while True:
        slot = _slot_for(payload)
        with slot.lock:
            if slot.closed:  # reaped between the lookup and the lock: take a fresh one
                continue
            return _run_in(slot, spec, task, cancelled)


def _run_in(slot: _Slot, spec: SlotSpec, task: Task, cancelled: threading.Event) -> Outcome | InitFailure | None:
    sb = slot.sandbox
    sb.timeout_s, sb.max_memory_mb, sb.recycle_every = spec.timeout_s, spec.max_memory_mb, max(1, spec.recycle_every)
    try:
        return sb.run(task, cancelled)
    except SandboxInitError as e:
        return InitFailure(str(e))
    except Exception as e:  # noqa: BLE001 - e.g. no more processes or file descriptors on this worker
        sb.kill()
        return Outcome.failure(task, WORKER_CRASHED, f"the worker could not run this video: {type(e).__name__}: {e}")
    finally:
        slot.last_used = time.monotonic()


# ------------------------------------------------------------------------------------------------
# Driver side
# ------------------------------------------------------------------------------------------------

RESUBMIT = object()  # engine verdict: the task was dropped before it could finish; submit it again
# Engine verdict: the worker process died under the task. Whoever killed it, every task the worker held
# died with it, so each runs once more. Those second tries go one at a time: a video that kills its
# worker again then takes no innocent task queued behind it on that worker a second time.
RETRY = object()
POLL_S = 0.2


class EngineError(BatchprocError):
    """The cluster itself failed (scheduler gone, no workers for minutes): the run stops with exit 2;
    what finished is committed and the same command resumes."""


def missing_extra(engine: str) -> ConfigError:
    return ConfigError(f"the {engine} backend needs the {engine} extra: pip install 'batchproc[{engine}]'")


def import_error_on_workers(exc: BaseException) -> ConfigError | None:
    """An import error from the engine itself (e.g. batchproc not installed on a worker) would fail
    every video the same way: stop the run instead."""
    if isinstance(exc, ImportError):
        return ConfigError(f"a cluster worker cannot import what the run needs ({type(exc).__name__}: {exc}); "
                           "install batchproc (and the function's module) in the workers' environment")
    return None


class RemoteExecutor:
    """The driver's loop for an engine with native futures. Subclasses provide the hooks."""

    engine = "remote"
    IN_FLIGHT_PER_SLOT = 4  # tasks in flight per worker slot: enough to hide the round trip, few enough to stream
    REFRESH_SLOTS_S = 30.0

    def __init__(self, job: JobSpec, cfg: RunConfig):
        self.cfg = cfg
        self.job_bytes = cloudpickle.dumps(job)
        self.fn_name = job.fn_name
        self.spec = SlotSpec(
            run_id=uuid.uuid4().hex,
            digest=hashlib.sha256(self.job_bytes).hexdigest()[:20],
            threads=job.threads,
            timeout_s=cfg.timeout_s,
            max_memory_mb=cfg.max_memory_mb,
            recycle_every=cfg.recycle_every,
            driver_path=tuple(p for p in sys.path if p),
            output_dir=job.output_dir,
            driver_host=socket.gethostname(),
        )
        self.key_prefix = "batchproc-" + (re.sub(r"[^A-Za-z0-9_]+", "_", job.fn_name).strip("_") or "fn")
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._started = False
        self._closed = False
        self.start_s = 0.0
        self._submitted = 0
        self._resubmits = 0
        self._inflight: dict[Any, Task] = {}
        self._attempts: dict[str, int] = {}  # tries in this run, only for videos being tried again

    # -- engine hooks ------------------------------------------------------------------------
    def _start(self) -> None:
        """Import the engine (``missing_extra`` if absent), connect or start a cluster."""
        raise NotImplementedError

    def _slots(self) -> int:
        """Worker slots the cluster has now (threads for Dask, CPUs for Ray)."""
        raise NotImplementedError

    def _put_job(self, payload: JobPayload) -> Any:
        """Store the job once on the cluster; returns the reference tasks take as argument."""
        raise NotImplementedError

    def _submit(self, task: Task, job_ref: Any) -> Any:
        raise NotImplementedError

    def _wait(self, handles: list, timeout: float) -> list[tuple[Any, bool, Any]]:
        """Wait up to ``timeout`` for handles to finish: ``(handle, ok, result_or_exception)`` each."""
        raise NotImplementedError

    def _failure(self, task: Task, exc: BaseException) -> Outcome | object:
        """An engine error for one task: an Outcome, RESUBMIT or RETRY; raise for errors about the whole run."""
        raise NotImplementedError

    def _cancel(self, handles: list) -> None:
        raise NotImplementedError

    def _shutdown(self) -> None:
        """Release the run's state on the cluster; stop what this executor started."""
        raise NotImplementedError

    # -- the loop -----------------------------------------------------------------------------
    def in_flight_limit(self, slots: int) -> int:
        return max(2, self.IN_FLIGHT_PER_SLOT * max(1, slots))

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        try:
            yield from self._run(tasks)
        except (BatchprocError, SandboxInitError):
            raise
        except Exception as e:  # noqa: BLE001 - the cluster failed under us: one clear line, traceback in run.log
            log.debug("%s: the engine failed", self.engine, exc_info=True)
            raise EngineError(f"the {self.engine} cluster failed: {describe(e)}; what finished is committed: "
                              "run the same command to resume") from None

    def _run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        t0 = time.perf_counter()
        self._start()
        self._started = True
        slots = self._slots()
        self.start_s = time.perf_counter() - t0
        log.info("%s: %d worker slot(s) (started in %.1f s)", self.engine, slots, self.start_s,
                 extra={"engine_start_s": self.start_s})
        if slots == 0:
            log.warning("%s: the cluster has no workers yet; tasks wait until some join", self.engine)
        limit = self.in_flight_limit(slots)
        refreshed = time.monotonic()
        job_ref = self._put_job(JobPayload(self.spec, self.job_bytes))
        it = iter(tasks)
        resubmit: deque[Task] = deque()  # dropped by the engine before they ran: again, at once
        retry: deque[Task] = deque()  # their worker died under them: again, one at a time (see RETRY)
        retrying = None  # the handle of the one retry in flight
        inflight: dict[Any, Task] = self._inflight
        exhausted = False
        try:
            while True:
                while not self._stop.is_set() and len(inflight) < limit:
                    is_retry = False
                    if resubmit:
                        task = resubmit.popleft()
                    elif retry and retrying is None:
                        task, is_retry = retry.popleft(), True
                    elif not exhausted:
                        task = next(it, None)
                        if task is None:
                            exhausted = True
                            continue
                    else:
                        break
                    handle = self._submit(task, job_ref)
                    inflight[handle] = task
                    self._submitted += 1
                    if is_retry:
                        retrying = handle
                if not inflight or self._abort.is_set():
                    break
                lost = False
                for handle, ok, value in self._wait(list(inflight), POLL_S):
                    task = inflight.pop(handle)
                    if handle is retrying:
                        retrying = None
                    if self._abort.is_set():
                        if ok and isinstance(value, Outcome):
                            yield value  # finished before the abort: as good as any
                        continue
                    outcome = self._outcome(task, ok, value)
                    if outcome is RETRY:
                        self._attempts[task.video_id] = self.attempts(task) + 1
                        retry.append(task)
                    elif outcome is RESUBMIT:
                        lost = True
                        resubmit.append(task)
                    elif outcome is not None:
                        self._attempts.pop(task.video_id, None)
                        yield outcome
                if lost:
                    job_ref = self._put_job(JobPayload(self.spec, self.job_bytes))  # the job itself may be lost
                if time.monotonic() - refreshed > self.REFRESH_SLOTS_S:  # clusters grow and shrink
                    refreshed = time.monotonic()
                    limit = self.in_flight_limit(self._slots())
        finally:
            if inflight:  # aborted, an error, or the consumer went away: nothing left may run on
                self._abort.set()
                handles = list(inflight)
                inflight.clear()
                self._cancel(handles)

    def attempts(self, task: Task) -> int:
        return self._attempts.get(task.video_id, 1)

    def _outcome(self, task: Task, ok: bool, value: Any) -> Outcome | object | None:
        if ok:
            if isinstance(value, Outcome):
                return value
            if isinstance(value, InitFailure):
                raise SandboxInitError(value.message)
            if value is None:  # cancelled on the worker; only an abort does that
                return None
            return Outcome.failure(task, WORKER_CRASHED, f"the {self.engine} task returned {type(value).__name__}")
        err = import_error_on_workers(value)
        if err is not None:
            raise err
        out = self._failure(task, value)
        if out is RESUBMIT:
            self._resubmits += 1
            if self._resubmits > 100 + self._submitted // 10:
                return Outcome.failure(task, WORKER_CRASHED, f"the {self.engine} cluster kept losing tasks: "
                                       f"{type(value).__name__}: {value}")
        return out

    def stop(self) -> None:
        self._stop.set()

    def abort(self) -> None:
        self._stop.set()
        self._abort.set()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        try:
            if self._inflight:
                self._abort.set()
                handles = list(self._inflight)
                self._inflight.clear()
                self._cancel(handles)
            if self._started:
                self._shutdown()
        except Exception as e:  # noqa: BLE001 - outputs are already safe; a cluster hiccup at the end is not an error
            log.debug("%s: shutting down: %s: %s", self.engine, type(e).__name__, e)


def describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
