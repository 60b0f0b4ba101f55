"""Fatigue: per-rep measurements in, an early-versus-late judgement out (pure).

Per rep: range of motion (the counting signal's excursion), tempo (seconds per rep) and stability
(how much the trunk sways during the rep, in torso lengths, after removing the slow movement).
The first and last thirds of the set are compared: less range, slower reps and more sway late in
the set are the classic signs of fatigue, and so are pauses that break the set up. ``fatigue_score``
in [0, 1] weighs them (range 0.4, tempo 0.3, stability 0.15, pauses 0.15), each saturating at a
change that coaches would call large (30 % less range, 40 % slower, twice the sway, 3 pauses). Consistency of a group of reps is 1 minus the mean coefficient
of variation of range and tempo, clipped to [0, 1]. A plank is judged on its hold: hip sag and sway
in its second half against its first.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .features import gaussian_smooth
from .reps import RepResult

MIN_REPS = 4  # fewer reps than this: too few to compare early and late


def _cv(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 2 or abs(x.mean()) < 1e-9:
        return 0.0
    return float(x.std() / abs(x.mean()))


def consistency(amplitudes: np.ndarray, durations: np.ndarray) -> float:
    return float(np.clip(1.0 - 0.5 * (_cv(amplitudes) + _cv(durations)), 0.0, 1.0))


def sway(t: np.ndarray, y: np.ndarray) -> float:
    """High-frequency wobble of a position signal: RMS of what a 0.5 s smoothing removes."""
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y)
    if ok.sum() < 4:
        return float("nan")
    smooth = gaussian_smooth(t[ok], y[ok], 0.5)
    return float(np.sqrt(np.mean((y[ok] - smooth) ** 2)))


def rep_stability(t: np.ndarray, trunk_y: np.ndarray, rep: RepResult) -> np.ndarray:
    out = []
    for a, b in zip(rep.rep_starts, rep.rep_times):
        m = (t >= a) & (t <= b)
        out.append(sway(t[m], trunk_y[m]) if m.sum() >= 4 else np.nan)
    return np.asarray(out, dtype=np.float64)


def _rel(late: float, early: float) -> float:
    if not np.isfinite(late) or not np.isfinite(early) or abs(early) < 1e-9:
        return 0.0
    return float((late - early) / abs(early))


def fatigue_analysis(rep: RepResult, t: np.ndarray | None = None, trunk_y: np.ndarray | None = None) -> dict[str, Any]:
    """Fatigue of one set from its counted reps (and the trunk height signal for stability)."""
    n = rep.count
    amps = np.asarray(rep.amplitudes, dtype=np.float64)
    durs = np.asarray(rep.rep_times, dtype=np.float64) - np.asarray(rep.rep_starts, dtype=np.float64)
    if t is not None and trunk_y is not None and n:
        stab = rep_stability(np.asarray(t, float), np.asarray(trunk_y, float), rep)
    else:
        stab = np.full(n, np.nan)
    per_rep = [{"range": round(float(a), 3), "duration": round(float(d), 3),
                "sway": (round(float(s), 4) if np.isfinite(s) else None)} for a, d, s in zip(amps, durs, stab)]
    if n < MIN_REPS:
        return {
            "fatigue_score": 0.0,
            "indicators": [f"too few reps ({n}) to compare early and late reps"] if n else [],
            "early_consistency": consistency(amps, durs) if n >= 2 else None,
            "late_consistency": None,
            "per_rep": per_rep,
        }
    k = max(2, n // 3)
    e, l = slice(0, k), slice(n - k, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        range_drop = -_rel(float(np.mean(amps[l])), float(np.mean(amps[e])))
        slow = _rel(float(np.mean(durs[l])), float(np.mean(durs[e])))
        st_e, st_l = float(np.nanmean(stab[e])), float(np.nanmean(stab[l]))
    sway_up = _rel(st_l, st_e) if np.isfinite(st_e) and np.isfinite(st_l) else 0.0
    c_range = float(np.clip(range_drop / 0.30, 0, 1))
    c_tempo = float(np.clip(slow / 0.40, 0, 1))
    c_stab = float(np.clip(sway_up / 1.0, 0, 1))
    # pauses that break the set up (a gap between reps well beyond the set's rhythm)
    gaps = np.diff(np.asarray(rep.rep_times, dtype=np.float64))
    med_gap = float(np.median(gaps)) if len(gaps) else 0.0
    pauses = gaps[gaps > max(2.5 * med_gap, med_gap + 1.5)] if len(gaps) else gaps
    c_pause = float(np.clip(len(pauses) / 3.0, 0, 1))
    score = float(np.clip(0.4 * c_range + 0.3 * c_tempo + 0.15 * c_stab + 0.15 * c_pause, 0, 1))
    ind: list[str] = []
    if range_drop >= 0.10:
        ind.append(f"range of motion fell by {range_drop:.0%} from the first to the last reps")
    if slow >= 0.15:
        ind.append(f"reps slowed down: {np.mean(durs[e]):.1f} s -> {np.mean(durs[l]):.1f} s per rep")
    if sway_up >= 0.5:
        ind.append(f"the trunk sways more late in the set (+{sway_up:.0%})")
    if len(pauses):
        ind.append(f"the set was broken up by {len(pauses)} pause{'s' if len(pauses) > 1 else ''} "
                   f"(longest {pauses.max():.1f} s between reps)")
    if not ind:
        ind.append("no sign of fatigue: range, tempo and stability held steady")
    return {
        "fatigue_score": round(score, 3),
        "indicators": ind,
        "early_consistency": round(consistency(amps[e], durs[e]), 3),
        "late_consistency": round(consistency(amps[l], durs[l]), 3),
        "per_rep": per_rep,
        "components": {"range_drop": round(range_drop, 3), "tempo_change": round(slow, 3),
                       "sway_change": round(sway_up, 3), "pauses": int(len(pauses))},
    }


def hold_fatigue(t: np.ndarray, hip_angle: np.ndarray, trunk_y: np.ndarray) -> dict[str, Any]:
    """Fatigue of a hold (plank): hip sag (hip angle drops) and sway, second half against the first."""
    t = np.asarray(t, dtype=np.float64)
    if len(t) < 8:
        return {"fatigue_score": 0.0, "indicators": ["hold too short to judge"], "early_consistency": None,
                "late_consistency": None}
    mid = t[0] + (t[-1] - t[0]) / 2
    e, l = t < mid, t >= mid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sag = float(np.nanmedian(hip_angle[e]) - np.nanmedian(hip_angle[l]))  # degrees lost
        se, sl = sway(t[e], trunk_y[e]), sway(t[l], trunk_y[l])
        he, hl = float(np.nanstd(hip_angle[e])), float(np.nanstd(hip_angle[l]))
    sway_up = _rel(sl, se) if np.isfinite(se) and np.isfinite(sl) else 0.0
    sag = sag if np.isfinite(sag) else 0.0
    score = float(np.clip(0.6 * np.clip(sag / 15.0, 0, 1) + 0.4 * np.clip(sway_up / 1.0, 0, 1), 0, 1))
    ind = []
    if sag >= 5:
        ind.append(f"hips sag: hip angle {sag:.0f} degrees lower in the second half")
    if sway_up >= 0.5:
        ind.append(f"more trembling late in the hold (+{sway_up:.0%})")
    if not ind:
        ind.append("steady hold: no sag or extra sway")

    def cons(s):
        return float(np.clip(1.0 - s / 10.0, 0, 1)) if np.isfinite(s) else None

    return {"fatigue_score": round(score, 3), "indicators": ind,
            "early_consistency": cons(he), "late_consistency": cons(hl)}
