"""Segmentation: per-window class scores in, exercise / rest / other segments out (pure).

1. Viterbi decoding over the windows with a constant penalty for changing label: a label must be
   supported by several windows in a row before the path switches (hysteresis), so one-window
   flicker never becomes a segment.
2. Runs shorter than a minimum duration (exercise and non-exercise each have their own) are
   absorbed into the neighbour whose score over the run is higher; a short rest between two runs of
   the same exercise is absorbed into it (a pause inside a set).
3. Neighbouring runs with the same label merge.

Scene cuts need no special handling here: the window statistics never straddle a cut, and the
penalty keeps the label across a change of camera when both shots show the same exercise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .classify import EXERCISES, LABELS, OTHER, REST


@dataclass
class Segment:
    label: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def is_exercise(self) -> bool:
        return self.label in EXERCISES


def viterbi(scores: np.ndarray, switch_penalty: float = 4.0, floor: float = 0.02) -> np.ndarray:
    """Most likely label path for (W, K) scores with a constant cost ``switch_penalty`` (nats) per change."""
    scores = np.asarray(scores, dtype=np.float64)
    w, k = scores.shape
    if w == 0:
        return np.zeros(0, dtype=int)
    cost = -np.log(np.clip(scores, 0, None) + floor)
    acc = cost[0].copy()
    back = np.zeros((w, k), dtype=int)
    for i in range(1, w):
        best_prev = int(np.argmin(acc))
        stay = acc
        switch = acc[best_prev] + switch_penalty
        use_switch = switch < stay
        back[i] = np.where(use_switch, best_prev, np.arange(k))
        acc = np.where(use_switch, switch, stay) + cost[i]
    path = np.zeros(w, dtype=int)
    path[-1] = int(np.argmin(acc))
    for i in range(w - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _runs(path: np.ndarray) -> list[list[int]]:
    """[[label, first, last_exclusive], ...]"""
    runs: list[list[int]] = []
    for i, lab in enumerate(path):
        if runs and runs[-1][0] == lab:
            runs[-1][2] = i + 1
        else:
            runs.append([int(lab), i, i + 1])
    return runs


def segment_windows(centers: np.ndarray, scores: np.ndarray, duration: float | None = None,
                    switch_penalty: float = 4.0, min_exercise_s: float = 2.0, min_rest_s: float = 1.5,
                    max_pause_s: float = 3.0) -> list[Segment]:
    """Segments covering ``[0, duration]`` from window centres (evenly spaced) and their scores."""
    centers = np.asarray(centers, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if len(centers) == 0:
        return [Segment(OTHER, 0.0, float(duration or 0.0))] if duration else []
    hop = float(np.median(np.diff(centers))) if len(centers) > 1 else 1.0
    end_t = float(duration) if duration is not None else float(centers[-1] + hop / 2)
    path = viterbi(scores, switch_penalty)
    runs = _runs(path)
    n_ex = len(EXERCISES)
    rest_i, other_i = LABELS.index(REST), LABELS.index(OTHER)

    def run_dur(r):
        return (r[2] - r[1]) * hop

    def too_short(r):
        if r[0] >= n_ex and (r[1] == 0 or r[2] == len(centers)):
            return False  # idle time at the very start or end of the video is real, however short
        return run_dur(r) < (min_exercise_s if r[0] < n_ex else min_rest_s)

    # absorb short runs, shortest first, into the neighbour that explains them better
    changed = True
    while changed and len(runs) > 1:
        changed = False
        order = sorted(range(len(runs)), key=lambda i: run_dur(runs[i]))
        for i in order:
            r = runs[i]
            pause = (r[0] in (rest_i, other_i) and 0 < i < len(runs) - 1 and runs[i - 1][0] == runs[i + 1][0]
                     and runs[i - 1][0] < n_ex and run_dur(r) <= max_pause_s)
            if not (too_short(r) or pause):
                continue
            cands = [j for j in (i - 1, i + 1) if 0 <= j < len(runs)]
            if pause:
                target = runs[i - 1][0]
            else:
                target = max(cands, key=lambda j: scores[r[1]:r[2], runs[j][0]].mean())
                target = runs[target][0]
            r[0] = target
            # merge equal neighbours
            merged: list[list[int]] = []
            for q in runs:
                if merged and merged[-1][0] == q[0]:
                    merged[-1][2] = q[2]
                else:
                    merged.append(q)
            runs = merged
            changed = True
            break
    segs: list[Segment] = []
    for lab, a, b in runs:
        start = 0.0 if a == 0 else float((centers[a - 1] + centers[a]) / 2)
        end = end_t if b == len(centers) else float((centers[b - 1] + centers[b]) / 2)
        segs.append(Segment(LABELS[lab], start, min(end, end_t)))
    return [s for s in segs if s.end > s.start]


def merge_adjacent(segs: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segs:
        if out and out[-1].label == s.label:
            out[-1] = Segment(s.label, out[-1].start, s.end)
        else:
            out.append(Segment(s.label, s.start, s.end))
    return out


def label_at(segs: list[Segment], t: np.ndarray) -> np.ndarray:
    """The label of the segment containing each time (``other`` outside all segments)."""
    t = np.asarray(t, dtype=np.float64)
    out = np.array([OTHER] * len(t), dtype=object)
    for s in segs:
        out[(t >= s.start) & (t < s.end)] = s.label
    return out
