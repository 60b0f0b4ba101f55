"""Exercise classification per time window (pure: features in, class scores out).

Each window (a few seconds around a centre time, never crossing a scene cut) is summarised by robust
statistics of the features (10th/50th/90th percentiles, ranges). Each exercise is a conjunction of
soft conditions on those statistics, written in terms of body mechanics rather than of any clip:
a squat is an upright body whose knees flex deeply with the feet side by side; a lunge the same with
the feet split front to back; a push-up a body inclined from the vertical whose elbows flex with the
wrists below the shoulders; and so on. Soft conditions (logistic ramps) make the scores degrade
gracefully near the thresholds; the segmenter then decides with hysteresis over time.

Labels: the eight exercises, then ``rest`` (a person, not exercising) and ``other`` (nobody, or
something else moving).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .features import shot_ids

EXERCISES = ("squat", "pushup", "lunge", "jumping_jack", "plank", "situp", "bicep_curl", "pullup")
REST, OTHER = "rest", "other"
LABELS = EXERCISES + (REST, OTHER)
LABEL_INDEX = {name: i for i, name in enumerate(LABELS)}

# the statistics the rules use: (feature, percentiles)
_STAT_FEATURES = (
    "knee_angle", "knee_angle_min", "hip_angle", "hip_asym", "elbow_angle_l", "elbow_angle_r",
    "shoulder_angle", "torso_incline", "wrist_height", "wrist_height_max", "ankle_spread",
    "foot_stagger", "legs_visibility", "arms_visibility", "elbow_height",
)


def _up(x, thr, width, missing=0.0):
    """Soft 'x is above thr' in [0, 1] (0.5 at thr; ~0.88 at thr + 2 widths). ``missing`` is the
    value where x is unknown (the body part was not seen): 0 where the condition is the evidence
    for a class, a neutral value where it only rules out look-alikes."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.isfinite(x), 1.0 / (1.0 + np.exp(-(np.asarray(x, float) - thr) / width)), missing)


def _down(x, thr, width, missing=0.0):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.isfinite(x), 1.0 / (1.0 + np.exp((np.asarray(x, float) - thr) / width)), missing)


@dataclass
class WindowStats:
    centers: np.ndarray  # window centre times (s)
    coverage: np.ndarray  # share of the window's frames with a pose
    q: dict[str, np.ndarray]  # "<feature>_q10" / "_q50" / "_q90" -> (W,)
    motion: np.ndarray  # median body speed, torso lengths per second

    def __getitem__(self, key: str) -> np.ndarray:
        return self.q[key]


