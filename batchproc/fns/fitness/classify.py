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
    "shoulder_angle", "torso_incline", "trunk_lying", "wrist_height", "wrist_height_max", "ankle_spread",
    "foot_stagger", "legs_visibility", "arms_visibility", "elbow_height", "hip_height",
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
    cycles: dict[str, np.ndarray] | None = None  # full movement cycles seen in the window, per signal

    def __getitem__(self, key: str) -> np.ndarray:
        return self.q[key]


_CYCLE_FEATURES = ("wrist_height", "shoulder_angle")
_CYCLE_GATE = {"wrist_height": 0.4, "shoulder_angle": 30.0}


def half_cycles(x: np.ndarray, band: float = 0.25) -> int:
    """How many times a signal swings across its midline (with hysteresis at ``band`` of its range):
    one full cycle of a movement is two swings; a single transition from one posture to another is
    one."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 4:
        return 0
    lo, hi = np.percentile(x, [5, 95])
    if hi - lo <= 0:
        return 0
    mid, b = (lo + hi) / 2, band * (hi - lo)
    state, n = 0, 0
    for v in x:
        if v > mid + b and state != 1:
            n += state == -1
            state = 1
        elif v < mid - b and state != -1:
            n += state == 1
            state = -1
    return n


def body_motion(times: np.ndarray, poses: np.ndarray, aspect: float = 1.0,
                baselines: tuple[float, ...] = (0.25, 0.5)) -> np.ndarray:
    """Per-frame speed of the limbs relative to the hips, in body lengths per second, measured over
    a fraction of a second (so that frame-to-frame landmark jitter, which grows with the sampling
    rate, does not pass for movement); the larger of two baselines, so that a movement whose period
    equals one baseline (2 Hz jacks over 0.5 s) is not taken for stillness."""
    from .features import normalized_coords

    times = np.asarray(times, dtype=np.float64)
    if len(times) < 2:
        return np.full(len(times), np.nan)
    nc = normalized_coords(poses, aspect)[:, [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(np.stack([_speed(times, nc, b) for b in baselines]), axis=0)


def _speed(times: np.ndarray, nc: np.ndarray, baseline: float) -> np.ndarray:
    out = np.full(len(times), np.nan)
    prev = np.searchsorted(times, times - baseline, side="right") - 1
    ok = prev >= 0
    i = np.flatnonzero(ok)
    j = prev[ok]
    dt = times[i] - times[j]
    good = dt >= 0.6 * baseline
    i, j, dt = i[good], j[good], dt[good]
    d = np.linalg.norm(nc[i] - nc[j], axis=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out[i] = np.nanmedian(d, axis=1) / dt
    return out


def window_stats(times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
                 motion: np.ndarray | None = None, cuts: np.ndarray | None = None,
                 window: float = 4.0, hop: float = 0.5, offset: float = 0.0) -> WindowStats:
    """Robust statistics of the features in windows of ``window`` s every ``hop`` s (each window
    centred ``offset`` s after its time; the statistics stay with the time)."""
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
    mid = centers + offset
    qs = np.full((len(centers), 3, len(names)), np.nan)
    valid = np.zeros((len(centers), len(names)))
    cov = np.zeros(len(centers))
    mot = np.full(len(centers), np.nan)
    cyc = {n: np.zeros(len(centers)) for n in _CYCLE_FEATURES if n in feats}
    cyc_src = {n: np.where(detected, np.asarray(feats[n], dtype=np.float64), np.nan) for n in cyc}
    lo = np.searchsorted(times, mid - window / 2)
    hi = np.searchsorted(times, mid + window / 2, side="right")
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
            for n in cyc:
                j = names.index(n) if n in names else None
                # only where the arms swing enough for a jack to be possible (the count is a loop)
                if j is None or not (qs[w, 2, j] - qs[w, 0, j] > _CYCLE_GATE[n]):
                    continue
                cyc[n][w] = half_cycles(cyc_src[n][sl][same]) / 2.0
    q: dict[str, np.ndarray] = {}
    for j, n in enumerate(names):
        q[f"{n}_q10"], q[f"{n}_q50"], q[f"{n}_q90"] = qs[:, 0, j], qs[:, 1, j], qs[:, 2, j]
        q[f"{n}_rng"] = qs[:, 2, j] - qs[:, 0, j]
        q[f"{n}_valid"] = valid[:, j]
    return WindowStats(centers, cov, q, mot, cyc)


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
    still = _down(ws.motion, 0.15, 0.04, missing=0.5)

    # squat and lunge: an upright body whose knees bend deeply while the hips stay off the floor (bent
    # knees next to a lying trunk are a sit-up or getting up, not a squat); feet side by side or split
    hips_up = _up(q["hip_height_q10"], 0.2, 0.05, missing=0.7)
    squat = upright * knee_move * (1 - stagger) * legs_seen * hips_up
    lunge = upright * knee_move * stagger * legs_seen * hips_up
    # push-up: trunk tilted from vertical (incline push-ups included), elbows working, hands below
    # the shoulders, legs straight, no sit-up-like swing of the trunk
    pushing = np.fmax(elbow_move, _up(q["wrist_height_rng"], 0.25, 0.05))
    lying = q["trunk_lying_q50"]
    pushup = (_up(lying, 22, 4) * pushing * _down(wrist_hi, 0.25, 0.12)
              * _up(q["knee_angle_q50"], 135, 8, missing=0.7) * _down(q["torso_incline_rng"], 35, 6)
              * _up(q["hip_angle_q50"], 150, 5, missing=0.7))
    plank = (_up(lying, 60, 6) * arms_still * _down(q["trunk_lying_rng"], 12, 4)
             * _up(q["hip_angle_q50"], 145, 8, missing=0.6) * _up(q["knee_angle_q50"], 135, 8, missing=0.6) * still)
    # sit-up: the trunk swings between lying and sitting while the hips stay on the floor, level with
    # the feet (a squat seen head-on can foreshorten the trunk the same way, but its hips rise)
    situp = (_up(q["trunk_lying_rng"], 35, 7) * _up(q["trunk_lying_q90"], 55, 7)
             * _down(q["knee_angle_q50"], 135, 8, missing=0.5) * _down(q["hip_height_q50"], 0.5, 0.1, missing=0.6))
    # jumping jack: arms swing from the sides (wrists well below the shoulders) to overhead and back,
    # at least once within the window (reaching up once to grab a bar is not a jack)
    arm_cycles = np.fmax(ws.cycles.get("wrist_height", 0.0), ws.cycles.get("shoulder_angle", 0.0)) if ws.cycles else 1.0
    jack = (upright * _up(q["shoulder_angle_rng"], 60, 10) * _up(q["wrist_height_rng"], 0.8, 0.15)
            * _down(wrist_lo, -0.3, 0.12) * _down(q["knee_angle_rng"], 45, 8, missing=0.8)
            * _up(arm_cycles, 0.75, 0.1))
    curl = (_down(incl, 45, 7) * elbow_move * _down(q["shoulder_angle_q90"], 65, 8, missing=0.5)
            * _down(wrist_hi, 0.3, 0.12) * _down(q["knee_angle_rng"], 35, 8, missing=0.8))
    # pull-up: hands above the head the whole time (on the bar), elbows working, body hanging with the
    # feet below the hips (not lying with the arms stretched overhead)
    pullup = (_up(wrist_hi, 0.7, 0.12) * _up(wrist_lo, -0.15, 0.1) * elbow_move * _down(incl, 60, 8, missing=0.5)
              * _up(q["hip_height_q50"], 0.6, 0.15, missing=0.8))
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


def score_interval(times: np.ndarray, feats: dict[str, np.ndarray], detected: np.ndarray,
                   motion: np.ndarray | None, start: float, end: float) -> np.ndarray:
    """Label scores for one stretch of time (one rep, say), judged on its own frames only."""
    times = np.asarray(times, dtype=np.float64)
    m = (times >= start) & (times <= end)
    if m.sum() < 3:
        return np.zeros(len(LABELS))
    sub = {k: np.asarray(v)[m] for k, v in feats.items()}
    mo = None if motion is None else np.asarray(motion)[m]
    t = times[m] - start
    ws = window_stats(t, sub, np.asarray(detected)[m], mo, None, window=max(end - start, 0.5) + 1e-6,
                      hop=max(end - start, 0.5) + 1.0, offset=(end - start) / 2)
    return exercise_scores(ws)[0]
