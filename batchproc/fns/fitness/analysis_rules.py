"""The first analysis chain (``analysis="rules"``): features -> hand-set rules per window -> segments ->
reps counted per named exercise -> fatigue.

Kept while the learned chain (``analysis.py``) catches up with it on the dev clips: the clip test is
a ratchet that the default must hold, and these rules were tuned on 22 of those clips, so they score
high there and lower on footage they were not tuned on. New work goes into ``analysis.py``; this
module is removed once the learned chain is the better of the two on the dev clips.
"""
from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from .classify import EXERCISES, LABEL_INDEX, OTHER, REST, body_motion, classify_windows, score_interval
from .fatigue import fatigue_analysis, hold_fatigue
from .analysis import detect_cuts  # noqa: F401 - re-exported for old callers
from .features import compute_features, shot_ids
from .reps import REP_SIGNALS, RepResult, count_segment
from .segment import Segment, merge_adjacent, segment_windows

DEFAULTS: dict[str, Any] = {
    "window_s": 4.0,
    "hop_s": 0.5,
    "switch_penalty": 4.0,
    "min_exercise_s": 2.0,
    "min_rest_s": 1.5,
    "max_pause_s": 2.0,
    "rep_pad_s": 3.0,
    "rep_margin_s": 0.5,
}


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
    shots = shot_ids(times, cuts)
    results = _count_all(segs, times, feats, detected, p["rep_pad_s"], shots, motion)
    # an exercise segment without a single complete rep is not an exercise set (a hinge to pick up a
    # bar, a transition): relabel it and count again over the merged segments
    changed = False
    for i, (s, r) in enumerate(zip(segs, results)):
        if s.label in REP_SIGNALS and r.count == 0:
            neighbours = [segs[j].label for j in (i - 1, i + 1) if 0 <= j < len(segs)]
            segs[i] = Segment(_relabel(s, neighbours, centers, scores), s.start, s.end)
            changed = True
    if changed:
        segs = merge_adjacent(segs)
        shots = shot_ids(times, cuts)
    results = _count_all(segs, times, feats, detected, p["rep_pad_s"], shots, motion)
    segs, results = fit_to_reps(segs, results, p["rep_margin_s"], float(times[0]) if len(times) else 0.0, duration)
    segs, results = fit_holds(segs, results, times, detected, plank_posture(feats))
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


def fit_to_reps(segs: list[Segment], reps: list[RepResult], margin: float, t0: float,
                t1: float, trim_s: float = 3.0) -> tuple[list[Segment], list[RepResult]]:
    """Boundaries from the reps: the windows place a boundary only to within half a window, the reps
    (counted over the segment and a pad into its idle neighbours) to within a frame or two. A set is
    extended to take in all its reps (``margin`` either side); idle time at its edges longer than
    ``trim_s`` becomes rest. Idle time between sets takes the label of the idle segment that covered
    most of it.
    Returns the new segments and their rep results (idle segments get empty ones)."""
    ex: list[tuple[Segment, RepResult]] = []
    for s, r in zip(segs, reps):
        if s.label not in EXERCISES:
            continue
        if s.label in REP_SIGNALS and r.count:
            first, last = min(r.rep_starts) - margin, max(r.rep_times) + margin
            # extend to take in reps found in the pad; trim only idle lead-ins/outs long enough to be
            # a rest of their own (a few seconds of standing before the first rep belong to the set)
            a = first if (first < s.start or first - s.start > trim_s) else s.start
            b = last if (last > s.end or s.end - last > trim_s) else s.end
            s = Segment(s.label, max(t0, a), min(t1, b))
        ex.append((s, r))
    for i in range(1, len(ex)):  # neighbouring sets never overlap: split the overlap
        (pa, ra), (pb, rb) = ex[i - 1], ex[i]
        if pb.start < pa.end:
            mid = (pb.start + pa.end) / 2
            ex[i - 1] = (Segment(pa.label, pa.start, mid), ra)
            ex[i] = (Segment(pb.label, mid, pb.end), rb)
    idle = [s for s in segs if s.label not in EXERCISES]

    def idle_label(a: float, b: float) -> str:
        best, best_overlap = REST, 0.0
        for s in idle:
            ov = min(b, s.end) - max(a, s.start)
            if ov > best_overlap:
                best, best_overlap = s.label, ov
        return best

    out: list[tuple[Segment, RepResult]] = []
    cursor = t0

    def add_idle(a: float, b: float) -> None:
        lab = idle_label(a, b)
        if out and out[-1][0].label == lab:
            out[-1] = (Segment(lab, out[-1][0].start, b), out[-1][1])
        else:
            out.append((Segment(lab, a, b), RepResult(0)))

    for s, r in ex:
        if s.start - cursor > 1e-6:
            add_idle(cursor, s.start)
        out.append((s, r))
        cursor = s.end
    if t1 - cursor > 1e-6:
        add_idle(cursor, t1)
    if not out:
        add_idle(t0, t1)
    out = [(s, r) for s, r in out if s.end - s.start > 1e-6]
    return [s for s, _ in out], [r for _, r in out]


def plank_posture(feats: dict[str, np.ndarray]) -> np.ndarray:
    """Per frame: the body held in a plank (trunk lying, hips and knees straight where seen)."""
    with np.errstate(invalid="ignore"):
        lying = feats["trunk_lying"] >= 55
        hips = ~(feats["hip_angle"] < 140)
        knees = ~(feats["knee_angle"] < 130)
    return lying & hips & knees


