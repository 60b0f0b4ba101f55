"""Built-in ``fitness``: a workout video in, a session summary out.

Pose (MediaPipe, 33 landmarks) on frames sampled at an analysis rate chosen from the movement's own
period -> view-normalised embedding -> class-agnostic repetition detection and counting -> naming by
the learned classifier -> segments -> fatigue -> summary. Every stage after pose is a pure function
over arrays (``analysis.analyze_poses``).

Speed: pose costs ~25 ms a frame on one core and is the bottleneck; so pose sees only the frames it
needs (``min_fps`` while the body moves slowly or rests, up to ``max_fps`` during fast movements such
as jumping jacks: ``cycle_samples`` samples per cycle), the decoder skips the frames nobody references
and converts only the sampled ones, and decoding overlaps pose in a background thread.

Both cores: in a batch, one worker per core, one video each (one model per worker). A video is cut
into chunks of ``chunk_s`` seconds (60 by default; the grid depends on the video's duration and
``chunk_s`` only), and a worker that has cores to spare runs ``lanes`` of them at once: threads with a
model each (MediaPipe runs its graph outside the GIL; measured here, 2 threads on 2 cores give ~1.6x
the frames of one). Each chunk after the first starts ``WARMUP_S`` early so tracking and the rate
controller are settled when its own frames begin (the warm-up frames are dropped). ``lanes=0``
(default) uses the worker's thread budget, so workers x lanes = cores.

Reproducible: the same file with the same parameters gives bit-identical landmarks whatever the
number of workers or lanes, the load or the timing. Every chunk is analysed on its own from a reset
model, and within a chunk the frames sampled depend only on the poses already computed, in frame
order (see ``frames.RateFeedback``), never on how far the decode thread has run ahead.
"""
from __future__ import annotations

import logging
import math
import os
import queue
import threading
import time
from typing import Any

import numpy as np

from ...loader import VideoLoader
from ...resources import setup_hook
from ...worker import peak_rss_mb
from .analysis import analyze_poses, detect_cuts
from .classifier import ExerciseModel, load_model
from .pose import average_visibility, check_complexity, get_model, main_subject_mask
from .summary import build_result, format_report
from .tables import write_fitness_tables

log = logging.getLogger("batchproc.fitness")

__all__ = ["analyze_fitness", "analyze_poses", "extract_poses", "summarize", "format_report", "write_fitness_tables"]


def _setup() -> None:
    """Load (and warm) the pose model once per worker, so a broken install fails fast."""
    model = get_model(0)
    model.process(np.zeros((64, 64, 3), np.uint8))
    model.reset()


WARMUP_S = 3.0


class _Lane:
    """One pose lane: a model and the chunks (time ranges) it analysed."""

    def __init__(self, lane: int, model):
        self.lane = lane
        self.model = model
        self.parts: list[dict[str, np.ndarray]] = []
        self.cut_times: list[float] = []
        self.cut_diffs: list[float] = []
        self.rates: list[tuple[float, float]] = []
        self.decode_s = 0.0
        self.pose_s = 0.0


