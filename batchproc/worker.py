"""Runs one task inside a worker: open the loader, call the process function, time it, measure
memory, catch every error, and turn the result into something JSON and Parquet can hold.

This code runs in the sandbox process (see sandbox.py), never in the driver: whatever the process
function does, the driver only ever receives an ``Outcome``.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .atomic import atomic_write
from .config import DecordConfig
from .errors import BAD_RESULT, PROCESS_ERROR, SETUP_ERROR, VideoError
from .loader import VideoLoader
from .manifest import Task

INLINE_ARRAY_MAX = 256  # 1-D arrays up to this size stay inline as lists; larger ones go to artifacts/


@dataclass
class Outcome:
    """What the driver learns about one video. ``result`` is JSON-ready (arrays already saved)."""

    video_id: str
    video_path: str
    status: str  # "ok" | "failed"
    error_type: str | None = None
    error: str | None = None
    elapsed_s: float = 0.0
    peak_rss_mb: float | None = None
    attempts: int = 1
    result: dict[str, Any] | None = None
    decode_s: float = 0.0
    worker: str = ""
    finished_at: float = field(default_factory=time.time)

    @classmethod
    def failure(cls, task: Task, error_type: str, error: str, **kw: Any) -> "Outcome":
        return cls(task.video_id, task.video_path, "failed", error_type, error, **kw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class JobSpec:
    """Everything a sandbox needs to run tasks; shipped once per sandbox with cloudpickle."""

    fn: Callable[..., dict]
    fn_name: str
    params: dict[str, Any]
    decoder: DecordConfig
    output_dir: str
    threads: int = 1
    setup: Callable[[], Any] | None = None


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(video_id: str) -> str:
    """A file name for an id that can never leave its folder: no separators, no leading dots, no NUL;
    a short hash keeps ids that sanitise alike ('a/b', 'a_b') apart."""
    slug = _SAFE.sub("_", video_id).strip("._")[:80] or "video"
    digest = hashlib.sha1(video_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug}-{digest}"


class ResultEncoder:
    """Makes a process function's return value JSON-ready; large arrays become .npy artifacts."""

    def __init__(self, output_dir: str, video_id: str):
        self.root = Path(output_dir).resolve()
        self.rel_dir = Path("artifacts") / safe_name(video_id)

    def _save_array(self, key_path: str, arr: np.ndarray) -> str:
        name = _SAFE.sub("_", key_path).strip("._") or "array"
        rel = self.rel_dir / f"{name}.npy"
        target = (self.root / rel).resolve()
        if self.root not in target.parents:  # defence in depth; safe_name already guarantees this
            raise VideoError(BAD_RESULT, f"artifact path escapes the output folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                np.save(f, arr, allow_pickle=False)

        atomic_write(target, write, durable=False)
        return rel.as_posix()

    def encode(self, value: Any, key_path: str = "") -> Any:
        if isinstance(value, dict):
            return {str(k): self.encode(v, f"{key_path}.{k}" if key_path else str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.encode(v, f"{key_path}.{i}") for i, v in enumerate(value)]
        if isinstance(value, np.ndarray):
            if value.ndim <= 1 and value.size <= INLINE_ARRAY_MAX and value.dtype.kind in "biuf":
                return [self.encode(v) for v in value.tolist()]
            if value.dtype == object:
                raise VideoError(BAD_RESULT, f"result key {key_path!r} is an object array; return numbers or lists")
            return {"artifact": self._save_array(key_path, value), "shape": list(value.shape), "dtype": str(value.dtype)}
        if isinstance(value, np.generic):
            return self.encode(value.item(), key_path)
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, Path):
            return str(value)
        raise VideoError(BAD_RESULT, f"result key {key_path!r} has a value of type {type(value).__name__}, "
                                     "which cannot be stored as JSON (return dicts, lists, numbers, strings or numpy arrays)")


def _peak_rss_reset() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak-RSS counter so each video's peak is its own
    except OSError:
        pass


def peak_rss_mb() -> float | None:
    """This process's peak RSS since the last reset (Linux VmHWM), in MB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _describe(exc: BaseException) -> str:
    """One line for the user: the exception and where in *their* code it was raised."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = ""
    for fr in reversed(tb):
        if "/batchproc/" not in fr.filename.replace(os.sep, "/") or "/fns/" in fr.filename.replace(os.sep, "/"):
            where = f" (at {os.path.basename(fr.filename)}:{fr.lineno} in {fr.name})"
            break
    msg = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}{where}" if msg else f"{type(exc).__name__}{where}"


def run_task(job: JobSpec, task: Task, setup_error: str | None = None) -> Outcome:
    """Process one video; never raises for anything the video or the function does."""
    _peak_rss_reset()
    t0 = time.perf_counter()
    loader = VideoLoader(task.video_path, task.video_id, task.row, job.decoder, job.threads)
    try:
        if setup_error is not None:
            raise VideoError(SETUP_ERROR, setup_error)
        raw = job.fn(loader, **job.params)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise VideoError(BAD_RESULT, f"the process function returned {type(raw).__name__}; it must return a dict")
        result = ResultEncoder(job.output_dir, task.video_id).encode(raw)
        status, etype, err = "ok", None, None
    except VideoError as e:
        result, status, etype, err = None, "failed", e.error_type, str(e)
    except MemoryError:
        result, status, etype, err = None, "failed", "memory_limit", "MemoryError: the process function ran out of memory"
    except Exception as e:  # noqa: BLE001 - any error in user code fails this video only
        result, status, etype, err = None, "failed", PROCESS_ERROR, _describe(e)
    finally:
        loader.close()
    return Outcome(
        task.video_id, task.video_path, status, etype, err,
        elapsed_s=time.perf_counter() - t0, peak_rss_mb=peak_rss_mb(), result=result,
        decode_s=loader.decode_s, worker=f"pid{os.getpid()}",
    )
