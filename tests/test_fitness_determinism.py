"""The fitness pose stage is reproducible: same file + same parameters -> bit-identical landmarks.

Whatever the number of pose lanes, the number of batch workers, the machine's load or the relative
speed of the decode and pose threads, ``extract_poses`` must sample the same frames and return the
same ``times``, ``indices``, ``poses`` and ``world`` (the adaptive frame rate is decided from poses
already computed, in frame order; the chunk grid depends on the duration and ``chunk_s`` only).
Run on real clips from ../shared/videos (skipped, with the reason, where they are absent), read in
place, never copied.
"""
from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BATCHPROC_SHARED_VIDEOS") or ROOT.parent / "shared" / "videos")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SHARED / "manifest.csv").exists(),
                       reason=f"real clips not available: {SHARED}/manifest.csv not found "
                              "(set BATCHPROC_SHARED_VIDEOS to the folder with manifest.csv and clips/)"),
]

POSE_KEYS = ("times", "indices", "poses", "world")
# everything extract_poses returns that must not move either (``timings`` and ``lanes`` may)
STABLE_KEYS = POSE_KEYS + ("detected", "cut_times", "cut_diffs", "rates", "duration", "total_frames", "aspect",
                           "decode_path", "fallback_reason", "tracker_resets")
# (clip, chunk_s small enough that two lanes really share the clip)
CLIPS = [("pushup_03", 20.0),  # 55 s, 30 reps with rests in between: the adaptive rate moves
         ("jumpingjack_03", 2.0)]  # 5 s, two people side by side


def clip_path(video_id: str) -> Path:
    p = SHARED / "clips" / f"{video_id}.mp4"
    if not p.exists():
        pytest.skip(f"clip {p} not found")
    return p


def extract(path: Path, **kw) -> dict:
    from batchproc.fns.fitness import extract_poses
    from batchproc.loader import VideoLoader

    with VideoLoader(str(path), path.stem, threads=max(1, kw.get("lanes", 1))) as loader:
        return extract_poses(loader, **kw)


def assert_same(a: dict, b: dict, what: str, keys=STABLE_KEYS) -> None:
    for k in keys:
        va, vb = a[k], b[k]
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and va.shape == vb.shape, (what, k, va.shape, vb.shape)
            # bit-identical, NaN where pose found nobody included
            assert va.tobytes() == vb.tobytes(), (what, k)
        else:
            assert va == vb, (what, k, va, vb)


class CpuLoad:
    """Other processes keeping every core busy (killed by pid on exit)."""

    def __enter__(self):
        n = max(2, os.cpu_count() or 1)
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait(timeout=10)


@pytest.fixture(scope="module")
def reference() -> dict:
    """Per clip, the landmarks from one lane (chunked as in the lanes test), computed once."""
    return {vid: extract(clip_path(vid), lanes=1, chunk_s=chunk) for vid, chunk in CLIPS}


@pytest.mark.parametrize("video_id,chunk_s", CLIPS)
def test_lanes_do_not_change_the_result(reference, video_id, chunk_s):
    ref = reference[video_id]
    assert ref["decode_path"] == "pyav" and len(ref["times"]) > 20
    two = extract(clip_path(video_id), lanes=2, chunk_s=chunk_s)
    assert two["lanes"] == 2 and ref["lanes"] == 1  # the chunks really ran in two lanes
    assert_same(ref, two, f"{video_id}: lanes=1 vs lanes=2")


@pytest.mark.parametrize("video_id,chunk_s", CLIPS)
def test_same_result_under_cpu_load(reference, video_id, chunk_s):
    """Twice while other processes load every core: identical to the run on a quieter machine."""
    ref = reference[video_id]
    with CpuLoad():
        runs = [extract(clip_path(video_id), lanes=1, chunk_s=chunk_s) for _ in range(2)]
    for i, r in enumerate(runs):
        assert_same(ref, r, f"{video_id}: under load, run {i}")