def _run_chunk(lane: _Lane, path: str, info, t0: float, t1: float, p: dict[str, Any], aspect: float) -> None:
    """Decode (background thread) and pose (this thread) one time range of the video.

    A pure function of the file, the range and ``p``: the model starts from a reset, and the decode
    thread learns the adaptive rate only through a ``RateFeedback`` (decisions from the poses of the
    frames up to ``lag_s`` before, in order), so thread timing never changes what is sampled."""
    from . import frames as F

    # a chunk after the first starts WARMUP_S early: the tracker locks on and the rate controller
    # learns the movement before the chunk's own frames (the warm-up frames are dropped)
    w0 = max(0.0, t0 - WARMUP_S) if t0 > 0 else 0.0
    sched = F.RateSchedule(p["min_fps"] if p["adaptive"] else p["analysis_fps"], start=w0)
    fb = F.RateFeedback(p["min_fps"]) if p["adaptive"] else None
    ctl = F.AdaptiveRate(fb, p["min_fps"], p["max_fps"], p["cycle_samples"], aspect=aspect) if fb is not None else None
    cuts = F.CutTrace()
    decode_busy: list[float] = []
    pose_time = [0.0]
    gen = F.decode_range(path, info, sched, w0, t1, max_side=p["max_side"], skip_nonref=p["skip_nonref"],
                         threads=1, cuts=cuts, fast=p["fast_decode"], feedback=fb)
    lane.model.reset()  # a new time range: do not carry the tracked person over a jump in time

    def on_frame(t: float, lm) -> None:
        if ctl is not None:
            ctl.observe(t, lm)
            fb.processed()  # after every frame, detected or not: the decode side counts frames

    frames = F.threaded(gen, on_time=decode_busy.append)
    try:
        res = _estimate_timed(frames, lane.model, on_frame, pose_time)
    finally:
        if fb is not None:
            fb.close()
        frames.close()  # stops and joins the decode thread (at once if pose failed)
    if w0 < t0:
        keep = res["times"] >= t0 - 0.5 / max(info.fps, 1.0)
        res = {k: (v[keep] if k != "tracker_resets" else v) for k, v in res.items()}
        own = [i for i, t in enumerate(cuts.times) if t >= t0]
        cuts.times = [cuts.times[i] for i in own]
        cuts.diffs = [cuts.diffs[i] for i in own]
    lane.parts.append(res)
    lane.cut_times += cuts.times
    lane.cut_diffs += cuts.diffs
    lane.decode_s += sum(decode_busy) - (fb.wait_s if fb is not None else 0.0)
    lane.pose_s += pose_time[0]
    if ctl is not None:
        # a decision applies from lag_s after the frame that prompted it; the rate in force when the
        # chunk's own frames begin is listed at t0
        applied = [(w0, ctl.history[0][1])] + [(t + fb.lag_s, f) for t, f in ctl.history[1:]]
        before = [r for r in applied if r[0] <= t0]
        end = min(t1, float(info.times[-1]))  # a decision near the end may apply to no frame at all
        lane.rates += [(t0, before[-1][1])] + [r for r in applied if t0 < r[0] <= end]
    else:
        lane.rates.append((t0, p["analysis_fps"]))


def _estimate_timed(frames, model, on_frame, pose_time: list[float]) -> dict[str, np.ndarray]:
    from .pose import estimate

    class _Clock:
        def __init__(self, m):
            self.m = m

        def process(self, img):
            t = time.perf_counter()
            try:
                return self.m.process(img)
            finally:
                pose_time[0] += time.perf_counter() - t

        def reset(self):
            self.m.reset()

    return estimate(frames, _Clock(model), on_frame)


def _fallback_poses(loader: VideoLoader, fps: float, model, max_side: int | None) -> dict[str, np.ndarray]:
    """Pose over ``loader.iter_frames`` at a fixed rate: for files PyAV cannot demux or decode."""
    from .frames import Decoded, _resize
    from .pose import estimate

    idx = loader.fps_indices(fps)
    model.reset()
    frames = (Decoded(f.index, f.timestamp, _resize(f.image, max_side)) for f in loader.iter_frames(idx))
    return estimate(frames, model)


POSE_PARAMS = ("analysis_fps", "min_fps", "max_fps", "cycle_samples", "max_side", "model_complexity",
               "min_detection_confidence", "min_tracking_confidence", "skip_nonref", "fast_decode")


DEFAULT_CHUNK_S = 60.0


