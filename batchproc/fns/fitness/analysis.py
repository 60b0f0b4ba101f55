"""The analysis chain over landmark arrays: embedding -> repetitions -> naming -> segments -> fatigue.

Pure (no video, no pose model): ``analyze_poses`` takes what pose estimation produced and returns
the segments with their reps and fatigue. The evaluation caches landmarks per clip and re-runs only
this. Counting does not hinge on naming:

1. ``repetition.detect_repetitions`` finds stretches of repeated movement in the view-normalised
   embedding and counts their complete cycles, knowing nothing of exercises;
2. the learned classifier (``classifier``) names windows of the embedding; a stretch takes the name
   its windows vote for (split where the vote changes for long enough), and a repeated movement that
   is none of the eight is ``other``: its reps are reported, but not as an exercise;
3. what does not repeat is a hold (a plank, when the classifier says so and the posture stays put) or
   rest.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .classifier import EXERCISES, OTHER, ExerciseModel, load_model
from .embedding import pose_embedding
from .fatigue import fatigue_analysis, hold_fatigue
from .features import compute_features, shot_ids
from .repetition import RepetitionConfig, Stretch, detect_repetitions
from .reps import RepResult
from .segment import Segment, viterbi
from .window_features import WindowConfig, interval_features, window_centers, window_features

REST = "rest"
HOLDS = ("plank",)  # exercises that are held, not repeated
# a repeated movement is named ``other`` only when that is this many times likelier than its best
# exercise: the model learned "other" from generated movements, and real exercises that look unlike
# any generated one (an unusual variant) should not vanish from the count for a small margin
OTHER_MARGIN = 1.5
SET_MARGIN_S = 0.5  # a set's segment reaches this far beyond its first rep's start and last rep's end


@dataclass(frozen=True)
class SegmentConfig:
    """How named windows become segments."""

    switch_penalty: float = 3.0  # nats: a label must win several windows in a row to take over
    min_exercise_s: float = 2.0  # a set shorter than this is not a set
    min_hold_s: float = 2.0  # a plank shorter than this is a pause, not a hold
    min_hold_prob: float = 0.5  # windows this sure of a plank start a hold
    # "the same posture" during a hold: no more than ``hold_outlier_share`` of the embedding's columns
    # away from the hold's median by more than ``hold_posture_tol`` (~14 degrees) or 4 times the
    # column's own jitter in the hold, whichever is larger; one column suffices to tell lying on
    # the forearms (trunk raised at the shoulders) from a plank (trunk level)
    hold_posture_tol: float = 0.15
    hold_outlier_share: float = 0.1


@dataclass(frozen=True)
class AnalysisConfig:
    """One typed config per stage; unknown keys are refused by ``from_params``."""

    repetition: RepetitionConfig = field(default_factory=RepetitionConfig)
    windows: WindowConfig = field(default_factory=WindowConfig)
    segments: SegmentConfig = field(default_factory=SegmentConfig)

    @classmethod
    def from_params(cls, **params: Any) -> "AnalysisConfig":
        """Flat keyword parameters (``min_exercise_s=3``) into the stage that owns each; a key that no
        stage knows is an error, so a typo is never silently ignored."""
        from dataclasses import fields, replace

        stages = {"repetition": RepetitionConfig(), "windows": WindowConfig(), "segments": SegmentConfig()}
        for key, value in params.items():
            if value is None:
                continue
            owner = next((name for name, cfg in stages.items() if key in {f.name for f in fields(cfg)}), None)
            if owner is None:
                known = sorted(f.name for cfg in stages.values() for f in fields(cfg))
                raise ValueError(f"unknown analysis parameter {key!r}; known: {', '.join(known)}")
            stages[owner] = replace(stages[owner], **{key: value})
        return cls(**stages)


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
    out: list[float] = []
    for i in np.flatnonzero(is_cut):  # one cut per burst (the first within 0.2 s)
        if out and times[i] - out[-1] < 0.2:
            continue
        out.append(float(times[i]))
    return np.asarray(out)


def analyze_poses(times: np.ndarray, poses: np.ndarray, world: np.ndarray | None, detected: np.ndarray,
                  aspect: float = 1.0, duration: float | None = None, cuts: np.ndarray | None = None,
                  config: AnalysisConfig | None = None, model: ExerciseModel | None = None,
                  **params: Any) -> dict[str, Any]:
    """Segments (exercise / other / rest) with reps and fatigue, from per-frame landmarks.

    ``times`` (N,) seconds; ``poses`` (N, 33, 4); ``world`` (N, 33, 3) or None; ``detected`` (N,)
    bool; ``aspect`` = width / height of the frames; ``cuts`` scene-cut times; ``model`` the exercise
    classifier (default: the shipped one); ``params`` flat overrides of ``config`` (see
    ``AnalysisConfig.from_params``).
    """
    cfg = config or AnalysisConfig.from_params(**params)
    model = model or load_model()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    times = np.asarray(times, dtype=np.float64)
    detected = np.asarray(detected, dtype=bool)
    if duration is None:
        duration = float(times[-1]) if len(times) else 0.0
    emb = pose_embedding(poses, world, aspect)
    emb[~detected] = np.nan
    shots = shot_ids(times, cuts)
    feats = compute_features(poses, world, aspect)
    timings["embedding_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    stretches = detect_repetitions(times, emb, shots, cfg.repetition)
    timings["repetition_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    centers = window_centers(0.0, duration, cfg.windows)
    seen = pose_embedding(poses, world, aspect, cfg.windows.min_visibility)
    seen[~detected] = np.nan
    wf, cover = window_features(times, seen, centers, cfg.windows, shots)
    probs = model.predict_proba(wf)  # columns: model.classes (the eight, other, and a user's own)
    timings["classify_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    def interval_probs(a: float, b: float) -> np.ndarray:
        f, _ = interval_features(times, seen, np.array([a]), np.array([b]), cfg.windows)
        return model.predict_proba(f)[0]

    def recount(a: float, b: float, opens_video: bool) -> RepResult:
        """The class-agnostic counter again, over one part of a stretch the classifier split."""
        # a boundary sits on a rep's completion: the frames up to it (and the one on it) belong here
        m = (times >= a) & (times <= b + 1.0 / cfg.repetition.grid_hz)
        sts = detect_repetitions(times[m], emb[m], shots[m], cfg.repetition,
                                 open_start_before=0.5 if opens_video else -np.inf)
        return _merge_reps([s.reps for s in sts])

    parts = name_stretches(stretches, centers, probs, model.classes, cfg.segments, interval_probs,
                           cfg.windows.window_s, recount)
    parts += find_holds(times, emb, detected, centers, probs, model.classes, parts, cfg.segments, interval_probs)
    segs = fill_timeline(parts, duration)
    timings["segment_s"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    out_segments = []
    trunk = feats["hip_y"]
    for seg, reps in segs:
        m = (times >= seg.start) & (times < seg.end) & detected
        if seg.label in HOLDS:
            fat = hold_fatigue(times[m], feats["hip_angle"][m], trunk[m])
        elif seg.label in EXERCISES:
            fat = fatigue_analysis(reps, times[detected], trunk[detected])
        else:
            fat = None
        out_segments.append({"segment": seg, "reps": reps, "fatigue": fat})
    timings["fatigue_s"] = time.perf_counter() - t4
    return {"segments": out_segments, "timings": timings, "window_centers": centers, "window_scores": probs,
            "stretches": stretches, "features": feats}


def name_stretches(stretches: list[Stretch], centers: np.ndarray, probs: np.ndarray, classes: tuple[str, ...],
                   cfg: SegmentConfig,
                   interval_probs: Callable[[float, float], np.ndarray], window_s: float,
                   recount: Callable[[float, float, bool], RepResult] | None = None) -> list[tuple[Segment, RepResult]]:
    """Each stretch of repetition with its name.

    A stretch is one periodic movement, so it is split only where the windows' vote moves from one
    exercise to another for longer than ``min_exercise_s`` (squats, then lunges, without a pause);
    each rep goes to the part it completes in. Each part is then named from the statistics of its
    own frames and its windows together; it is ``other`` when the classifier finds it likelier to be
    none of the eight than any of them. Where a stretch is split, each part is counted again on its
    own (``recount``): one movement's rest side is not the next one's. ``classes`` names the columns
    of ``probs``: the eight, ``other``, and any a user's model added (burpees, say), which name parts
    like the eight do."""
    out: list[tuple[Segment, RepResult]] = []
    other_col = classes.index(OTHER)
    # a repeated movement is not a hold
    exercise_cols = [j for j, c in enumerate(classes) if c != OTHER and c not in HOLDS]
    for st in stretches:
        inside = np.flatnonzero((centers >= st.start) & (centers <= st.end) & np.isfinite(probs).all(axis=1))
        runs: list[list] = [[0, st.start, st.end]]
        if len(inside) >= 2:
            runs = _absorb_short(_label_runs(viterbi(probs[inside][:, exercise_cols], cfg.switch_penalty),
                                             centers[inside], st.start, st.end), cfg.min_exercise_s)
        named: list[list] = []
        for _, a, b in runs:
            m = (centers >= a) & (centers <= b) & np.isfinite(probs).all(axis=1)
            # a part shorter than a window (a lone rep) is judged on its own frames, since the
            # windows around it are mostly the standing still before and after; a longer part by
            # its windows, the statistics the model was trained on
            votes = [probs[m].mean(axis=0)] if m.any() and b - a >= window_s else [interval_probs(a, b)]
            votes = [v for v in votes if np.isfinite(v).all()]
            label = OTHER
            if votes:
                p = np.mean(votes, axis=0)
                best = max(exercise_cols, key=lambda j: p[j])
                label = classes[best] if p[other_col] <= OTHER_MARGIN * p[best] else OTHER
            if named and named[-1][0] == label:
                named[-1][2] = b
            else:
                named.append([label, a, b])
        for k, (label, a, b) in enumerate(named):
            if len(named) == 1 or recount is None:
                reps = _reps_in(st.reps, a, b)
            else:
                # counted over the part and a period into its neighbours (a rep at the seam is seen
                # whole), keeping the reps that complete inside the part
                pad = st.period
                span = (float(st.signal_times[0]), float(st.signal_times[-1]) + 0.1) if len(st.signal_times) else (a, b)
                lo = a - pad if k > 0 else min(a, span[0])
                hi = b + pad if k + 1 < len(named) else max(b, span[1])
                reps = _reps_in(recount(lo, hi, k == 0 and st.opens), a, b if k + 1 < len(named) else b + pad)
            if reps.count == 0:  # no complete rep: a pause or a transition, not a set (rest)
                continue
            # a set spans its reps: standing about before the first one is not part of it
            a = max(a, min(reps.rep_starts) - SET_MARGIN_S)
            b = min(b, max(reps.rep_times) + SET_MARGIN_S)
            out.append((Segment(label, a, b), reps))
    return _merge_same(out)


def _label_runs(path: np.ndarray, centers: np.ndarray, start: float, end: float) -> list[list]:
    runs: list[list] = []
    for i, lab in enumerate(path):
        if runs and runs[-1][0] == lab:
            continue
        boundary = start if i == 0 else float((centers[i - 1] + centers[i]) / 2)
        if runs:
            runs[-1][2] = boundary
        runs.append([int(lab), boundary, end])
    return runs


def _absorb_short(runs: list[list], min_s: float) -> list[list]:
    """Runs shorter than ``min_s`` join the longer neighbour."""
    runs = [list(r) for r in runs]
    while len(runs) > 1:
        i = min(range(len(runs)), key=lambda k: runs[k][2] - runs[k][1])
        if runs[i][2] - runs[i][1] >= min_s:
            break
        nbrs = [j for j in (i - 1, i + 1) if 0 <= j < len(runs)]
        j = max(nbrs, key=lambda k: runs[k][2] - runs[k][1])
        if j < i:
            runs[j][2] = runs[i][2]
        else:
            runs[j][1] = runs[i][1]
        del runs[i]
        merged: list[list] = []
        for r in runs:
            if merged and merged[-1][0] == r[0]:
                merged[-1][2] = r[2]
            else:
                merged.append(r)
        runs = merged
    return runs


def _reps_in(r: RepResult, a: float, b: float) -> RepResult:
    """The reps that complete in [a, b) (the last one also exactly at b), started no earlier than a."""
    return r.subset([k for k, t in enumerate(r.rep_times) if a <= t < b or (k == r.count - 1 and t == b)], a)


def _merge_reps(results: list[RepResult]) -> RepResult:
    out = RepResult(0)
    for r in sorted(results, key=lambda r: r.rep_times[0] if r.rep_times else 0.0):
        out = out.joined(r)
    return out


def _merge_same(parts: list[tuple[Segment, RepResult]]) -> list[tuple[Segment, RepResult]]:
    out: list[tuple[Segment, RepResult]] = []
    for seg, r in parts:
        if out and out[-1][0].label == seg.label and seg.start - out[-1][0].end < 1e-6:
            s0, r0 = out[-1]
            out[-1] = (Segment(seg.label, s0.start, seg.end), r0.joined(r))
        else:
            out.append((seg, r))
    return out


def find_holds(times: np.ndarray, emb: np.ndarray, detected: np.ndarray, centers: np.ndarray, probs: np.ndarray,
               classes: tuple[str, ...], taken: list[tuple[Segment, RepResult]], cfg: SegmentConfig,
               interval_probs: Callable[[float, float], np.ndarray]) -> list[tuple[Segment, RepResult]]:
    """Planks: outside the repetitions, windows the classifier is sure show a plank seed a hold; the
    hold is the run of frames around the seed whose posture stays within ``hold_posture_tol`` of the
    seed's median posture (so the way into and out of the plank is not hold time), and it stands
    only if the classifier, shown the hold's own frames, still calls it a plank (a window at the edge
    of a set of push-ups can lean to "plank" while its centre is someone standing)."""
    out: list[tuple[Segment, RepResult]] = []
    busy = [(s.start, s.end) for s, _ in taken]

    def free(t: float) -> bool:
        return not any(a <= t < b for a, b in busy)

    if "plank" not in classes:  # a user's model trained without planks finds none
        return []
    plank = classes.index("plank")
    with np.errstate(invalid="ignore"):
        seed = np.nan_to_num(probs[:, plank]) >= cfg.min_hold_prob
    seed &= np.array([free(c) for c in centers], dtype=bool)
    ok = detected & np.isfinite(emb).all(axis=1)
    used = np.zeros(len(times), dtype=bool)
    for i in np.flatnonzero(seed):
        m = ok & (np.abs(times - centers[i]) <= 1.0) & ~used
        if m.sum() < 3:
            continue
        ref = np.median(emb[m], axis=0)
        jitter = np.median(np.abs(emb[m] - ref), axis=0)
        with np.errstate(invalid="ignore"):  # frames without a pose: NaN, not close
            off = np.abs(emb - ref) > np.maximum(cfg.hold_posture_tol, 4 * jitter)
        close = ok & (off.mean(axis=1) <= cfg.hold_outlier_share)
        k = int(np.argmin(np.abs(times - centers[i])))
        if not close[k] or used[k]:
            continue
        a = b = k
        while a > 0 and (close[a - 1] or not detected[a - 1]) and free(times[a - 1]) and not used[a - 1]:
            a -= 1
        while b + 1 < len(times) and (close[b + 1] or not detected[b + 1]) and free(times[b + 1]) and not used[b + 1]:
            b += 1
        while a < b and not close[a]:
            a += 1
        while b > a and not close[b]:
            b -= 1
        used[a:b + 1] = True
        start = float(times[a])
        end = float(times[b + 1]) if b + 1 < len(times) else float(times[b]) + float(np.median(np.diff(times)) if len(times) > 1 else 0.1)
        if end - start >= cfg.min_hold_s and interval_probs(start, end)[plank] >= cfg.min_hold_prob:
            out.append((Segment("plank", start, end), RepResult(0)))
            busy.append((start, end))
    return out


def fill_timeline(parts: list[tuple[Segment, RepResult]], duration: float) -> list[tuple[Segment, RepResult]]:
    """The parts in time order with ``rest`` between them, covering [0, duration]. A part always
    holds its reps' completions; where two parts overlap (a hold that touches a set), the boundary
    goes to the middle of the overlap, moved past the earlier part's last completion if need be."""
    parts = sorted(parts, key=lambda p: p[0].start)
    out: list[tuple[Segment, RepResult]] = []
    cursor = 0.0
    for seg, r in parts:
        last_done = max(r.rep_times) + 1e-3 if r.rep_times else -np.inf
        start, end = max(seg.start, cursor), min(max(seg.end, last_done), duration)
        if out and seg.start < cursor:  # overlap with the previous part
            prev, pr = out[-1]
            cut = max((seg.start + prev.end) / 2, max(pr.rep_times) + 1e-3 if pr.rep_times else -np.inf)
            cut = min(cut, end)
            out[-1] = (Segment(prev.label, prev.start, cut), pr)
            start = cut
        elif start - cursor > 1e-6:
            out.append((Segment(REST, cursor, start), RepResult(0)))
        if end - start > 1e-6:
            out.append((Segment(seg.label, start, end), r))
            cursor = end
    if duration - cursor > 1e-6:
        out.append((Segment(REST, cursor, duration), RepResult(0)))
    if not out and duration > 0:
        out.append((Segment(REST, 0.0, duration), RepResult(0)))
    return out
