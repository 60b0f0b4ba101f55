"""BatchVideoProcessor: wires manifest, checkpoint, executor and sink into one resumable run."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__
from .checkpoint import Checkpoint, CheckpointState, Fingerprint, RunLock
from .config import DecordConfig, RunConfig, threads_per_worker
from .errors import ConfigError
from .executor import make_executor
from .fns.registry import FnSpec, resolve
from .manifest import Manifest, Task
from .results import ResultsView
from .sink import ResultSink
from .stats import ProcessingStats
from .worker import JobSpec

log = logging.getLogger("batchproc")
MAX_FAILURES_ON_STDERR = 20


class _StopSignals:
    """SIGINT/SIGTERM: the first stops dispatch and lets running videos finish for ``grace_s``;
    after that (or on a second signal) running videos are abandoned and rerun on resume."""

    def __init__(self, on_stop: Callable[[], None], on_abort: Callable[[], None], grace_s: float):
        self.on_stop, self.on_abort, self.grace_s = on_stop, on_abort, grace_s
        self.signum: int | None = None
        self._old: dict[int, Any] = {}
        self._timer: threading.Timer | None = None

    def _handle(self, signum, _frame) -> None:
        if self.signum is not None:
            self.on_abort()
            return
        self.signum = signum
        log.warning("received %s: no new videos; committing what finishes within %.0f s", signal.Signals(signum).name, self.grace_s)
        self.on_stop()
        self._timer = threading.Timer(self.grace_s, self.on_abort)
        self._timer.daemon = True
        self._timer.start()

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)
        if self._timer:
            self._timer.cancel()


class BatchVideoProcessor:
    """Process a CSV manifest of videos with a process function, resumably.

    ``config`` is the decoder configuration; the remaining keyword arguments are ``RunConfig``
    fields (``timeout_s``, ``max_memory_mb``, ``retry_failed``, ``backend``, ...) that can also be
    given per call to ``process_dataset``.
    """

    def __init__(self, config: DecordConfig | None = None, num_workers: int = 0,
                 checkpoint_path: str | os.PathLike | None = None, **run_options: Any):
        self.config = config or DecordConfig()
        self.num_workers = num_workers
        self.checkpoint_path = checkpoint_path
        self.run_options = run_options

    def process_dataset(self, csv_path: str | os.PathLike, video_col: str = "video_path",
                        process_fn: str | Callable[..., dict] = "keyframes", id_col: str = "video_id",
                        output_dir: str | os.PathLike = "outputs", save_interval: int = 100,
                        params: dict[str, Any] | None = None, dry_run: bool = False,
                        **run_options: Any) -> dict[str, Any]:
        """Run (or resume) the whole manifest. Returns ``{"stats", "results", "output_dir", "interrupted"}``
        (with ``dry_run``, only ``{"plan"}``: what would run, touching nothing)."""
        opts = {**self.run_options, **run_options}
        cfg = RunConfig(output_dir=Path(output_dir), checkpoint_path=self.checkpoint_path, video_col=video_col,
                        id_col=id_col, num_workers=self.num_workers, save_interval=save_interval, **opts)
        manifest = Manifest.load(csv_path, video_col, id_col)
        spec = resolve(process_fn)
        params = dict(params or {})
        fp = Fingerprint(manifest.content_hash, spec.name, params, video_col, id_col, __version__)
        if dry_run:
            return self._run(cfg, manifest, spec, params, fp, dry_run=True)
        cfg.output_dir.mkdir(parents=True, exist_ok=True)
        with RunLock(cfg.checkpoint_path):
            handler = _attach_run_log(cfg.output_dir)
            try:
                return self._run(cfg, manifest, spec, params, fp)
            finally:
                log.removeHandler(handler)
                handler.close()

    # ------------------------------------------------------------------------------------------
    def _run(self, cfg: RunConfig, manifest: Manifest, spec: FnSpec, params: dict[str, Any],
             fp: Fingerprint, dry_run: bool = False) -> dict[str, Any]:
        ckpt = Checkpoint(cfg.checkpoint_path)
        if cfg.restart and not dry_run:
            _clear_outputs(cfg.output_dir, ckpt)
        state = ckpt.load()
        if state is None:
            state = CheckpointState(fingerprint=_asdict(fp), fingerprint_digest=fp.digest(), output_dir=str(cfg.output_dir))
        else:
            ckpt.verify(state, fp, cfg.resume_anyway)
        sink = ResultSink(cfg.output_dir, ckpt, state, cfg.save_interval, cfg.save_every_s)
        if dry_run:
            sink.load_status()
        else:
            removed = sink.recover()
            if removed:
                log.info("removed %d uncommitted part(s) left by an interrupted run; their videos run again", removed)
        total, todo = 0, 0
        for t in self._considered(manifest, cfg):
            total += 1
            todo += not sink.is_done(t.video_id, cfg.retry_failed)
        if dry_run:
            return {"plan": {"total_videos": total, "to_do": todo, "already_done": total - todo,
                             "function": spec.name, "params": params, "workers": cfg.num_workers,
                             "backend": cfg.backend, "checkpoint": str(cfg.checkpoint_path)}}
        state.runs += 1
        state.status = "running"
        state.run_started_at = time.time()
        state.total_videos = total
        sink.commit(wait=True)  # the checkpoint exists (status "running") before any work starts

        stats = ProcessingStats(total_videos=total, skipped=total - todo, function=spec.name,
                                backend=cfg.backend, num_workers=cfg.num_workers)
        log.info("run %s: %d videos, %d to do, %d already done; function %s, %d workers (%s)",
                 cfg.output_dir, total, todo, total - todo, spec.name, cfg.num_workers, cfg.backend)
        job = JobSpec(spec.fn, spec.name, params, self.config, str(cfg.output_dir.resolve()),
                      threads_per_worker(cfg.num_workers, self.config.num_threads), spec.setup)
        executor = make_executor(job, cfg)
        plan: Iterator[Task] = (t for t in self._considered(manifest, cfg) if not sink.is_done(t.video_id, cfg.retry_failed))
        signals = _StopSignals(executor.stop, executor.abort, cfg.grace_s)
        progress = _progress(todo, cfg.show_progress)
        t0 = time.perf_counter()
        completed = False
        try:
            with signals:
                for outcome in _config_errors_as_batchproc(executor.run(plan)):
                    sink.add(outcome)
                    stats.record(outcome.status, outcome.elapsed_s, outcome.decode_s, outcome.peak_rss_mb)
                    if outcome.status != "ok":
                        # the first failures on stderr too; all of them in run.log
                        level = logging.WARNING if stats.failed <= MAX_FAILURES_ON_STDERR else logging.DEBUG
                        log.log(level, "failed %s: %s: %s", outcome.video_id, outcome.error_type, outcome.error)
                        progress.set_postfix_str(f"{stats.failed} failed", refresh=False)
                    progress.update(1)
            completed = True
        finally:
            # Whatever happened, what finished is committed and the outputs are written.
            executor.close()
            progress.close()
            stats.total_time = time.perf_counter() - t0
            stats.videos_per_s = (stats.processed + stats.failed) / stats.total_time if stats.total_time > 0 else 0.0
            stats.interrupted = signals.signum is not None or not completed
            stats.remaining = todo - stats.processed - stats.failed
            state.status = "interrupted" if stats.interrupted else "finished"
            t_fin = time.perf_counter()
            try:
                sink.finalize(stats)
            finally:
                sink.close()
            _run_finalize_hook(spec, cfg.output_dir)
            stats.timings["finalize_s"] = time.perf_counter() - t_fin
            if sink.commit_seconds:
                stats.timings["commit_s"] = sum(sink.commit_seconds)
        if stats.failed > MAX_FAILURES_ON_STDERR:
            log.warning("... %d more failures: see %s", stats.failed - MAX_FAILURES_ON_STDERR, cfg.output_dir / "run.log")
        log.info(stats.summary_line())
        return {"stats": stats.to_dict(), "results": ResultsView(cfg.output_dir / "results.parquet"),
                "output_dir": str(cfg.output_dir), "interrupted": stats.interrupted, "signal": signals.signum}

    @staticmethod
    def _considered(manifest: Manifest, cfg: RunConfig) -> Iterator[Task]:
        for t in manifest.tasks():
            if cfg.limit is not None and t.index >= cfg.limit:
                return
            yield t


def _config_errors_as_batchproc(outcomes: Iterator) -> Iterator:
    """A process function no worker can load stops the run with exit 2 (what finished is kept)."""
    from .sandbox import SandboxInitError

    try:
        yield from outcomes
    except SandboxInitError as e:
        raise ConfigError(str(e)) from None


def _run_finalize_hook(spec: FnSpec, output_dir: Path) -> None:
    """A function may build run-level tables from all its results (fitness: segments and poses)."""
    hook = getattr(spec.fn, "finalize", None)
    if hook is None:
        return
    try:
        hook(output_dir, ResultsView(output_dir / "results.parquet"))
    except Exception as e:  # noqa: BLE001 - the per-video outputs are already safe; report and go on
        log.error("%s: writing the run-level tables failed: %s: %s", spec.name, type(e).__name__, e)


def _asdict(fp: Fingerprint) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(fp)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="video", dynamic_ncols=True, file=sys.stderr, disable=not enabled,
                mininterval=0.5, smoothing=0.1)


def _attach_run_log(output_dir: Path) -> logging.Handler:
    handler = logging.FileHandler(output_dir / "run.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    return handler


def _clear_outputs(output_dir: Path, ckpt: Checkpoint) -> None:
    """--restart: forget everything this output folder holds from earlier runs."""
    for name in ("results.parquet", "processing_results.json", "processing_stats.json", "segments.parquet", "poses.parquet"):
        (output_dir / name).unlink(missing_ok=True)
    for d in ("parts", "artifacts"):
        shutil.rmtree(output_dir / d, ignore_errors=True)
    ckpt.path.unlink(missing_ok=True)
