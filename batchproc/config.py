"""Configuration records: decoder settings, run settings, and TOML loading."""
from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from .errors import ConfigError

DECODER_NAMES = ("pyav", "decord", "opencv")


@dataclass
class DecordConfig:
    """How videos are decoded. The name is kept from the reference API.

    ``backend`` picks the decoder order: ``auto`` tries PyAV (fastest measured sequential
    decode and exact keyframe seeking), then decord, then OpenCV; a decoder that cannot open a
    file hands over to the next.

    ``num_threads`` is the thread budget of one worker (0 = cores / workers, see
    ``threads_per_worker``): it becomes PyAV's ``thread_count``, decord's ``num_threads`` and
    OpenCV's ``CAP_PROP_N_THREADS``, caps OpenCV/BLAS/OpenMP pools in the worker process, and is
    ``VideoLoader.threads`` for process functions that start their own pools (MediaPipe).

    ``device='gpu'`` decodes on GPU ``device_id`` where a GPU decoder works (PyAV through FFmpeg's
    CUDA hwaccel, or decord built with CUDA); where none does, decoding falls back to the CPU and
    a warning says so once per process. Nothing requires a GPU.
    """

    device: str = "cpu"
    device_id: int = 0
    backend: str = "auto"
    num_threads: int = 0

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "gpu", "cuda"):
            raise ConfigError(f"DecordConfig.device must be 'cpu' or 'gpu', got {self.device!r}")
        if self.backend != "auto" and self.backend not in DECODER_NAMES:
            raise ConfigError(
                f"DecordConfig.backend must be 'auto' or one of {', '.join(DECODER_NAMES)}, got {self.backend!r}"
            )

    def decoder_order(self) -> list[str]:
        if self.backend == "auto":
            return list(DECODER_NAMES)
        return [self.backend] + [n for n in DECODER_NAMES if n != self.backend]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class RunConfig:
    """Everything about one run that is not the manifest or the function."""

    output_dir: Path = Path("outputs")
    checkpoint_path: Path | None = None
    video_col: str = "video_path"
    id_col: str = "video_id"
    num_workers: int = 0
    save_interval: int = 100
    save_every_s: float = 30.0
    timeout_s: float | None = None
    max_memory_mb: float | None = None
    recycle_every: int = 1000
    retry_failed: bool = False
    limit: int | None = None
    resume_anyway: bool = False
    restart: bool = False
    backend: str = "local"
    address: str | None = None
    show_progress: bool = True
    grace_s: float = 5.0

    def __post_init__(self) -> None:
        self.output_dir = Path(self.output_dir)
        if self.checkpoint_path is None:
            self.checkpoint_path = self.output_dir / "checkpoint.json"
        self.checkpoint_path = Path(self.checkpoint_path)
        if self.num_workers <= 0:
            self.num_workers = max(1, os.cpu_count() or 1)
        if self.save_interval < 1:
            raise ConfigError("save_interval must be at least 1")
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise ConfigError("timeout must be a positive number of seconds")
        if self.max_memory_mb is not None and self.max_memory_mb <= 0:
            raise ConfigError("max memory must be a positive number of MB")
        if self.limit is not None and self.limit < 0:
            raise ConfigError("limit must not be negative")
        if self.backend not in ("local", "dask", "ray"):
            raise ConfigError(f"backend must be local, dask or ray, got {self.backend!r}")


def load_toml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a config file; ``[run]`` holds run options, ``[params]`` the function's parameters."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {p} is not valid TOML: {e}") from None
    unknown = set(data) - {"run", "params", "decoder"}
    if unknown:
        raise ConfigError(f"config file {p}: unknown section(s) {sorted(unknown)}; expected [run], [params], [decoder]")
    return data


def threads_per_worker(num_workers: int, requested: int = 0) -> int:
    """Thread budget for one worker: the cores shared out so workers x threads <= cores.

    Why: every decoder and native pool defaults to one thread per core; with N workers that is
    N x cores threads fighting for the cores. With ``--workers`` equal to the core count each
    worker decodes on one thread. An explicit ``requested`` (``DecordConfig.num_threads``) wins.
    """
    if requested > 0:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, num_workers))
