"""Human-facing summaries: run status, run report, one-video analysis."""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .checkpoint import Checkpoint, RunLock
from .config import DecordConfig, threads_per_worker
from .errors import BatchprocError
from .fns.registry import resolve
from .manifest import Task
from .worker import JobSpec, run_task


def _checkpoint_path(path: Path) -> Path:
    return path / "checkpoint.json" if path.is_dir() else path


def run_status(path: Path) -> dict[str, Any]:
    """What a checkpoint says, plus whether a live process holds its lock."""
    cp = _checkpoint_path(Path(path))
    state = Checkpoint(cp).load()
    if state is None:
        raise BatchprocError(f"no checkpoint at {cp}")
    live = RunLock(cp).is_held()
    done = state.ok + state.failed
    total = state.total_videos
    elapsed = state.updated_at - state.run_started_at
    status = "running" if live else ("stopped (killed or crashed; run again to resume)" if state.status == "running" else state.status)
    lines = [
        f"checkpoint: {cp}",
        f"status:     {status}",
        f"function:   {state.fingerprint.get('function')}  params: {json.dumps(state.fingerprint.get('params'))}",
        f"progress:   {done}/{total} done ({100.0 * done / total if total else 100:.1f}%): {state.ok} ok, {state.failed} failed",
        f"parts:      {state.parts_committed} committed; runs: {state.runs}",
        f"updated:    {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(state.updated_at))} "
        f"({time.time() - state.updated_at:.0f} s ago)",
    ]
    if live and elapsed > 0 and done:
        lines.append(f"this run:   {elapsed:.0f} s so far")
    if state.recent_failures:
        lines.append("recent failures:")
        lines += [f"  {f['video_id']}: {f['error_type']}: {f['error']}" for f in state.recent_failures[-5:]]
    return {"checkpoint": str(cp), "status": status, "live": live, "total": total, "done": done, "ok": state.ok,
            "failed": state.failed, "parts_committed": state.parts_committed, "text": "\n".join(lines)}


def run_report(output_dir: Path) -> str:
    stats_path = Path(output_dir) / "processing_stats.json"
    try:
        stats = json.loads(stats_path.read_text())
    except FileNotFoundError:
        raise BatchprocError(f"no processing_stats.json in {output_dir}: not a finished batchproc output folder") from None
    lines = [
        f"run in {output_dir}: function {stats.get('function')}, backend {stats.get('backend')}, {stats.get('num_workers')} workers",
        f"videos: {stats['total_videos']} total; this run {stats['processed']} ok, {stats['failed']} failed, "
        f"{stats['skipped']} skipped; dataset {stats['total_ok']} ok, {stats['total_failed']} failed, {stats['remaining']} remaining",
        f"time: {stats['total_time']:.1f} s, {stats['videos_per_s']:.2f} videos/s, {stats['avg_time_per_video']:.3f} s per video in workers",
    ]
    if stats.get("timings"):
        lines.append("stages: " + ", ".join(f"{k} {v:.2f}" for k, v in stats["timings"].items()))
    if stats.get("errors_by_type"):
        lines.append("failures by type: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["errors_by_type"].items())))
        for e in stats.get("errors", [])[:20]:
            lines.append(f"  {e['video_id']}: {e['error_type']}: {e['error']}")
    return "\n".join(lines)


def analyze_one(video: Path, fn_name: str, params: dict[str, Any], output_dir: Path | None,
                decoder: DecordConfig) -> dict[str, Any]:
    """One video through the same worker code as a batch run, in this process."""
    spec = resolve(fn_name)
    out = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="batchproc-analyze-"))
    out.mkdir(parents=True, exist_ok=True)
    if spec.setup is not None:
        spec.setup()
    job = JobSpec(spec.fn, spec.name, params, decoder, str(out.resolve()), threads=threads_per_worker(1))
    outcome = run_task(job, Task(Path(video).stem, str(video))).to_dict()
    if output_dir is None and not any(out.iterdir()):
        out.rmdir()  # nothing was saved: leave no empty temp folder behind
    return outcome


def format_result(fn_name: str, outcome: dict[str, Any]) -> str:
    """A readable rendering of one result; functions may provide their own ``format_report``."""
    spec = resolve(fn_name)
    fmt = getattr(spec.fn, "format_report", None)
    if fmt is not None:
        return fmt(outcome["result"])
    lines = [f"{outcome['video_id']}: {outcome['status']} in {outcome['elapsed_s']:.2f} s"]
    for k, v in (outcome["result"] or {}).items():
        text = json.dumps(v, ensure_ascii=False)
        lines.append(f"  {k}: {text if len(text) < 100 else text[:97] + '...'}")
    return "\n".join(lines)
