"""The Dask engine: plain Dask futures (``client.submit`` + ``as_completed``), no joblib.

Without ``--address`` the run starts a ``LocalCluster`` (one single-threaded worker process per
``--workers``) and closes it at the end; with ``--address tcp://host:8786`` it connects to an existing
scheduler and leaves it running. The job is scattered to every worker once; each task runs one video
in its worker thread's sandbox (executor_remote.py), so a crashing or hanging video never takes a Dask
worker down and Dask's retries never re-run a video behind batchproc's back.

Clusters this executor starts are configured so a worker lost mid-task fails that task only:
``allowed-failures = 0`` (the task errs with ``KilledWorker`` at the first worker death instead of being
re-run on up to 4 workers) and ``worker-saturation = 1.0`` (a worker only holds the task it runs; the
rest of the bounded in-flight window waits on the scheduler, where a worker death cannot touch it).
An existing cluster keeps its own settings (default: a task is tried on 4 workers before it fails).
"""
from __future__ import annotations

import logging
from typing import Any

from .errors import MEMORY_LIMIT, WORKER_CRASHED, ConfigError
from .executor_remote import (RESUBMIT, JobPayload, RemoteExecutor, describe, missing_extra, release_run,
                              run_on_slot, cancel_run)
from .manifest import Task
from .worker import Outcome

log = logging.getLogger("batchproc")

CONNECT_TIMEOUT_S = 30
import os
OWN_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.worker-saturation": float(os.environ.get("SAT", "1.0")),
    "distributed.worker.profile.enabled": os.environ.get("PROF", "1") == "1",
}


class DaskExecutor(RemoteExecutor):
    engine = "dask"
    IN_FLIGHT_PER_SLOT = int(os.environ.get("INF", "2"))

    def __init__(self, job, cfg):
        super().__init__(job, cfg)
        self._client = None
        self._cluster = None
        self._ac = None
        self._job_future = None

    def _start(self) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise missing_extra("dask") from None
        try:
            if self.cfg.address:
                try:
                    self._client = Client(self.cfg.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
                except (OSError, TimeoutError) as e:
                    raise ConfigError(f"cannot connect to the Dask scheduler at {self.cfg.address}: {describe(e)}") from None
            else:
                with dask.config.set(OWN_CLUSTER_CONFIG):
                    self._cluster = LocalCluster(n_workers=self.cfg.num_workers, threads_per_worker=1, processes=True,
                                                 silence_logs=logging.CRITICAL, dashboard_address=None)
                    self._client = Client(self._cluster, set_as_default=False, direct_to_workers=os.environ.get("DIRECT", "0") == "1")
            self._ac = as_completed(loop=self._client.loop, with_results=os.environ.get("BATCHG", "0") == "0", raise_errors=False)
        except BaseException:
            self._shutdown()
            raise

    def _slots(self) -> int:
        return sum(self._client.nthreads().values())

    def _put_job(self, payload: JobPayload) -> Any:
        old, self._job_future = self._job_future, self._client.scatter(payload, broadcast=True, hash=False)
        if old is not None:
            old.release()
        return self._job_future

    def _submit(self, task: Task, job_ref: Any) -> Any:
        fut = self._client.submit(run_on_slot, job_ref, task, key=f"{self.key_prefix}-{self.spec.run_id[:8]}-{self._submitted}",
                                  pure=False, retries=0)
        self._ac.add(fut)
        return fut

    def _wait(self, handles: list, timeout: float) -> list[tuple[Any, bool, Any]]:
        ac = self._ac
        with ac.thread_condition:  # as_completed notifies under this condition after queueing a result
            if not ac.has_ready():
                ac.thread_condition.wait(timeout)
        out = []
        batch = ac.next_batch(block=False)
        if not ac.with_results:
            fin = [f for f in batch if f.status == "finished"]
            vals = dict(zip(fin, self._client.gather(fin, errors="skip"))) if fin else {}
            for f in batch:
                if f in vals:
                    out.append((f, True, vals[f]))
                elif f.status == "cancelled":
                    out.append((f, False, Exception("cancelled")))
                else:
                    out.append((f, False, f.exception()))
            return out
        for fut, res in batch:
            if fut.status == "finished":
                out.append((fut, True, res))
            elif isinstance(res, BaseException):  # cancelled
                out.append((fut, False, res))
            else:  # error: (type, exception, traceback)
                out.append((fut, False, res[1]))
        return out

    def _failure(self, task: Task, exc: BaseException) -> Outcome | object:
        from distributed import KilledWorker

        try:
            from distributed.client import FutureCancelledError as Cancelled
        except ImportError:  # older distributed
            from asyncio import CancelledError as Cancelled
        if isinstance(exc, KilledWorker):
            allowed = exc.args[2] if len(exc.args) > 2 else 0
            return Outcome.failure(task, WORKER_CRASHED, f"the Dask worker running this video died (KilledWorker; "
                                   f"{int(allowed) + 1} worker(s) lost while running it)")
        if isinstance(exc, MemoryError):
            return Outcome.failure(task, MEMORY_LIMIT, describe(exc))
        if isinstance(exc, Cancelled) or type(exc).__name__ in ("CancelledError", "FutureCancelledError"):
            return RESUBMIT  # the scheduler dropped it (e.g. its input was lost); it never finished
        return Outcome.failure(task, WORKER_CRASHED, f"the Dask task failed: {describe(exc)}")

    def _cancel(self, handles: list) -> None:
        if self._client is None:
            return
        try:
            self._client.cancel(handles, force=True)
            if self._cluster is None:  # a shared cluster: stop this run's videos that are running now
                self._client.run(cancel_run, self.spec.run_id, on_error="ignore")
        except Exception as e:  # noqa: BLE001
            log.debug("dask: cancelling: %s", describe(e))

    def _shutdown(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None:
                if cluster is None and self._started:
                    # a shared cluster outlives the run: free this run's sandboxes (and its models) now
                    client.run(release_run, self.spec.run_id, self.spec.digest, on_error="ignore")
                client.close(timeout=10)
        finally:
            if cluster is not None:
                cluster.close(timeout=10)
