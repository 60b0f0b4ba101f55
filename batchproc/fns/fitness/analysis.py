"""The analysis chain over landmark arrays: features -> windows -> segments -> reps -> fatigue.

Pure (no video, no model): ``analyze_poses`` takes what pose estimation produced and returns the
segments with their reps and fatigue. The evaluation caches landmarks per clip and re-runs only this.
"""
from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from .classify import EXERCISES, LABEL_INDEX, OTHER, REST, body_motion, classify_windows
from .fatigue import fatigue_analysis, hold_fatigue
from .features import compute_features
from .reps import REP_SIGNALS, RepResult, count_segment
from .segment import Segment, merge_adjacent, segment_windows

DEFAULTS: dict[str, Any] = {
    "window_s": 4.0,
    "hop_s": 0.5,
    "switch_penalty": 4.0,
    "min_exercise_s": 2.0,
    "min_rest_s": 1.5,
    "max_pause_s": 3.0,
    "rep_pad_s": 0.75,
}


def detect_cuts(times: np.ndarray, diffs: np.ndarray, ratio: float = 4.0, min_jump: float = 12.0) -> np.ndarray:
    """Scene cuts from the luma-thumbnail differences between consecutive decoded frames: a
    difference far above its neighbourhood (``ratio`` x the local median) and above ``min_jump``
    grey levels. Returns cut times (s)."""
    times = np.asarray(times, dtype=np.float64)
    d = np.asarray(diffs, dtype=np.float64)
    if len(d) < 3:
        return np.zeros(0)
    k = 7
    pad = np.concatenate([np.full(k, np.nan), d, np.full(k, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * k + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        local = np.nanmedian(win, axis=1)
    is_cut = (d > min_jump) & (d > ratio * np.maximum(local, 1.0))
    # one cut per burst (keep the largest difference within 0.2 s)
    out: list[float] = []
    for i in np.flatnonzero(is_cut):
        if out and times[i] - out[-1] < 0.2:
            continue
        out.append(float(times[i]))
    return np.asarray(out)


def _trunk_y(feats: dict[str, np.ndarray]) -> np.ndarray:
    return feats["hip_y"]


def analyze_poses(times: np.ndarray, poses: np.ndarray, world: np.ndarray | None, detected: np.ndarray,
                  aspect: float = 1.0, duration: float | None = None, cuts: np.ndarray | None = None,
                  **params: Any) -> dict[str, Any]:
    """Segments (exercise / rest / other) with reps and fatigue, from per-frame landmarks.

    ``times`` (N,) seconds; ``poses`` (N, 33, 4); ``world`` (N, 33, 3) or None; ``detected`` (N,)
    bool; ``aspect`` = width / height of the frames; ``cuts`` scene-cut times.
    """
    p = {**DEFAULTS, **{k: v for k, v in params.items() if v is not None}}
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    times = np.asarray(times, dtype=np.float64)
    detected = np.asarray(detected, dtype=bool)
    if duration is None:
        duration = float(times[-1]) if len(times) else 0.0
    feats = compute_features(poses, world, aspect)
    motion = body_motion(times, poses, aspect)
    timings["features_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    centers, scores = classify_windows(times, feats, detected, motion, cuts, p["window_s"], p["hop_s"])
    timings["classify_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    segs = segment_windows(centers, scores, duration, p["switch_penalty"], p["min_exercise_s"],
                           p["min_rest_s"], p["max_pause_s"])
    timings["segment_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    results = _count_all(segs, times, feats, detected, p["rep_pad_s"])
    # an exercise segment without a single complete rep is not an exercise set (a hinge to pick up a
    # bar, a transition): relabel it and count again over the merged segments
    changed = False
    for i, (s, r) in enumerate(zip(segs, results)):
        if s.label in REP_SIGNALS and r.count == 0:
            segs[i] = Segment(_idle_label(s, centers, scores), s.start, s.end)
            changed = True
    if changed:
        segs = merge_adjacent(segs)
        results = _count_all(segs, times, feats, detected, p["rep_pad_s"])
    timings["reps_s"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    out_segments = []
    trunk = _trunk_y(feats)
    for s, r in zip(segs, results):
        m = (times >= s.start) & (times < s.end) & detected
        if s.label == "plank":
            fat = hold_fatigue(times[m], feats["hip_angle"][m], trunk[m])
        elif s.label in EXERCISES:
            fat = fatigue_analysis(r, times[detected], trunk[detected])
        else:
            fat = None
        out_segments.append({"segment": s, "reps": r, "fatigue": fat})
    timings["fatigue_s"] = time.perf_counter() - t4
    return {"segments": out_segments, "timings": timings, "window_centers": centers, "window_scores": scores,
            "features": feats}


def _idle_label(s: Segment, centers: np.ndarray, scores: np.ndarray) -> str:
    m = (centers >= s.start) & (centers < s.end)
    if not m.any():
        return OTHER
    rest = scores[m, LABEL_INDEX[REST]].mean()
    other = scores[m, LABEL_INDEX[OTHER]].mean()
    return REST if rest >= other else OTHER


def _count_all(segs: list[Segment], times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
               pad: float) -> list[RepResult]:
    out = []
    for i, s in enumerate(segs):
        if s.label not in REP_SIGNALS:
            out.append(RepResult(0))
            continue
        a, b = s.start, s.end
        # reach a little into idle neighbours: the first/last rep may straddle the boundary
        if i > 0 and segs[i - 1].label not in EXERCISES:
            a = max(segs[i - 1].start, a - pad)
        if i + 1 < len(segs) and segs[i + 1].label not in EXERCISES:
            b = min(segs[i + 1].end, b + pad)
        m = (times >= a) & (times < b) & detected
        if m.sum() < 4:
            out.append(RepResult(0))
            continue
        out.append(count_segment(s.label, times, feats, m))
    return out
