"""Repetition counting per segment (pure: a feature signal in, rep times out).

Each exercise moves one joint through a cycle that starts and ends in a rest position: knees
extended for squats and lunges, elbows extended for push-ups, curls and pull-ups (hanging), trunk
down for sit-ups, arms down for jumping jacks. The counter

1. takes the exercise's signal (oriented so that the rest position is low), fills short gaps and
   removes single-frame glitches;
2. estimates the movement's period by autocorrelation and smooths with a kernel scaled to it;
3. normalises the signal by its *local* range (rolling quantiles over a few periods), so sets whose
   range of motion shrinks with fatigue are still counted, while a minimum absolute amplitude per
   signal keeps noise from being counted in still stretches;
4. runs a two-threshold (hysteresis) state machine: a rep is the excursion from the rest side to the
   far side *and back*; it counts when it returns, so a rep cut off by the end of the clip does not.

Plank is a hold: no reps.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .features import fill_gaps, gaussian_smooth, median_filter

# exercise -> candidate signals: (feature name, orientation: +1 when larger values are further from
# the rest position, minimum amplitude of a real rep in the feature's units). The counter uses the
# candidate that shows the movement best in each segment (see ``signal_quality``): a joint on the
# far side of the body, a hand out of frame or a landmark the model confuses does not decide.
REP_SIGNALS: dict[str, list[tuple[str, int, float]]] = {
    "squat": [("knee_angle", -1, 30.0), ("knee_angle_l", -1, 30.0), ("knee_angle_r", -1, 30.0),
              ("hip_angle", -1, 30.0), ("hip_height", -1, 0.3)],
    "lunge": [("knee_angle", -1, 25.0), ("knee_angle_min", -1, 25.0), ("hip_angle", -1, 20.0),
              ("hip_height", -1, 0.3)],
    "pushup": [("elbow_angle", -1, 25.0), ("elbow_angle_l", -1, 25.0), ("elbow_angle_r", -1, 25.0),
               ("wrist_height", 1, 0.2)],
    "situp": [("torso_incline", -1, 25.0), ("hip_angle", -1, 30.0)],
    "jumping_jack": [("shoulder_angle", 1, 40.0), ("wrist_height", 1, 0.6), ("ankle_spread", 1, 0.3)],
    "bicep_curl": [("elbow_angle", -1, 30.0), ("elbow_angle_l", -1, 30.0), ("elbow_angle_r", -1, 30.0),
                   ("wrist_height", 1, 0.3)],
    "pullup": [("elbow_angle", -1, 25.0), ("elbow_angle_l", -1, 25.0), ("elbow_angle_r", -1, 25.0),
               ("wrist_height", -1, 0.3)],
}


@dataclass
class RepResult:
    count: int
    rep_times: list[float] = field(default_factory=list)  # completion time of each rep
    rep_starts: list[float] = field(default_factory=list)  # when each rep left the rest side
    rep_peaks: list[float] = field(default_factory=list)  # time of the far extreme of each rep
    amplitudes: list[float] = field(default_factory=list)  # range of each rep, in signal units
    period: float | None = None
    signal: str | None = None


def estimate_period(t: np.ndarray, x: np.ndarray, min_period: float = 0.4, max_period: float = 10.0,
                    rate: float = 20.0) -> float | None:
    """Dominant period (s) of a signal by autocorrelation on a uniform grid; None if not periodic."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    if ok.sum() < 8 or t[ok][-1] - t[ok][0] < 2 * min_period:
        return None
    grid = np.arange(t[ok][0], t[ok][-1], 1.0 / rate)
    y = np.interp(grid, t[ok], x[ok])
    y = y - y.mean()
    if not np.any(y):
        return None
    n = len(y)
    f = np.fft.rfft(y, 2 * n)
    ac = np.fft.irfft(f * np.conj(f))[:n]
    ac = ac / np.maximum(ac[0], 1e-12)
    # unbiased: divide by overlap length so long lags are not penalised by less overlap
    ac = ac * n / np.maximum(n - np.arange(n), 1)
    lo, hi = int(min_period * rate), min(int(max_period * rate), int(0.75 * n))
    if hi <= lo + 2:
        return None
    seg = ac[lo:hi]
    # first local maximum above 0.2 after the autocorrelation has dipped below zero
    neg = np.flatnonzero(ac[:hi] < 0)
    if len(neg) == 0:
        return None
    start = max(lo, int(neg[0]))
    seg = ac[start:hi]
    if len(seg) < 3:
        return None
    peaks = np.flatnonzero((seg[1:-1] > seg[:-2]) & (seg[1:-1] >= seg[2:]) & (seg[1:-1] > 0.2)) + 1
    if len(peaks) == 0:
        return None
    best = peaks[np.argmax(seg[peaks])]
    # prefer the first peak that is nearly as high as the best (avoid picking a multiple)
    for p in peaks:
        if seg[p] >= 0.8 * seg[best]:
            best = p
            break
    return float((start + best) / rate)


