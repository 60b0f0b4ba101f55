"""The Ray engine: plain Ray tasks (``ray.remote`` + ``ray.wait``), no joblib.

Without ``--address`` (and without ``RAY_ADDRESS``) the run starts a local Ray instance with
``--workers`` CPUs and shuts it down at the end; with ``--address auto`` or ``ray://host:10001`` /
``host:6379`` it joins an existing cluster and only disconnects. If the calling program already
called ``ray.init``, that session is used and left alone.

Each task asks for one CPU, runs one video in its worker process's sandbox (executor_remote.py) and is
never retried by Ray (``max_retries=0``, ``retry_exceptions=False``): a video that crashes fails
inside the sandbox, and a Ray worker that dies mid-task (``WorkerCrashedError``) fails that video only.
The job is stored once with ``ray.put``.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from typing import Any

from .errors import MEMORY_LIMIT, WORKER_CRASHED, ConfigError
from .executor_remote import RESUBMIT, JobPayload, RemoteExecutor, describe, missing_extra, run_on_slot
from .manifest import Task
from .worker import Outcome

log = logging.getLogger("batchproc")


class RayExecutor(RemoteExecutor):
    engine = "ray"

    def __init__(self, job, cfg):
        super().__init__(job, cfg)
        self._ray = None
        self._remote = None
        self._initialized_here = False
        self._restore = None

    # -- lifecycle -----------------------------------------------------------------------------
    def _start(self) -> None:
        try:
            import ray
        except ImportError:
            raise missing_extra("ray") from None
        self._ray = ray
        if not ray.is_initialized():
            kw: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
            address = self.cfg.address or os.environ.get("RAY_ADDRESS") or None
            if address is None:
                kw["num_cpus"] = self.cfg.num_workers
            if address is not None:
                _probe(address)
            handlers = _signal_handlers()
            try:
                ray.init(address=address, **kw)
            except (ConnectionError, TimeoutError, ValueError, RuntimeError) as e:
                where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                hint = ""
                if address and not os.environ.get("RAY_AUTH_MODE"):
                    hint = ("; a cluster with token authentication needs RAY_AUTH_MODE=token and its token "
                            "(~/.ray/auth_token or RAY_AUTH_TOKEN)")
                raise ConfigError(f"cannot start or reach {where}: {describe(e)}{hint}") from None
            finally:
                # Ray's core worker installs its own SIGTERM handler (log and die); batchproc's
                # (stop dispatching, commit what finished, exit 143) must stay in charge.
                _restore_signal_handlers(handlers)
            self._initialized_here = True
        self._route_raylet_errors()
        self._remote = ray.remote(run_on_slot).options(num_cpus=1, max_retries=0, retry_exceptions=False,
                                                       name=self.key_prefix)

    def _route_raylet_errors(self) -> None:
        """Ray prints the raylet's error reports (e.g. "A worker died or was killed while executing a
        task") on the driver's stdout, which the CLI keeps for its summary. batchproc reports that video
        as worker_crashed itself, so the raylet's text goes to the log (run.log) instead."""
        try:
            from ray._private import worker as ray_worker
        except ImportError:
            return
        original = getattr(ray_worker, "print_to_stdstream", None)
        if original is None or getattr(original, "_batchproc", False):
            return

        def to_log(data, *args, **kwargs):
            if isinstance(data, dict) and data.get("pid") == "raylet":
                for line in data.get("lines", []):
                    log.debug("ray: %s", line)
                return None
            return original(data, *args, **kwargs)

        to_log._batchproc = True  # type: ignore[attr-defined]
        ray_worker.print_to_stdstream = to_log
        self._restore = lambda: setattr(ray_worker, "print_to_stdstream", original)

    def _shutdown(self) -> None:
        try:
            if self._initialized_here and self._ray is not None:
                self._initialized_here = False
                self._ray.shutdown()  # a local instance stops; on a cluster this only disconnects
        finally:
            restore, self._restore = self._restore, None
            if restore is not None:
                restore()

    # -- tasks ---------------------------------------------------------------------------------
    def _slots(self) -> int:
        return int(self._ray.cluster_resources().get("CPU", 0))

    def _put_job(self, payload: JobPayload) -> Any:
        return self._ray.put(payload)

    def _submit(self, task: Task, job_ref: Any) -> Any:
        return self._remote.remote(job_ref, task)

    def _wait(self, handles: list, timeout: float) -> list[tuple[Any, bool, Any]]:
        ray = self._ray
        ready, _ = ray.wait(handles, num_returns=1, timeout=timeout)
        if not ready:
            return []
        ready, _ = ray.wait(handles, num_returns=len(handles), timeout=0)  # everything else already done
        try:
            return [(r, True, v) for r, v in zip(ready, ray.get(ready))]
        except Exception:  # noqa: BLE001 - one failed: take them one by one
            pass
        out = []
        for r in ready:
            try:
                out.append((r, True, ray.get(r)))
            except Exception as e:  # noqa: BLE001
                out.append((r, False, e))
        return out

    def _failure(self, task: Task, exc: BaseException) -> Outcome | object:
        ex = self._ray.exceptions
        if isinstance(exc, ex.OutOfMemoryError):
            return Outcome.failure(task, MEMORY_LIMIT, "Ray's memory monitor killed the worker running this video "
                                   "(OutOfMemoryError)")
        if isinstance(exc, (ex.WorkerCrashedError, ex.NodeDiedError, ex.LocalRayletDiedError)):
            return Outcome.failure(task, WORKER_CRASHED, f"the Ray worker running this video died ({type(exc).__name__})")
        if isinstance(exc, ex.TaskCancelledError):
            return RESUBMIT  # cancelled by someone else than this run: it never finished
        return Outcome.failure(task, WORKER_CRASHED, f"the Ray task failed: {describe(exc)}")

    def _cancel(self, handles: list) -> None:
        for r in handles:
            try:
                self._ray.cancel(r, force=True)  # kills the worker process; its sandbox dies with it
            except Exception as e:  # noqa: BLE001
                log.debug("ray: cancelling: %s", describe(e))


def _signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}


def _restore_signal_handlers(handlers: dict) -> None:
    for s, h in handlers.items():
        if h is not None:
            signal.signal(s, h)


def _probe(address: str, timeout_s: float = 10.0) -> None:
    """``ray.init`` retries an unreachable ``host:port`` for minutes, printing C++ warnings; one TCP
    connect tells the operator at once. (``auto`` is left to Ray, which fails fast when it finds none.)"""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as e:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {describe(e)}") from None
