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

@dataclass
class RepResult:
    count: int
    rep_times: list[float] = field(default_factory=list)  # completion time of each rep
    rep_starts: list[float] = field(default_factory=list)  # when each rep left the rest side
    rep_peaks: list[float] = field(default_factory=list)  # time of the far extreme of each rep
    amplitudes: list[float] = field(default_factory=list)  # range of each rep, in signal units
    period: float | None = None
    signal: str | None = None

    def subset(self, keep: list[int], start_floor: float = -np.inf) -> "RepResult":
        """The reps at indices ``keep`` (their starts no earlier than ``start_floor``)."""
        return RepResult(len(keep), [self.rep_times[k] for k in keep],
                         [max(start_floor, self.rep_starts[k]) for k in keep], [self.rep_peaks[k] for k in keep],
                         [self.amplitudes[k] for k in keep], self.period, self.signal)

    def joined(self, other: "RepResult") -> "RepResult":
        """These reps followed by ``other``'s."""
        return RepResult(self.count + other.count, self.rep_times + other.rep_times,
                         self.rep_starts + other.rep_starts, self.rep_peaks + other.rep_peaks,
                         self.amplitudes + other.amplitudes, self.period or other.period, self.signal or other.signal)


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
    # peaks of the autocorrelation that stand out from the dip before them (a set padded with rest
    # has a slow component that keeps the whole curve above zero, so "after the first zero" fails)
    k = np.arange(max(lo, 1), hi - 1)
    is_max = (ac[k] > ac[k - 1]) & (ac[k] >= ac[k + 1]) & (ac[k] > 0.2)
    dips = np.minimum.accumulate(ac[:hi])
    peaks = [int(i) for i in k[is_max] if ac[i] - dips[i] >= 0.25]
    if not peaks:
        return None
    best = max(peaks, key=lambda i: ac[i])
    # the first peak nearly as high as the best (not a multiple of the period)
    first = next(i for i in peaks if ac[i] >= 0.5 * ac[best])
    return float(first / rate)


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
    """Oriented (rest side low), gap-filled, de-glitched and smoothed signal, and its period.

    The smoothing scales with the movement's period (6 % of it, at most 0.12 s); the 3-sample
    median that removes single-frame landmark glitches is used only with 10 or more samples per
    cycle, since with fewer it would clip the turning points of fast movements."""
    t = np.asarray(t, dtype=np.float64)
    x = fill_gaps(t, sign * np.asarray(x, dtype=np.float64), 1.0)
    if period is None:
        period = estimate_period(t, x)
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.1
    if period is not None and period / max(dt, 1e-6) >= 10:
        x = median_filter(x, 3)
    sigma = float(np.clip(0.06 * period, 0.03, 0.12)) if period else 0.5 * dt
    return gaussian_smooth(t, x, sigma), period


def count_reps(t: np.ndarray, x: np.ndarray, sign: int = 1, min_amplitude: float = 0.0,
               hi_frac: float = 0.6, lo_frac: float = 0.35, min_rep_s: float = 0.2,
               period: float | None = None, min_rel_amplitude: float = 0.4,
               open_start: bool = True) -> RepResult:
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
    half = max(2.0 * (period or span), 3.0)
    half = min(half, max(span, 1.5))
    qlo, qhi = _rolling_quantiles(t, y, half)
    rng = qhi - qlo
    res = RepResult(0, period=period)
    # A segment that opens on the far side inside a session comes out of a transition (getting up from
    # the floor passes through a squat-like stance): that half cycle is not a rep. At the very start
    # of a video (``open_start``) it is the clip's first rep, caught mid-way: it counts.
    first = np.flatnonzero(ok & np.isfinite(rng) & (rng > 0))
    state = "rest"
    if not open_start and len(first) and (y[first[0]] - qlo[first[0]]) / max(rng[first[0]], min_amplitude) > hi_frac:
        state = "skip"
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
        if state == "skip":
            if u < lo_frac:
                state = "rest"
                base_v = v
            continue
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
    # a rep is a movement like the others in the set: excursions far smaller than the set's typical
    # rep (a shuffle during a pause) are not reps
    # nor are excursions over in a fraction of the set's typical rep time (a landmark glitch while
    # the limb is hidden, which is brief and sharp)
    if res.count >= 3 and min_rel_amplitude > 0:
        typical = float(np.median(res.amplitudes))
        durs = np.asarray(res.rep_times) - np.asarray(res.rep_starts)
        typical_d = float(np.median(durs))
        keep = [i for i, a in enumerate(res.amplitudes)
                if a >= min_rel_amplitude * typical and durs[i] >= 0.25 * typical_d]
        if len(keep) < res.count:
            res.rep_times = [res.rep_times[i] for i in keep]
            res.rep_starts = [res.rep_starts[i] for i in keep]
            res.rep_peaks = [res.rep_peaks[i] for i in keep]
            res.amplitudes = [res.amplitudes[i] for i in keep]
            res.count = len(keep)
    return res