def body_motion(times: np.ndarray, poses: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """Per-frame speed of the body's landmarks relative to the hips, in torso lengths per second."""
    from .features import normalized_coords

    times = np.asarray(times, dtype=np.float64)
    if len(times) < 2:
        return np.zeros(len(times))
    nc = normalized_coords(poses, aspect)[:, [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]]
    d = np.linalg.norm(np.diff(nc, axis=0), axis=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sp = np.nanmedian(d, axis=1) / np.maximum(np.diff(times), 1e-3)
    return np.concatenate([[np.nan], sp])


def window_stats(times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
                 motion: np.ndarray | None = None, cuts: np.ndarray | None = None,
                 window: float = 4.0, hop: float = 0.5) -> WindowStats:
    """Robust statistics of the features in windows of ``window`` s every ``hop`` s."""
    times = np.asarray(times, dtype=np.float64)
    detected = np.asarray(detected, dtype=bool)
    if len(times) == 0:
        return WindowStats(np.zeros(0), np.zeros(0), {}, np.zeros(0))
    t_end = times[-1]
    centers = np.arange(0.0, t_end + 1e-9, hop) if t_end > 0 else np.array([0.0])
    names = [n for n in _STAT_FEATURES if n in feats]
    m = np.stack([np.where(detected, np.asarray(feats[n], dtype=np.float64), np.nan) for n in names], axis=1)
    mo = np.where(detected, motion, np.nan) if motion is not None else np.full(len(times), np.nan)
    shots = shot_ids(times, cuts)
    center_shots = shot_ids(centers, cuts)
    qs = np.full((len(centers), 3, len(names)), np.nan)
    valid = np.zeros((len(centers), len(names)))
    cov = np.zeros(len(centers))
    mot = np.full(len(centers), np.nan)
    lo = np.searchsorted(times, centers - window / 2)
    hi = np.searchsorted(times, centers + window / 2, side="right")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for w in range(len(centers)):
            sl = slice(lo[w], hi[w])
            same = shots[sl] == center_shots[w]
            if not same.any():
                continue
            det = detected[sl][same]
            cov[w] = det.mean()
            if det.sum() < 3:
                continue
            block = m[sl][same]
            valid[w] = np.isfinite(block).mean(axis=0)
            # a statistic over a handful of samples is noise: needs a third of the window
            qs[w] = np.where(valid[w] >= 1 / 3, np.nanpercentile(block, [10, 50, 90], axis=0), np.nan)
            mot[w] = np.nanmedian(mo[sl][same])
    q: dict[str, np.ndarray] = {}
    for j, n in enumerate(names):
        q[f"{n}_q10"], q[f"{n}_q50"], q[f"{n}_q90"] = qs[:, 0, j], qs[:, 1, j], qs[:, 2, j]
        q[f"{n}_rng"] = qs[:, 2, j] - qs[:, 0, j]
        q[f"{n}_valid"] = valid[:, j]
    return WindowStats(centers, cov, q, mot)


def exercise_scores(ws: WindowStats) -> np.ndarray:
    """(W, len(LABELS)) scores in [0, 1] for each window and label."""
    q = ws.q
    n = len(ws.centers)
    out = np.zeros((n, len(LABELS)))
    if n == 0 or not q:
        return out
    incl = q["torso_incline_q50"]
    upright = _down(incl, 40, 7)
    knee_move = (_up(q["knee_angle_rng"], 35, 7) * _down(q["knee_angle_q10"], 125, 8)
                 * _up(q["knee_angle_valid"], 0.6, 0.08))
    legs_seen = _up(q["legs_visibility_q50"], 0.5, 0.08)
    stagger = np.fmax(_up(q["foot_stagger_q90"], 0.7, 0.1), _up(q["hip_asym_q90"], 32, 5))
    elbow_rng = np.fmax(q["elbow_angle_l_rng"], q["elbow_angle_r_rng"])
    elbow_move = _up(elbow_rng, 35, 7)
    arms_still = _down(elbow_rng, 25, 6, missing=0.5)
    wrist_lo, wrist_hi = q["wrist_height_q10"], q["wrist_height_q90"]
    still = _down(ws.motion, 0.35, 0.1, missing=0.5)

    squat = upright * knee_move * (1 - stagger) * legs_seen
    lunge = upright * knee_move * stagger * legs_seen
    # push-up: trunk tilted from vertical (incline push-ups included), elbows working, hands below
    # the shoulders, legs straight, no sit-up-like swing of the trunk
    pushing = np.fmax(elbow_move, _up(q["wrist_height_rng"], 0.25, 0.05))
    pushup = (_up(incl, 22, 4) * pushing * _down(wrist_hi, 0.25, 0.12)
              * _up(q["knee_angle_q50"], 135, 8, missing=0.7) * _down(q["torso_incline_rng"], 35, 6))
    plank = (_up(incl, 60, 6) * arms_still * _down(q["torso_incline_rng"], 12, 4)
             * _up(q["hip_angle_q50"], 145, 8, missing=0.6) * _up(q["knee_angle_q50"], 135, 8, missing=0.6) * still)
    situp = (_up(q["torso_incline_rng"], 35, 7) * _up(q["torso_incline_q90"], 55, 7)
             * _down(q["knee_angle_q50"], 135, 8, missing=0.5))
    # jumping jack: arms swing from the sides (wrists well below the shoulders) to overhead
    jack = (upright * _up(q["shoulder_angle_rng"], 60, 10) * _up(q["wrist_height_rng"], 0.8, 0.15)
            * _down(wrist_lo, -0.3, 0.12) * _down(q["knee_angle_rng"], 45, 8, missing=0.8))
    curl = (_down(incl, 45, 7) * elbow_move * _down(q["shoulder_angle_q90"], 65, 8, missing=0.5)
            * _down(wrist_hi, 0.3, 0.12) * _down(q["knee_angle_rng"], 35, 8, missing=0.8))
    # pull-up: hands above the head the whole time (on the bar), elbows working
    pullup = _up(wrist_hi, 0.7, 0.12) * _up(wrist_lo, -0.15, 0.1) * elbow_move
    for name, s in (("squat", squat), ("pushup", pushup), ("lunge", lunge), ("jumping_jack", jack),
                    ("plank", plank), ("situp", situp), ("bicep_curl", curl), ("pullup", pullup)):
        out[:, LABEL_INDEX[name]] = s
    present = np.clip(ws.coverage, 0, 1)
    out[:, :len(EXERCISES)] *= present[:, None] ** 0.5
    best = out[:, :len(EXERCISES)].max(axis=1)
    # not exercising: a visible, fairly still person is resting; nobody or unexplained motion is other
    out[:, LABEL_INDEX[REST]] = present * (1 - best) * np.fmax(still, 0.3) * 0.6
    out[:, LABEL_INDEX[OTHER]] = np.fmax(1 - present, 0.15) * (1 - best) * 0.6
    return np.nan_to_num(out)


def classify_windows(times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
                     motion: np.ndarray | None = None, cuts: np.ndarray | None = None,
                     window: float = 4.0, hop: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Window centres and their (W, len(LABELS)) scores."""
    ws = window_stats(times, feats, detected, motion, cuts, window, hop)
    return ws.centers, exercise_scores(ws)
