"""Shared fixtures: generated sample videos (made at test time by data_samples/generate.py) and
helpers to write manifests and run the CLI as a real subprocess."""
from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = Path(os.environ.get("BATCHPROC_SHARED_VIDEOS", ROOT.parent / "shared" / "videos"))
BATCHPROC = [sys.executable, "-m", "batchproc.cli"]


def load_generator():
    spec = importlib.util.spec_from_file_location("bp_generate", ROOT / "data_samples" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bp_generate"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def gen():
    return load_generator()


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0].keys())
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def run_cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    env = env or {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([*BATCHPROC, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def videos(tmp_path_factory, gen):
    """A few small real H.264 files with frame numbers drawn in, plus the broken inputs."""
    d = tmp_path_factory.mktemp("videos")
    out = {
        "a": gen.make_counter_video(d / "a.mp4", num_frames=60, fps=30, size=(160, 120), gop=30),
        "b": gen.make_counter_video(d / "b.mp4", num_frames=45, fps=15, size=(160, 120), gop=250),
        "spaces": gen.make_counter_video(d / "clip with spaces é ü 中.mp4", num_frames=30, fps=30, size=(160, 120), gop=30),
    }
    broken = gen.make_broken_files(d / "broken")
    return d, out, broken
