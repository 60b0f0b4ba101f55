"""Segments: labelled stretches of time, and the hysteresis that keeps labels from flickering (pure).

``viterbi`` decodes per-window class scores into a label path with a constant penalty for changing
label: a label must be supported by several windows in a row before the path switches, so
one-window flicker never becomes a segment.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .classifier import EXERCISES


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