def _rolling_quantiles(t: np.ndarray, x: np.ndarray, half: float, qs=(5, 95)) -> tuple[np.ndarray, np.ndarray]:
    lo = np.searchsorted(t, t - half)
    hi = np.searchsorted(t, t + half, side="right")
    a = np.full(len(x), np.nan)
    b = np.full(len(x), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(len(x)):
            w = x[lo[i]:hi[i]]
            w = w[np.isfinite(w)]
            if len(w) >= 2:
                a[i], b[i] = np.percentile(w, qs)
    return a, b


def prepare_signal(t: np.ndarray, x: np.ndarray, sign: int = 1, period: float | None = None) -> tuple[np.ndarray, float | None]:
    """Oriented (rest side low), de-glitched, gap-filled and smoothed signal, and its period."""
    x = sign * np.asarray(x, dtype=np.float64)
    x = median_filter(fill_gaps(t, x, 1.0), 3)
    if period is None:
        period = estimate_period(t, gaussian_smooth(t, x, 0.1))
    sigma = float(np.clip(0.08 * (period or 2.0), 0.04, 0.25))
    return gaussian_smooth(t, x, sigma), period


def count_reps(t: np.ndarray, x: np.ndarray, sign: int = 1, min_amplitude: float = 0.0,
               hi_frac: float = 0.6, lo_frac: float = 0.35, min_rep_s: float = 0.35,
               period: float | None = None) -> RepResult:
    """Count full cycles of ``x`` (rest side low after orienting with ``sign``) with hysteresis at
    ``lo_frac`` / ``hi_frac`` of the local range. See the module docstring."""
    t = np.asarray(t, dtype=np.float64)
    if len(t) < 4:
        return RepResult(0)
    y, period = prepare_signal(t, x, sign, period)
    ok = np.isfinite(y)
    if ok.sum() < 4:
        return RepResult(0, period=period)
    span = (t[ok][-1] - t[ok][0])
    half = max(1.25 * (period or span), 1.5)
    half = min(half, max(span, 1.5))
    qlo, qhi = _rolling_quantiles(t, y, half)
    rng = qhi - qlo
    res = RepResult(0, period=period)
    state = "rest"
    start_t = None  # last time the signal left the rest side
    peak_t, peak_v = None, -np.inf
    base_v = np.inf  # the lowest value seen on the rest side before this excursion
    for i in np.flatnonzero(ok):
        v = y[i]
        r = rng[i]
        if not np.isfinite(r) or r <= 0:
            continue
        r_eff = max(r, min_amplitude)
        u = (v - qlo[i]) / r_eff
        if state == "rest":
            base_v = min(base_v, v)
            if u < lo_frac:
                start_t = None
            elif start_t is None:
                start_t = t[i]
            if u > hi_frac:
                state = "far"
                peak_t, peak_v = t[i], v
                if start_t is None:
                    start_t = t[i]
        else:  # far
            if v > peak_v:
                peak_t, peak_v = t[i], v
            if u < lo_frac:
                amp = peak_v - min(base_v, v)
                if amp >= min_amplitude and (t[i] - start_t) >= min_rep_s:
                    res.count += 1
                    res.rep_times.append(float(t[i]))
                    res.rep_starts.append(float(start_t))
                    res.rep_peaks.append(float(peak_t))
                    res.amplitudes.append(float(amp))
                state = "rest"
                start_t = None
                base_v = v
    return res


def signal_quality(t: np.ndarray, x: np.ndarray, sign: int, min_amplitude: float) -> tuple[float, np.ndarray, float | None]:
    """How clearly a signal shows a repeated movement: its range over its frame-to-frame noise,
    weighted by its periodicity; 0 when its range is below ``min_amplitude`` or it is mostly missing."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if np.isfinite(x).sum() < max(6, 0.6 * len(x)):
        return 0.0, x, None
    y, period = prepare_signal(t, x, sign)
    raw = sign * fill_gaps(t, x, 1.0)
    ok = np.isfinite(y) & np.isfinite(raw)
    if ok.sum() < 6:
        return 0.0, y, period
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.percentile(y[ok], [5, 95])
        resid = raw[ok] - y[ok]
        noise = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    rng = hi - lo
    if rng < min_amplitude:
        return 0.0, y, period
    snr = rng / max(noise, 0.02 * min_amplitude)
    return float(min(snr, 50.0) * (1.0 if period else 0.6)), y, period


def count_segment(exercise: str, t: np.ndarray, feats: dict[str, np.ndarray], mask: np.ndarray) -> RepResult:
    """Count the reps of ``exercise`` over the frames selected by ``mask``, on the candidate signal
    with the best quality."""
    if exercise not in REP_SIGNALS:
        return RepResult(0)
    tt = np.asarray(t, dtype=np.float64)[mask]
    best = None
    for name, sign, amp in REP_SIGNALS[exercise]:
        if name not in feats:
            continue
        vals = np.asarray(feats[name], dtype=np.float64)[mask]
        q, _, period = signal_quality(tt, vals, sign, amp)
        if q > 0 and (best is None or q > best[0]):
            best = (q, name, vals, sign, amp, period)
    if best is None:
        return RepResult(0)
    _, name, vals, sign, amp, period = best
    res = count_reps(tt, vals, sign, amp, period=period)
    res.signal = name
    return res