def extract_poses(loader: VideoLoader, analysis_fps: float | str = "auto", min_fps: float = 6.0,
                  max_fps: float = 15.0, cycle_samples: float = 10.0, max_side: int | None = 640,
                  model_complexity: int = 1, min_detection_confidence: float = 0.5,
                  min_tracking_confidence: float = 0.5, skip_nonref: bool = True, lanes: int = 0,
                  chunk_s: float = DEFAULT_CHUNK_S, fast_decode: bool = True) -> dict[str, Any]:
    """The pose stage alone: landmarks for the sampled frames, scene-cut trace, rates and timings.

    Returns a dict of numpy arrays and plain values (``times``, ``indices``, ``poses``, ``world``,
    ``detected``, ``cut_times``, ``cut_diffs``, ``rates``) plus ``duration``, ``total_frames``,
    ``aspect``, ``lanes``, ``decode_path`` and ``timings``; ``summarize`` turns it into the result.

    Deterministic: for one file and one set of parameters, ``times``, ``indices``, ``poses``, ``world``
    (and everything else but ``timings`` and ``lanes``) are bit-identical from run to run, whatever
    ``lanes``, the worker count or the machine's load. The video is cut into equal chunks of at most
    ``chunk_s`` seconds (<= 0: the default, 60 s), a grid that depends on the duration alone; ``lanes``
    only sets how many chunks run at once.
    """
    check_complexity(model_complexity)
    adaptive = isinstance(analysis_fps, str)
    if adaptive and str(analysis_fps).lower() != "auto":
        raise ValueError(f"analysis_fps must be a positive number or 'auto', got {analysis_fps!r}")
    if not adaptive and float(analysis_fps) <= 0:
        raise ValueError(f"analysis_fps must be positive, got {analysis_fps!r}")
    if float(min_fps) <= 0 or float(max_fps) < float(min_fps):
        raise ValueError(f"need 0 < min_fps <= max_fps, got {min_fps} and {max_fps}")
    p = {"adaptive": adaptive, "analysis_fps": None if adaptive else float(analysis_fps), "min_fps": float(min_fps),
         "max_fps": float(max_fps), "cycle_samples": float(cycle_samples),
         "max_side": int(max_side) if max_side else None, "skip_nonref": bool(skip_nonref),
         "fast_decode": bool(fast_decode)}
    meta = loader.get_metadata()
    aspect = (meta.width / meta.height) if meta.height else 1.0

    def model_for(lane: int):
        return get_model(lane, model_complexity, min_detection_confidence, min_tracking_confidence)

    timings: dict[str, float] = {}
    rates: list[tuple[float, float]] = []
    path_used = "pyav"
    total_frames = meta.num_frames
    cut_t: np.ndarray = np.zeros(0)
    cut_d: np.ndarray = np.zeros(0)
    fallback_reason: str | None = None
    t_probe = time.perf_counter()
    try:
        from . import frames as F

        info = F.probe(loader.path, rotation=meta.rotation)
        total_frames = info.num_frames
        duration = float(info.times[-1] + 1.0 / info.fps) if info.num_frames else float(meta.duration)
    except Exception as e:  # noqa: BLE001 - anything PyAV cannot demux goes through the loader
        info = None
        duration = float(meta.duration)
        fallback_reason = f"{type(e).__name__}: {e}"
    timings["probe_s"] = time.perf_counter() - t_probe

    n_lanes = int(lanes) if lanes and lanes > 0 else max(1, int(getattr(loader, "threads", 1) or 1))
    n_lanes = max(1, min(n_lanes, os.cpu_count() or 1))
    decode_s = pose_s = 0.0
    resets = 0
    raw: dict[str, np.ndarray] = {}
    if info is not None:
        try:
            # the chunk grid is a function of the duration only (never of the lanes): each chunk restarts
            # tracking, so a grid that moved with the lanes would move the results too
            size = float(chunk_s) if chunk_s and chunk_s > 0 else DEFAULT_CHUNK_S
            n_chunks = max(1, math.ceil(duration / size - 1e-9))
            bounds = [(k * duration / n_chunks, (k + 1) * duration / n_chunks if k + 1 < n_chunks else math.inf)
                      for k in range(n_chunks)]
            n_lanes = min(n_lanes, n_chunks)
            work: queue.Queue = queue.Queue()
            for b in bounds:
                work.put(b)
            lane_objs = [_Lane(i, model_for(i)) for i in range(n_lanes)]
            errors: list[BaseException] = []

            def run_lane(lane: _Lane) -> None:
                while not errors:
                    try:
                        t0, t1 = work.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        _run_chunk(lane, loader.path, info, t0, t1, p, aspect)
                    except BaseException as e:  # noqa: BLE001 - re-raised below
                        errors.append(e)
                        return

            t_pose = time.perf_counter()
            if n_lanes == 1:
                run_lane(lane_objs[0])
            else:
                threads = [threading.Thread(target=run_lane, args=(ln,), name=f"fitness-lane{ln.lane}", daemon=True)
                           for ln in lane_objs]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
            if errors:
                raise errors[0]
            timings["pose_wall_s"] = time.perf_counter() - t_pose
            parts = [part for ln in lane_objs for part in ln.parts if len(part["times"])]
            if not parts:
                raise RuntimeError("no frame could be decoded")
            parts.sort(key=lambda part: part["times"][0])
            resets = int(sum(int(part.pop("tracker_resets", np.zeros(1))[0]) for part in parts))
            raw = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
            # neighbouring chunks may both take a frame at their seam
            _, keep = np.unique(raw["indices"], return_index=True)
            raw = {k: v[keep] for k, v in raw.items()}
            ct = np.concatenate([np.asarray(ln.cut_times, dtype=np.float64) for ln in lane_objs])
            cd = np.concatenate([np.asarray(ln.cut_diffs, dtype=np.float64) for ln in lane_objs])
            o = np.argsort(ct)
            cut_t, cut_d = ct[o], cd[o]
            rates = sorted(r for ln in lane_objs for r in ln.rates)
            decode_s = sum(ln.decode_s for ln in lane_objs)
            pose_s = sum(ln.pose_s for ln in lane_objs)
        except Exception as e:  # noqa: BLE001 - a decode failure mid-way: redo through the loader's fallbacks
            log.warning("%s: fast pose path failed (%s: %s); falling back to the loader's decoders",
                        loader.video_id, type(e).__name__, e)
            fallback_reason = f"{type(e).__name__}: {e}"
            info = None
    if info is None:
        path_used = "loader"
        n_lanes = 1
        fps = p["analysis_fps"] or 10.0
        t_pose = time.perf_counter()
        d0 = loader.decode_s
        raw = _fallback_poses(loader, fps, model_for(0), p["max_side"])
        resets = int(raw.pop("tracker_resets", np.zeros(1))[0])
        timings["pose_wall_s"] = time.perf_counter() - t_pose
        decode_s = loader.decode_s - d0
        pose_s = timings["pose_wall_s"] - decode_s
        rates = [(0.0, fps)]
        total_frames = meta.num_frames
    else:
        loader.decode_s += decode_s  # the engine reports decode time per video
    timings["decode_s"] = decode_s
    timings["pose_s"] = pose_s
    return {**raw, "cut_times": cut_t, "cut_diffs": cut_d, "rates": np.asarray(rates, dtype=np.float64).reshape(-1, 2),
            "duration": duration, "total_frames": int(total_frames), "aspect": float(aspect), "lanes": n_lanes,
            "decode_path": path_used, "fallback_reason": fallback_reason, "tracker_resets": resets,
            "timings": timings}