def test_same_result_whatever_the_thread_timing(reference, monkeypatch):
    """Random delays in the pose thread and in the decode thread (the decode thread running far
    ahead, or barely keeping up) change nothing: the frames sampled never depend on timing."""
    from batchproc.fns.fitness import frames as F
    from batchproc.fns.fitness import pose as P

    rnd = random.Random(1234)
    orig_process, orig_thumb = P.PoseModel.process, F._luma_thumb

    def slow_process(self, img):
        time.sleep(rnd.random() * 0.02)
        return orig_process(self, img)

    def slow_thumb(frame):
        time.sleep(rnd.random() * 0.004)
        return orig_thumb(frame)

    monkeypatch.setattr(P.PoseModel, "process", slow_process)
    monkeypatch.setattr(F, "_luma_thumb", slow_thumb)
    video_id, chunk_s = CLIPS[0]
    r = extract(clip_path(video_id), lanes=2, chunk_s=chunk_s)
    assert len(reference[video_id]["rates"]) > 2  # the adaptive rate did move in this clip
    assert_same(reference[video_id], r, f"{video_id}: with random thread delays")


def test_chunk_grid_ignores_lanes(reference):
    """The default grid (60 s chunks) is the same for one lane or two: a clip under 60 s is one chunk."""
    video_id = CLIPS[0][0]
    one = extract(clip_path(video_id), lanes=1)
    two = extract(clip_path(video_id), lanes=2)
    assert one["lanes"] == two["lanes"] == 1  # one chunk: nothing to share, whatever was asked
    assert_same(one, two, f"{video_id}: default chunks, lanes=1 vs lanes=2")


# -- through the real batch engine ---------------------------------------------------------------

ENGINE_CLIPS = ["pushup_03", "jumpingjack_01", "squat_06", "session_02"]
# fields that measure the run rather than the video
VOLATILE = {"processing_time", "timings", "realtime_factor", "peak_memory_mb", "pose_lanes", "elapsed_s"}


def _strip(value, path=""):
    if isinstance(value, dict):
        return {k: _strip(v, f"{path}.{k}") for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v, path) for v in value]
    return value


def _engine_run(tmp: Path, workers: int, params: dict) -> dict[str, tuple[dict, dict]]:
    from batchproc import BatchVideoProcessor

    tmp.mkdir(parents=True, exist_ok=True)
    csv_path = tmp / "videos.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["video_id", "video_path"])
        for vid in ENGINE_CLIPS:
            w.writerow([vid, str(clip_path(vid).resolve())])
    out = tmp / f"out{workers}"
    res = BatchVideoProcessor(num_workers=workers, show_progress=False, timeout_s=600).process_dataset(
        csv_path, process_fn="fitness", output_dir=out, params=params)
    got = {}
    for rec in res["results"]:
        assert rec["status"] == "ok", (rec["video_id"], rec["error_type"], rec["error"])
        r = rec["result"]
        r = json.loads(r) if isinstance(r, str) else r
        # large arrays are .npy artifacts, small 1-D ones stay inline (compared with the JSON)
        arrays = {k: np.load(out / r[k]["artifact"]) for k in ("poses", "pose_times", "pose_frame_indices")
                  if isinstance(r[k], dict)}
        assert "poses" in arrays
        got[rec["video_id"]] = (r, arrays)
    assert set(got) == set(ENGINE_CLIPS)
    return got


@pytest.mark.parametrize("chunk_s", [None, 12.0], ids=["default-chunks", "12s-chunks"])
def test_engine_one_worker_vs_two(tmp_path, chunk_s):
    """num_workers=1 (2 pose lanes per video on 2 cores) vs num_workers=2 (1 lane each): the same
    result JSON for every clip, timing fields aside, and the same landmark arrays."""
    params = {} if chunk_s is None else {"chunk_s": chunk_s}
    one = _engine_run(tmp_path / "w1", 1, params)
    two = _engine_run(tmp_path / "w2", 2, params)
    for vid in ENGINE_CLIPS:
        (r1, a1), (r2, a2) = one[vid], two[vid]
        assert _strip(r1) == _strip(r2), vid
        for k in a1:
            assert a1[k].tobytes() == a2[k].tobytes(), (vid, k)
    if chunk_s is not None and (os.cpu_count() or 1) >= 2:
        # the chunks really ran two at a time with one worker, one at a time with two
        assert one["pushup_03"][0]["video_stats"]["pose_lanes"] == 2
        assert two["pushup_03"][0]["video_stats"]["pose_lanes"] == 1
