"""One executor interface, several engines.

An executor takes an iterator of tasks and yields outcomes as they finish. It owns no state about
the run: the driver (processor.py) keeps the manifest, the checkpoint and the outputs, so a video's
fate is the same whichever engine ran it. Every engine runs the process function inside per-slot
sandbox processes (sandbox.py), so crashes, hangs and memory blow-ups look the same everywhere.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, Protocol

import cloudpickle

from .config import RunConfig
from .manifest import Task
from .sandbox import Sandbox
from .worker import JobSpec, Outcome

_DONE = object()


class Executor(Protocol):
    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Yield one outcome per task taken, in completion order."""

    def stop(self) -> None:
        """Take no new tasks; running ones finish."""

    def abort(self) -> None:
        """Kill running tasks now (their videos stay undone and run again on resume)."""

    def close(self) -> None:
        """Release workers and processes."""


class LocalExecutor:
    """N slot threads on this machine, each owning one sandbox process."""

    def __init__(self, job: JobSpec, cfg: RunConfig):
        self.job_bytes = cloudpickle.dumps(job)
        self.cfg = cfg
        self.threads = job.threads
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._sandboxes: list[Sandbox] = []

    def _slot(self, tasks: Iterator[Task], lock: threading.Lock, out: queue.Queue) -> None:
        sb = Sandbox(self.job_bytes, self.threads, self.cfg.timeout_s, self.cfg.max_memory_mb, self.cfg.recycle_every,
                     log_path=str(self.cfg.output_dir / "workers.log"))
        self._sandboxes.append(sb)
        try:
            while not self._stop.is_set():
                with lock:
                    task = next(tasks, None)
                if task is None:
                    break
                outcome = sb.run(task, self._abort)
                if outcome is None:  # aborted: not a failure of the video
                    break
                out.put(outcome)
        except BaseException as e:  # noqa: BLE001 - init errors and engine bugs surface in the driver
            out.put(e)
        finally:
            sb.close()
            out.put(_DONE)

    def run(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        it = iter(tasks)
        lock = threading.Lock()
        out: queue.Queue = queue.Queue()
        n = self.cfg.num_workers
        threads = [threading.Thread(target=self._slot, args=(it, lock, out), name=f"batchproc-slot-{i}", daemon=True)
                   for i in range(n)]
        for t in threads:
            t.start()
        finished = 0
        while finished < n:
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                self.stop()
                self.abort()
                raise item
            else:
                yield item
        for t in threads:
            t.join()

    def stop(self) -> None:
        self._stop.set()

    def abort(self) -> None:
        self._stop.set()
        self._abort.set()

    def close(self) -> None:
        self.abort()
        for sb in list(self._sandboxes):
            sb.kill()


def make_executor(job: JobSpec, cfg: RunConfig) -> Executor:
    if cfg.backend == "local":
        return LocalExecutor(job, cfg)
    if cfg.backend == "dask":
        from .executor_dask import DaskExecutor

        return DaskExecutor(job, cfg)
    if cfg.backend == "ray":
        from .executor_ray import RayExecutor

        return RayExecutor(job, cfg)
    raise ValueError(cfg.backend)
