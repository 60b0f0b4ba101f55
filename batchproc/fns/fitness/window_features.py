"""Window statistics of the pose embedding: what the exercise classifier sees (pure).

A posture alone does not name an exercise (standing is the top of a squat, a curl and a jack), nor
does a movement alone (elbows bend in curls, push-ups and pull-ups). A few seconds of embedding
summarised by low, middle and high percentiles of every column say both: where the body is, and
which joints travel how far. The window is long enough to hold one cycle of a slow rep.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .embedding import EMBEDDING_NAMES

PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class WindowConfig:
    window_s: float = 6.0  # holds one cycle of a slow rep (5 s push-ups) and a few of a fast one
    hop_s: float = 1.0
    min_coverage: float = 0.5  # windows with a pose on fewer of their frames say nothing
    min_visibility: float = 0.5  # landmarks seen less surely than this are guesses, not evidence


def feature_names() -> tuple[str, ...]:
    names = [f"{n}_q{q}" for n in EMBEDDING_NAMES for q in PERCENTILES]
    names += [f"{n}_range" for n in EMBEDDING_NAMES]
    return tuple(names)


FEATURE_NAMES = feature_names()


def window_centers(t0: float, t1: float, cfg: WindowConfig) -> np.ndarray:
    """Centres every ``hop_s`` from ``t0`` to ``t1`` (at least one)."""
    if t1 <= t0:
        return np.array([t0])
    return np.arange(t0, t1 + 1e-9, cfg.hop_s)


def window_features(times: np.ndarray, embedding: np.ndarray, centers: np.ndarray,
                    cfg: WindowConfig | None = None, shots: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(W, len(FEATURE_NAMES)) features and (W,) coverage for windows around ``centers``.

    A window never reaches across a scene cut: it keeps the frames of its centre's shot."""
    cfg = cfg or WindowConfig()
    times = np.asarray(times, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if len(times) == 0:
        return np.full((len(centers), len(FEATURE_NAMES)), np.nan), np.zeros(len(centers))
    centre_idx = np.clip(np.searchsorted(times, centers), 0, len(times) - 1)
    same_shot = None if shots is None else np.asarray(shots)[centre_idx]
    return interval_features(times, embedding, centers - cfg.window_s / 2, centers + cfg.window_s / 2, cfg,
                             shots, same_shot)


def interval_features(times: np.ndarray, embedding: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                      cfg: WindowConfig | None = None, shots: np.ndarray | None = None,
                      shot_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The same statistics over explicit intervals (a whole set, one rep): (W, F) and (W,) coverage.
    With ``shots`` and ``shot_of``, interval i keeps only the frames of shot ``shot_of[i]``."""
    cfg = cfg or WindowConfig()
    times = np.asarray(times, dtype=np.float64)
    emb = np.asarray(embedding, dtype=np.float64)
    d = emb.shape[1]
    starts, ends = np.atleast_1d(starts), np.atleast_1d(ends)
    feats = np.full((len(starts), len(FEATURE_NAMES)), np.nan)
    cover = np.zeros(len(starts))
    ok = np.isfinite(emb).any(axis=1)  # a frame with a pose (some columns may be unseen)
    lo = np.searchsorted(times, starts)
    hi = np.searchsorted(times, ends, side="right")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(len(starts)):
            sel = np.arange(lo[i], hi[i])
            if shots is not None and shot_of is not None and len(sel):
                sel = sel[shots[sel] == shot_of[i]]
            if len(sel) == 0:
                continue
            good = sel[ok[sel]]
            cover[i] = len(good) / len(sel)
            if len(good) < 3 or cover[i] < cfg.min_coverage:
                continue
            q = np.nanpercentile(emb[good], PERCENTILES, axis=0)  # (3, D); NaN where never seen
            feats[i, : 3 * d] = q.T.reshape(-1)
            feats[i, 3 * d:] = q[-1] - q[0]
    return feats, cover