def fit_holds(segs: list[Segment], reps: list[RepResult], times: np.ndarray, detected: np.ndarray,
              posture: np.ndarray, max_gap: float = 0.5) -> tuple[list[Segment], list[RepResult]]:
    """Boundaries of holds (plank) from the frames: a hold extends into its idle neighbours over the
    frames still in the hold's posture, and gives up edge frames that are not (the windows place a
    boundary only to within half a window)."""
    times = np.asarray(times, dtype=np.float64)
    ok = np.asarray(detected, dtype=bool) & np.asarray(posture, dtype=bool)
    out = list(segs)
    for i, s in enumerate(out):
        if s.label != "plank":
            continue
        lo = out[i - 1].start if i > 0 and out[i - 1].label not in EXERCISES else s.start
        hi = out[i + 1].end if i + 1 < len(out) and out[i + 1].label not in EXERCISES else s.end
        inside = np.flatnonzero((times >= lo) & (times < hi) & ok)
        if len(inside) == 0:
            continue
        # the run of hold frames (gaps up to max_gap) that overlaps the segment the most
        runs, cur = [], [inside[0]]
        for k in inside[1:]:
            if times[k] - times[cur[-1]] <= max_gap:
                cur.append(k)
            else:
                runs.append(cur)
                cur = [k]
        runs.append(cur)

        def overlap(run):
            return min(s.end, times[run[-1]]) - max(s.start, times[run[0]])

        run = max(runs, key=overlap)
        if overlap(run) <= 0:
            continue
        a = float(times[run[0]])
        b = float(times[run[-1] + 1]) if run[-1] + 1 < len(times) else float(hi)
        a, b = max(lo, a), min(hi, b)
        if i > 0 and out[i - 1].label not in EXERCISES:
            out[i - 1] = Segment(out[i - 1].label, out[i - 1].start, a)
        if i + 1 < len(out) and out[i + 1].label not in EXERCISES:
            out[i + 1] = Segment(out[i + 1].label, b, out[i + 1].end)
        out[i] = Segment("plank", a, b)
    kept: list[tuple[Segment, RepResult]] = []
    for s, r in zip(out, reps):
        if s.end - s.start <= 1e-6:
            continue
        if kept and kept[-1][0].label == s.label and s.label not in REP_SIGNALS:
            kept[-1] = (Segment(s.label, kept[-1][0].start, s.end), kept[-1][1])
        else:
            kept.append((s, r))
    return [s for s, _ in kept], [r for _, r in kept]


def _relabel(s: Segment, neighbours: list[str], centers: np.ndarray, scores: np.ndarray,
             min_score: float = 0.3) -> str:
    """A new label for an exercise segment without a rep: a neighbouring exercise that also fits
    there (the segment was its blurred edge), else rest or other, whichever fits better."""
    m = (centers >= s.start) & (centers < s.end)
    if not m.any():
        return OTHER
    best, best_score = None, min_score
    for lab in neighbours:
        if lab in EXERCISES and lab != s.label:
            sc = float(scores[m, LABEL_INDEX[lab]].mean())
            if sc >= best_score:
                best, best_score = lab, sc
    if best is not None:
        return best
    rest = scores[m, LABEL_INDEX[REST]].mean()
    other = scores[m, LABEL_INDEX[OTHER]].mean()
    return REST if rest >= other else OTHER


def _count_all(segs: list[Segment], times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
               pad: float, shots: np.ndarray | None = None, motion: np.ndarray | None = None) -> list[RepResult]:
    """Reps of each exercise segment, counted over the segment and ``pad`` seconds into its
    neighbours (the first and last reps may straddle a boundary the windows placed roughly). A rep
    found inside a neighbouring *exercise* segment is kept only where the classifier prefers this
    segment's exercise for that rep (judged on the rep's own frames), so a rep at a direct change of
    exercise goes to one side."""
    out = []
    for i, s in enumerate(segs):
        if s.label not in REP_SIGNALS:
            out.append(RepResult(0))
            continue
        a = max(segs[i - 1].start, s.start - pad) if i > 0 else s.start
        b = min(segs[i + 1].end, s.end + pad) if i + 1 < len(segs) else s.end
        m = (times >= a) & (times < b) & detected
        if m.sum() < 4:
            out.append(RepResult(0))
            continue
        # only the video's first segment may open mid-rep (see count_reps)
        r = count_segment(s.label, times, feats, m, shots, open_start=s.start <= times[0] + 0.5)
        if r.count:
            keep = []
            for k in range(r.count):
                other = None
                if i > 0 and r.rep_starts[k] < s.start and segs[i - 1].label in EXERCISES:
                    other = segs[i - 1].label
                elif i + 1 < len(segs) and r.rep_times[k] > s.end and segs[i + 1].label in EXERCISES:
                    other = segs[i + 1].label
                if other is not None:
                    sc = score_interval(times, feats, detected, motion, r.rep_starts[k], r.rep_times[k])
                    if sc[LABEL_INDEX[other]] > sc[LABEL_INDEX[s.label]]:
                        continue
                keep.append(k)
            r = _subset(r, keep)
        out.append(r)
    return out


def _subset(r: RepResult, keep: list[int]) -> RepResult:
    if len(keep) == r.count:
        return r
    return RepResult(len(keep), [r.rep_times[k] for k in keep], [r.rep_starts[k] for k in keep],
                     [r.rep_peaks[k] for k in keep], [r.amplitudes[k] for k in keep], r.period, r.signal)