def summarize(run: dict[str, Any], min_exercise_s: float = 2.0, max_pause_s: float = 3.0,
              return_poses: bool = True, started: float | None = None,
              model: "str | os.PathLike | ExerciseModel | None" = None) -> dict[str, Any]:
    """The analysis stages over an ``extract_poses`` output, and the result in the reference format.

    ``model``: the exercise classifier (a path from ``batchproc fitness-train``, or a model); default
    the shipped one."""
    timings = dict(run.get("timings", {}))
    t_an = time.perf_counter()
    duration = float(run["duration"])
    cuts = detect_cuts(run["cut_times"], run["cut_diffs"]) if len(run["cut_times"]) else np.zeros(0)
    detected = main_subject_mask(run["poses"], run["detected"], run["times"], cuts)
    if model is None or isinstance(model, (str, os.PathLike)):
        model = load_model(model)
    analysis_out = analyze_poses(run["times"], run["poses"], run["world"], detected, run["aspect"], duration,
                                 cuts, model=model, min_exercise_s=min_exercise_s, max_pause_s=max_pause_s)
    timings["analysis_s"] = time.perf_counter() - t_an
    for k, v in analysis_out["timings"].items():
        timings[f"analysis.{k}"] = v
    n = len(run["times"])
    processing_time = time.perf_counter() - started if started is not None else sum(
        timings.get(k, 0.0) for k in ("probe_s", "pose_wall_s", "analysis_s"))
    extra = {
        "analysis_fps": round(n / duration, 2) if duration > 0 else None,
        "analysis_rate_changes": [[round(float(t), 2), round(float(f), 2)] for t, f in run["rates"]][:200],
        "scene_cuts": [round(float(c), 3) for c in cuts][:200],
        "pose_lanes": int(run["lanes"]),
        "decode_path": run["decode_path"],
        "decode_fallback_reason": run.get("fallback_reason"),
        "realtime_factor": round(duration / processing_time, 2) if processing_time > 0 else None,
        "subject_frames_dropped": int(run["detected"].sum() - detected.sum()),
        "tracker_resets": int(run.get("tracker_resets", 0)),
    }
    arrays = None
    if return_poses:
        poses = np.asarray(run["poses"], dtype=np.float32).copy()
        poses[~detected] = np.nan
        arrays = {"poses": poses, "pose_frame_indices": np.asarray(run["indices"], dtype=np.int64),
                  "pose_times": np.asarray(run["times"], dtype=np.float64)}
    return build_result(analysis_out, total_duration=duration, total_frames=run["total_frames"], analyzed_frames=n,
                        detected_frames=int(detected.sum()),
                        average_visibility=average_visibility(run["poses"], detected), timings=timings,
                        processing_time=processing_time, peak_memory_mb=peak_rss_mb(), extra_stats=extra,
                        arrays=arrays)


