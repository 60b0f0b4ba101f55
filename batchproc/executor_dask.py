"""The Dask engine: plain Dask futures (``client.submit`` + ``as_completed``), no joblib.

Without ``--address`` the run starts a ``LocalCluster`` (one single-threaded worker process per
``--workers``) and closes it at the end; with ``--address tcp://host:8786`` it connects to an existing
scheduler and leaves it running. The job is scattered to every worker once; each task runs one video
in its worker thread's sandbox (executor_remote.py), so a crashing or hanging video never takes a Dask
worker down and Dask never re-runs a video because of something the video did.

A worker lost mid-task (killed by the OOM killer, a lost node) is the one failure the sandbox cannot
hide from Dask. Clusters this executor starts set ``allowed-failures = 0``: the tasks the dead worker
held err at once with ``KilledWorker`` instead of being re-run by Dask on up to 4 workers. A worker
holds the task it runs and may hold the next ones queued behind it, which die with it through no fault
of their own, so batchproc (not Dask) runs a ``KilledWorker`` task once more; a second ``KilledWorker``
fails that video as ``worker_crashed``. An existing cluster keeps its own settings (Dask's default:
a task is tried on 4 workers before ``KilledWorker``, which then fails the video at once).
"""
from __future__ import annotations

import logging
import time
from typing import Any

from .errors import MEMORY_LIMIT, WORKER_CRASHED, ConfigError
from .executor_remote import (RESUBMIT, RETRY, EngineError, JobPayload, RemoteExecutor, cancel_run, describe,
                              missing_extra, release_run, run_on_slot)
from .manifest import Task
from .worker import Outcome

log = logging.getLogger("batchproc")

CONNECT_TIMEOUT_S = 30
WAIT_FOR_WORKERS_S = 600.0
SCATTER_TIMEOUT_S = 10
OWN_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.worker.profile.enabled": False,  # the statistical profiler costs CPU on every task
}
_LOGGERS = ("distributed", "tornado")


class DaskExecutor(RemoteExecutor):
    engine = "dask"

    def __init__(self, job, cfg):
        super().__init__(job, cfg)
        self._client = None
        self._cluster = None
        self._ac = None
        self._job_future = None
        self._log_levels: dict[str, int] = {}

    # -- lifecycle -----------------------------------------------------------------------------
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
                self._quiet_logs()
                try:
                    with dask.config.set(OWN_CLUSTER_CONFIG):
                        # ":0": the scheduler's HTTP endpoints (and dashboard, with bokeh) on a free port,
                        # so two runs on one machine never fight over 8787
                        self._cluster = LocalCluster(n_workers=self.cfg.num_workers, threads_per_worker=1,
                                                     processes=True, silence_logs=logging.CRITICAL,
                                                     dashboard_address=":0")
                except Exception as e:  # noqa: BLE001 - one clear line instead of a nanny traceback
                    raise ConfigError(
                        f"could not start a local Dask cluster ({describe(e)}); Dask starts its workers by importing the "
                        "main module again, so a Python script that runs with backend='dask' needs its code under "
                        "`if __name__ == '__main__':`") from None
                self._client = Client(self._cluster, set_as_default=False, direct_to_workers=True)
                log.debug("dask: local cluster %s, dashboard %s", self._cluster.scheduler_address,
                          self._cluster.dashboard_link)
            self._ac = as_completed(loop=self._client.loop, with_results=True, raise_errors=False)
        except BaseException:
            self._shutdown()
            raise

    def _quiet_logs(self) -> None:
        """The scheduler and nannies of a cluster we start live in this process: their INFO chatter and the
        tracebacks of a worker we lose would drown batchproc's own log (which reports the failed video)."""
        level = logging.WARNING if logging.getLogger().getEffectiveLevel() <= logging.DEBUG else logging.CRITICAL
        for name in _LOGGERS:
            lg = logging.getLogger(name)
            self._log_levels[name] = lg.level
            lg.setLevel(level)

    def _shutdown(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = self._ac = None
        try:
            if client is not None:
                if cluster is None and self._started:
                    # a shared cluster outlives the run: free this run's sandboxes (and their models) now
                    client.run(release_run, self.spec.run_id, self.spec.digest, on_error="ignore")
                client.close(timeout=10)
        finally:
            try:
                if cluster is not None:
                    cluster.close(timeout=10)
            finally:
                for name, level in self._log_levels.items():
                    logging.getLogger(name).setLevel(level)
                self._log_levels.clear()

    # -- tasks ---------------------------------------------------------------------------------
    def _slots(self) -> int:
        return sum(self._client.nthreads().values())

    def _put_job(self, payload: JobPayload) -> Any:
        """Scatter the job to every worker. Workers joining later (or restarted by their nanny) fetch it
        from a peer; if every copy is lost, the tasks that needed it come back cancelled and the job is
        scattered again. Scattering needs a worker: wait for one (a cluster scaling up or restarting)."""
        deadline = time.monotonic() + WAIT_FOR_WORKERS_S
        level = logging.WARNING
        while True:
            try:
                fut = self._client.scatter(payload, broadcast=True, hash=False, timeout=SCATTER_TIMEOUT_S)
                break
            except (TimeoutError, OSError) as e:
                if self._stop.is_set():
                    raise EngineError(f"stopped while waiting for a Dask worker to take the job ({describe(e)})") from None
                if time.monotonic() > deadline:
                    raise EngineError(f"the Dask cluster has had no worker to take the job for "
                                      f"{WAIT_FOR_WORKERS_S:.0f} s ({describe(e)})") from None
                log.log(level, "dask: waiting for a worker to take the job (%s)", describe(e))
                level = logging.DEBUG
                self._stop.wait(1.0)
        old, self._job_future = self._job_future, fut
        if old is not None:
            old.release()
        return fut

    def _submit(self, task: Task, job_ref: Any) -> Any:
        key = f"{self.key_prefix}-{self.spec.run_id[:8]}-{self._submitted}"
        fut = self._client.submit(run_on_slot, job_ref, task, key=key, pure=False, retries=0)
        self._ac.add(fut)
        return fut

    def _wait(self, handles: list, timeout: float) -> list[tuple[Any, bool, Any]]:
        # as_completed(with_results=True) fetches each result on the client's event loop, so a result that
        # must be computed again (its worker died before we fetched it) never blocks the loop here.
        ac = self._ac
        with ac.thread_condition:  # as_completed queues a result, then notifies under this condition
            if not ac.has_ready():
                ac.thread_condition.wait(timeout)
        out = []
        for f, res in ac.next_batch(block=False):
            if f.status == "finished":
                out.append((f, True, res))
            elif isinstance(res, BaseException):  # cancelled
                out.append((f, False, res))
            else:  # erred: (type, exception, traceback)
                out.append((f, False, res[1]))
        return out

    def _failure(self, task: Task, exc: BaseException) -> Outcome | object:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker):
            allowed = exc.args[2] if len(exc.args) > 2 and isinstance(exc.args[2], int) else None
            if allowed == 0 and self.attempts(task) < 2:
                # One worker death ends every task the worker held, including ones queued behind the video
                # that was running; batchproc runs each once more so only the culprit fails ("2 tries").
                return RETRY
            tries = f"{self.attempts(task)} tries" if allowed == 0 else f"{(allowed or 0) + 1} workers lost"
            return Outcome.failure(task, WORKER_CRASHED, f"the Dask worker running this video died (KilledWorker; {tries})")
        if isinstance(exc, MemoryError):
            return Outcome.failure(task, MEMORY_LIMIT, describe(exc))
        if "Cancelled" in type(exc).__name__:
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
