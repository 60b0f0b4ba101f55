"""Content-adaptive frame selection: pure functions, change scores in, frame indices out.

How adaptive sampling works (``VideoLoader.sample_adaptive``):

1. ``probe_positions``: a grid of probe frames spread over the video, snapped to nearby keyframes
   where there are some (a keyframe decodes without decoding anything before it, so a probe grid
   over a short-GOP file costs a fraction of a full decode).
2. The loader decodes the probes as small thumbnails and ``change_scores`` measures how much the
   picture changed from one probe to the next (mean absolute difference, 0..1).
3. ``select_frames``: changes far above their neighbourhood are scene cuts, which split the video
   into segments; every segment gets a frame (weakest cuts merged first when there are more
   segments than ``max_frames``), and the rest of the budget follows the motion inside segments.
   The budget itself grows with the amount of change: ``min_frames`` for a static video,
   ``max_frames`` for a busy one.

Everything here is deterministic: the same file gives the same probes, scores and frames.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class AdaptiveParams:
    """Knobs of adaptive sampling, with the reasons for their defaults.

    probe_fps: probes per second of video before capping; 2/s resolves scenes down to half a second.
    min_probes_per_frame / max_probes_per_frame: the probe count stays within these multiples of
        ``max_frames`` (at least 4 probes per possible frame, at most 16: a 10-minute video gets 512).
    thumb_width: thumbnails are this wide (height keeps the aspect ratio); small enough that
        compression noise averages out, large enough to see a person move.
    noise_floor: score changes below this are noise (compression, sensor grain) and count for nothing.
    cut_threshold: a score at least this high (13% of the full range, on average per pixel) can be a cut ...
    cut_ratio: ... if it is also this many times the median score around it (fast motion is not a cut).
    motion_per_frame: this much accumulated motion (about one cut's worth of change) earns one more frame.
    time_weight: share of each segment's weight that follows time rather than motion, so a static
        stretch still gets frames in proportion to its length.
    """

    probe_fps: float = 2.0
    min_probes_per_frame: int = 4
    max_probes_per_frame: int = 16
    thumb_width: int = 64
    noise_floor: float = 0.01
    cut_threshold: float = 0.13
    cut_ratio: float = 3.0
    motion_per_frame: float = 0.25
    time_weight: float = 0.25


def thumb_size(width: int, height: int, thumb_width: int) -> tuple[int, int]:
    """(width, height) of a thumbnail that keeps the frame's aspect ratio."""
    if width <= 0 or height <= 0:
        return thumb_width, thumb_width
    tw = min(thumb_width, width)
    return tw, max(2, round(tw * height / width))


def probe_positions(num_frames: int, fps: float, keyframes: Sequence[int], max_frames: int,
                    params: AdaptiveParams = AdaptiveParams()) -> list[int]:
    """Frame positions to measure change at: a uniform grid, each point moved to the nearest
    keyframe when one lies within half the grid spacing. A keyframe decodes without the frames
    before it, so where the GOP is shorter than the spacing the whole pass decodes keyframes only;
    the grid stays even to within half a step."""
    if num_frames <= 0:
        return []
    duration = num_frames / fps if fps > 0 else num_frames / 30.0
    lo = params.min_probes_per_frame * max_frames
    hi = max(lo, params.max_probes_per_frame * max_frames)
    count = int(min(num_frames, max(lo, min(hi, round(params.probe_fps * duration)))))
    step = num_frames / count
    grid = [min(num_frames - 1, int((k + 0.5) * step)) for k in range(count)]
    keys = sorted(set(int(k) for k in keyframes if 0 <= k < num_frames))
    if keys:
        tol = step / 2
        snapped = []
        for g in grid:
            j = bisect.bisect_left(keys, g)
            near = min((keys[i] for i in (j - 1, j) if 0 <= i < len(keys)), key=lambda k: abs(k - g))
            snapped.append(near if abs(near - g) <= tol else g)
        grid = snapped
    return sorted(set(grid))


def change_scores(thumbs: np.ndarray) -> np.ndarray:
    """Score of each thumbnail: mean absolute difference from the previous one, 0..1 (0 for the first)."""
    if len(thumbs) == 0:
        return np.zeros(0)
    t = thumbs.astype(np.float32)
    diffs = np.abs(np.diff(t, axis=0)).reshape(len(t) - 1, -1).mean(axis=1) / 255.0
    return np.concatenate([[0.0], diffs]).astype(float)


def find_cuts(scores: np.ndarray, params: AdaptiveParams = AdaptiveParams(), window: int = 8) -> np.ndarray:
    """Boolean mask of probes that start a new scene: a high score far above its neighbourhood."""
    s = np.asarray(scores, dtype=float)
    cuts = np.zeros(len(s), dtype=bool)
    for j in range(1, len(s)):
        if s[j] < params.cut_threshold:
            continue
        around = np.concatenate([s[max(1, j - window):j], s[j + 1:j + 1 + window]])
        local = float(np.median(around)) if len(around) else 0.0
        cuts[j] = s[j] >= params.cut_ratio * local
    return cuts


def _segments(cuts: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Probe ranges [a, b) between cuts; while there are more than ``limit``, the weakest cut goes."""
    starts = [0] + [int(j) for j in np.flatnonzero(cuts)]
    while len(starts) > max(1, limit):
        weakest = min(starts[1:], key=lambda j: (scores[j], j))
        starts.remove(weakest)
    ends = starts[1:] + [len(cuts)]
    return list(zip(starts, ends))


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` integer units in proportion to ``weights`` (ties to the earlier entry)."""
    if total <= 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=int)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    raw = w * total
    out = np.floor(raw).astype(int)
    order = sorted(range(len(w)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - out.sum()]:
        out[i] += 1
    return out


@dataclass
class Selection:
    """The chosen frames, with the change score of the probe interval each one sits in."""

    indices: list[int]
    scores: list[float]
    cuts: list[int]  # probe positions that start a new scene


def select_frames(positions: Sequence[int], scores: Sequence[float], min_frames: int, max_frames: int,
                  num_frames: int, params: AdaptiveParams = AdaptiveParams()) -> Selection:
    """Choose between ``min_frames`` and ``max_frames`` frame indices where the content changes.

    ``positions`` are the probe frames (sorted), ``scores[j]`` the change from probe j-1 to j.
    Each segment between cuts keeps its frames inside its first and last probe, so a frame is
    never picked from the wrong side of a cut.
    """
    if min_frames < 1 or max_frames < min_frames:
        raise ValueError("need 1 <= min_frames <= max_frames")
    pos = np.asarray(positions, dtype=float)
    s = np.asarray(scores, dtype=float)
    if len(pos) == 0:
        return Selection([], [], [])
    cuts = find_cuts(s, params)
    motion = np.maximum(0.0, s - params.noise_floor)
    motion[cuts] = 0.0
    motion[0] = 0.0
    segs = _segments(cuts, s, max_frames)
    budget = len(segs) + int(motion.sum() / params.motion_per_frame)
    n = int(min(max(budget, min_frames), max_frames, num_frames))

    # Segment weights: motion inside it, plus a share that follows its length in frames.
    spans = np.array([pos[b - 1] - pos[a] + 1 for a, b in segs])
    seg_motion = np.array([motion[a + 1:b].sum() for a, b in segs])
    total_motion = seg_motion.sum()
    time_share = spans / spans.sum()
    weights = (1 - params.time_weight) * (seg_motion / total_motion if total_motion > 0 else time_share) \
        + params.time_weight * time_share
    extra = _largest_remainder(n - len(segs), weights) if n > len(segs) else np.zeros(len(segs), dtype=int)
    counts = np.minimum(1 + extra, spans.astype(int))

    chosen: list[int] = []
    for (a, b), k in zip(segs, counts):
        chosen.extend(_place(pos[a:b], motion[a:b], int(k), params.time_weight))
    indices = sorted(set(chosen))
    interval = np.searchsorted(pos, indices, side="left").clip(0, len(pos) - 1)
    return Selection(indices, [round(float(s[j]), 6) for j in interval], [int(pos[j]) for j in np.flatnonzero(cuts)])


def _place(pos: np.ndarray, motion: np.ndarray, k: int, time_weight: float) -> list[int]:
    """k frames inside one segment (probe positions ``pos``), at equal steps of cumulative change.

    The cumulative curve mixes motion with elapsed frames, so with no motion the frames are
    evenly spaced in time and with motion they crowd where the picture moves.
    """
    if len(pos) == 1 or k <= 0:
        return [int(pos[0])] if k > 0 else []
    steps = np.diff(pos)
    m = motion[1:]
    step_w = (1 - time_weight) * (m / m.sum() if m.sum() > 0 else steps / steps.sum()) + time_weight * steps / steps.sum()
    cum = np.concatenate([[0.0], np.cumsum(step_w)])
    cum /= cum[-1]
    q = (np.arange(k) + 0.5) / k
    frames = np.interp(q, cum, pos).round().astype(int)
    # Distinct frames: push duplicates forward inside the segment (k never exceeds its span).
    out: list[int] = []
    for f in frames:
        f = max(int(f), out[-1] + 1) if out else int(f)
        out.append(min(f, int(pos[-1])))
    return sorted(set(out))