@setup_hook(_setup)
def analyze_fitness(loader: VideoLoader, analysis_fps: float | str = "auto", min_fps: float = 6.0,
                    max_fps: float = 15.0, cycle_samples: float = 10.0, max_side: int | None = 640,
                    model_complexity: int = 1, min_detection_confidence: float = 0.5,
                    min_tracking_confidence: float = 0.5, skip_nonref: bool = True, lanes: int = 0,
                    chunk_s: float = DEFAULT_CHUNK_S, min_exercise_s: float = 2.0, max_pause_s: float = 3.0,
                    return_poses: bool = True, fast_decode: bool = True, model: str | None = None) -> dict[str, Any]:
    """Workout analysis: exercises, reps, rests and fatigue over a whole session.

    Repetitions are found and counted without naming them, then named by the exercise classifier:
    ``model`` (a path from ``batchproc fitness-train``; default the shipped model, trained on generated
    poses only).

    ``analysis_fps``: "auto" picks the pose rate from the movement's own period (``cycle_samples``
    samples per cycle, between ``min_fps`` and ``max_fps``); a number fixes it. ``max_side`` shrinks
    frames before pose; ``skip_nonref`` and ``fast_decode`` (no deblocking) make decoding cheaper.
    ``model_complexity``: only 1 ships offline with mediapipe 0.10.21. ``chunk_s``: the video is analysed
    in chunks of at most this many seconds (tracking restarts at each, after a warm-up); ``lanes``:
    parallel pose lanes (threads, one model each) over those chunks; 0 = the worker's thread budget, so
    a single long video uses both cores while a 2-worker batch runs one lane per worker. Neither the
    lanes nor the worker count change the result: same file, same parameters, same landmarks and
    summary (timings aside). Returns the session summary,
    per-segment analysis, video stats and timings, plus the landmarks (``poses`` (N, 33, 4): x, y, z,
    visibility; ``pose_frame_indices``; ``pose_times``) as artifacts.
    """
    started = time.perf_counter()
    run = extract_poses(loader, analysis_fps, min_fps, max_fps, cycle_samples, max_side, model_complexity,
                        min_detection_confidence, min_tracking_confidence, skip_nonref, lanes, chunk_s,
                        fast_decode)
    return summarize(run, min_exercise_s, max_pause_s, return_poses, started, model)


analyze_fitness.format_report = format_report  # type: ignore[attr-defined]
analyze_fitness.finalize = write_fitness_tables  # type: ignore[attr-defined]
