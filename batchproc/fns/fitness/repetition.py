"""Class-agnostic repetition detection: a pose embedding in, stretches of repeated movement and their
complete cycles out (pure; no exercise names involved).

Why: counting must not hinge on naming. A squat, a curl or a dance step repeated ten times all show
the same thing in the embedding: a trajectory that comes back to where it was, once per period. So

1. the embedding is resampled to a uniform grid (short gaps interpolated, long ones left empty);
2. windows at several scales slide over it; in each, the multi-dimensional autocorrelation says
   whether the movement repeats (the height of its best peak, the *periodicity*) and with what
   period; a window is repetitive when it repeats clearly and moves enough to be a movement;
3. repetitive windows join into stretches (split at scene cuts and at gaps in the pose);
4. in each stretch the movement is reduced to one signal, its first principal component, oriented so
   that the rest position is low: the rest position of a repetition is its more extended end
   (standing up, arms straight, lying back), which is a fact of anatomy, not of any one exercise;
5. complete cycles are counted with hysteresis against the local range (``reps.count_reps``), with
   the period from step 2: a cycle counts when it returns to rest, so a cycle cut off by the end of
   the clip or by a cut does not.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .embedding import EXTENSION_COLUMNS
from .reps import RepResult, count_reps


# a frame whose posture lies off the movement's line by more than this many times what the set itself
# shows (95th percentile), plus a floor for sets that track their line closely, is not in the set
OFF_AXIS_FACTOR = 2.0
OFF_AXIS_FLOOR = 0.2
# a repetitive window vouches for this many periods either side of its centre: the cycle it is in
# and the half cycle beyond, so the first and last reps of a set are inside the stretch
EDGE_PERIODS = 2.0
# the longest lag searched, as a share of the window: two cycles that fill a window exactly (two reps
# in a short clip) put the period at half the window, and their edges are rarely exact
MAX_LAG_SHARE = 0.6


@dataclass(frozen=True)
class RepetitionConfig:
    """Parameters of the detector, each with the reason for its value."""

    grid_hz: float = 10.0  # resampling rate: above the 6-15 fps pose is sampled at
    max_gap_s: float = 1.0  # a pose lost for longer than this is not interpolated through
    min_period_s: float = 0.5  # faster than ~2 Hz no human exercise repeats with full range
    max_period_s: float = 8.0  # slower than this, a "repetition" is two separate movements
    window_s: tuple[float, ...] = (5.0, 10.0, 20.0)  # scales: each must hold two cycles of its periods
    hop_s: float = 0.5
    min_periodicity: float = 0.35  # autocorrelation peak height that reads as "comes back to itself"
    min_amplitude: float = 0.3  # range of the main component: ~27 degrees of a joint, or 0.3 torso
    min_coverage: float = 0.7  # share of a window with a pose
    min_cycles: int = 2  # a stretch must hold this many cycles of its own period
    max_pause_s: float = 3.0  # a pause between reps shorter than this does not end the stretch
    # a lone cycle (a clip of one rep) has no period to confirm it, so it must be large: a joint
    # through ~55 degrees and back, or the body down and up by 0.6 torso lengths
    min_single_amplitude: float = 0.6
    min_single_s: float = 1.5  # a still stretch shorter than this holds no lone cycle worth a look


@dataclass
class Stretch:
    """A stretch of repeated movement and its counted cycles."""

    start: float
    end: float
    period: float
    periodicity: float
    reps: RepResult
    opens: bool = False  # starts where the person is first seen: a rep under way there counts
    signal: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # oriented main component
    signal_times: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


def resample(times: np.ndarray, x: np.ndarray, hz: float, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(T,) grid times and (T, D) values; rows NaN where no pose lies within ``max_gap_s`` around."""
    times = np.asarray(times, dtype=np.float64)
    ok = np.isfinite(x).all(axis=1)
    if ok.sum() < 2:
        return np.zeros(0), np.zeros((0, x.shape[1]))
    t_ok = times[ok]
    grid = np.arange(t_ok[0], t_ok[-1] + 1e-9, 1.0 / hz)
    out = np.stack([np.interp(grid, t_ok, x[ok, d]) for d in range(x.shape[1])], axis=1)
    nxt = np.clip(np.searchsorted(t_ok, grid), 0, len(t_ok) - 1)
    prv = np.clip(nxt - 1, 0, len(t_ok) - 1)
    span = np.where(np.abs(t_ok[nxt] - grid) < 1e-9, 0.0, t_ok[nxt] - t_ok[prv])
    out[span > max_gap_s] = np.nan
    return grid, out


def periodicity(x: np.ndarray, hz: float, min_period: float, max_period: float) -> tuple[float, float]:
    """(peak height, period s) of the multi-dimensional autocorrelation of a window (T, D).

    The autocorrelation is summed over dimensions and normalised by lag overlap, so a window that
    repeats with period P has a peak near 1 at lag P; noise and one-off movements stay low."""
    x = x - x.mean(axis=0)
    n = len(x)
    energy = float((x * x).sum())
    if n < 8 or energy <= 1e-12:
        return 0.0, float("nan")
    f = np.fft.rfft(x, 2 * n, axis=0)
    ac = np.fft.irfft((f * np.conj(f)).real, axis=0)[:n].sum(axis=1)
    ac = ac / energy * n / np.maximum(n - np.arange(n), 1)
    lo = max(int(min_period * hz), 2)
    hi = min(int(max_period * hz), int(MAX_LAG_SHARE * n))
    if hi <= lo + 1:
        return 0.0, float("nan")
    k = np.arange(lo, hi)
    is_max = (ac[k] >= ac[k - 1]) & (ac[k] >= ac[k + 1])
    if not is_max.any():
        return 0.0, float("nan")
    cands = k[is_max]
    best = cands[np.argmax(ac[cands])]
    if ac[best] <= 0:
        return 0.0, float("nan")
    # the shortest lag nearly as good as the best (the best can be a multiple of the period)
    first = next(int(i) for i in cands if ac[i] >= 0.85 * ac[best])
    # the dip before the peak must be real: a slow drift keeps the whole curve high
    dip = float(ac[: first + 1].min())
    return float(min(ac[first], ac[first] - dip)), float(first / hz)


def _main_range(x: np.ndarray) -> float:
    """Range (5th to 95th percentile) of the window's projection on its first principal component."""
    xc = x - x.mean(axis=0)
    try:
        _, _, vt = np.linalg.svd(xc, full_matrices=False)
    except np.linalg.LinAlgError:
        return 0.0
    pc = xc @ vt[0]
    lo, hi = np.percentile(pc, [5, 95])
    return float(hi - lo)


def repetitive_windows(grid: np.ndarray, x: np.ndarray, cfg: RepetitionConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per window centre (every ``hop_s``): centre time, periodicity, period and main range.

    The smallest scale that finds clear repetition wins at each centre (it places the repetition
    best in time); where no scale does, the best score is kept for the record."""
    if len(grid) == 0:
        z = np.zeros(0)
        return z, z, z, z
    centers = np.arange(grid[0], grid[-1] + 1e-9, cfg.hop_s)
    score = np.zeros(len(centers))
    period = np.full(len(centers), np.nan)
    rng = np.zeros(len(centers))
    settled = np.zeros(len(centers), dtype=bool)
    ok = np.isfinite(x).all(axis=1)
    length = grid[-1] - grid[0]
    # a shot shorter than the largest scale is also seen whole (a short clip of two reps)
    scales = sorted({*cfg.window_s, length} if length < max(cfg.window_s) else set(cfg.window_s))
    for w in scales:
        if w > length + 1.0 / cfg.grid_hz:
            continue
        half = int(round(w * cfg.grid_hz / 2))
        max_p = min(cfg.max_period_s, MAX_LAG_SHARE * w)
        for i, c in enumerate(centers):
            if settled[i]:
                continue
            j = int(round((c - grid[0]) * cfg.grid_hz))
            a, b = max(0, j - half), min(len(grid), j + half)
            if b - a < 0.8 * 2 * half or ok[a:b].mean() < cfg.min_coverage:
                continue
            seg = x[a:b][ok[a:b]]
            s, p = periodicity(seg, cfg.grid_hz, cfg.min_period_s, max_p)
            r = _main_range(seg) if s > 0 else 0.0
            if s >= cfg.min_periodicity and r >= cfg.min_amplitude:
                score[i], period[i], rng[i], settled[i] = s, p, r, True
            elif s > score[i]:
                score[i], period[i], rng[i] = s, p, r
    return centers, score, period, rng


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(mask)))
    return out


def orient(signal: np.ndarray, extension: np.ndarray) -> np.ndarray:
    """The signal with its rest side low: rest is the more extended end (see the module docstring);
    where extension does not follow the signal, the side the stretch starts on."""
    ok = np.isfinite(signal) & np.isfinite(extension)
    if ok.sum() >= 4 and np.std(signal[ok]) > 0 and np.std(extension[ok]) > 0:
        c = float(np.corrcoef(signal[ok], extension[ok])[0, 1])
        if abs(c) >= 0.2:
            return -signal if c > 0 else signal
    first = signal[np.isfinite(signal)][:5]
    if len(first) and np.nanmedian(first) > np.nanmedian(signal):
        return -signal
    return signal


def detect_repetitions(times: np.ndarray, embedding: np.ndarray, shots: np.ndarray | None = None,
                       cfg: RepetitionConfig | None = None, open_start_before: float = 0.5) -> list[Stretch]:
    """Stretches of repeated movement, each with its complete cycles, in time order.

    ``shots`` gives a shot id per frame (a scene cut changes the view, and an edit joins two takes):
    no stretch crosses a cut. A stretch that starts within ``open_start_before`` s of the first
    frame of its shot may open mid-rep (that rep counts when it completes; see ``count_reps``).
    """
    cfg = cfg or RepetitionConfig()
    times = np.asarray(times, dtype=np.float64)
    emb = np.asarray(embedding, dtype=np.float64)
    if shots is None:
        shots = np.zeros(len(times), dtype=int)
    out: list[Stretch] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for sh in np.unique(shots):
            m = shots == sh
            if m.sum() < 8:
                continue
            out += _detect_in_shot(times[m], emb[m], cfg, open_start_before)
    out.sort(key=lambda s: s.start)
    return out


def _detect_in_shot(times: np.ndarray, emb: np.ndarray, cfg: RepetitionConfig, open_before: float) -> list[Stretch]:
    grid, x = resample(times, emb, cfg.grid_hz, cfg.max_gap_s)
    if len(grid) < 8:
        return []
    # the partial-start rule holds where the person first appears in the shot: before that nobody
    # was seen, so a rep under way then is the first one, not the end of a transition
    first_seen = float(grid[0])
    centers, score, period, rng = repetitive_windows(grid, x, cfg)
    rep = (score >= cfg.min_periodicity) & (rng >= cfg.min_amplitude)
    # sets: runs of repetitive windows, a pause of up to ``max_pause_s`` (plus a period) inside; each
    # set vouches for EDGE_PERIODS periods beyond its first and last window, never past the middle
    # of the gap to the next set
    idx = np.flatnonzero(rep)
    groups: list[list[int]] = []
    for i in idx:
        if groups and centers[i] - centers[groups[-1][-1]] <= cfg.max_pause_s + period[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    valid_rows = np.isfinite(x).all(axis=1)
    merged: list[tuple[int, int]] = []
    for g, members in enumerate(groups):
        p_g = float(np.nanmedian(period[members]))
        lo = centers[members[0]] - EDGE_PERIODS * max(p_g, cfg.hop_s)
        hi = centers[members[-1]] + EDGE_PERIODS * max(p_g, cfg.hop_s)
        if g > 0:
            lo = max(lo, (centers[groups[g - 1][-1]] + centers[members[0]]) / 2)
        if g + 1 < len(groups):
            hi = min(hi, (centers[members[-1]] + centers[groups[g + 1][0]]) / 2)
        # nobody seen for longer than a pause splits the set: what happened then is unknown
        for a, b in _runs((grid >= lo) & (grid <= hi) & valid_rows):
            if merged and merged[-1][1] <= a and grid[a] - grid[merged[-1][1] - 1] <= cfg.max_pause_s \
                    and grid[merged[-1][1] - 1] >= lo:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
    stretches = []
    valid = np.isfinite(x).all(axis=1)
    taken = np.zeros(len(grid), dtype=bool)
    for a, b in merged:
        taken[a:b] = True
    # lone cycles are looked for away from the sets: next to one, a large excursion is its edge (the
    # way into the first rep or out of the last), which the set's own count has judged
    near_set = np.zeros(len(grid), dtype=bool)
    for a, b in merged:
        near_set |= (grid >= grid[a] - cfg.max_pause_s) & (grid <= grid[b - 1] + cfg.max_pause_s)
    for a, b in _runs(valid & ~near_set):
        if grid[b - 1] - grid[a] >= cfg.min_single_s:
            st = _lone_cycles(grid[a:b], x[a:b], cfg, grid[a] <= first_seen + open_before)
            if st is not None:
                stretches.append(st)
    for a, b in merged:
        seg_t, seg_x = grid[a:b], x[a:b]
        inside = (centers >= seg_t[0]) & (centers <= seg_t[-1]) & rep
        if not inside.any():
            continue
        p = float(np.nanmedian(period[inside]))
        if seg_t[-1] - seg_t[0] < cfg.min_cycles * p * 0.9:
            continue
        st = _count_part(seg_t, seg_x, centers, score, period, inside, p, cfg, first_seen + open_before)
        if st is not None:
            stretches.append(st)
    stretches.sort(key=lambda s: s.start)
    return stretches


def _detrend(x: np.ndarray, ok: np.ndarray, period_samples: int) -> np.ndarray:
    """Rows minus their running mean over one period (the periodic part of a movement)."""
    kernel = np.ones(period_samples) / period_samples
    weight = np.convolve(ok.astype(float), kernel, mode="same")
    xf = np.where(ok[:, None], x, 0.0)
    trend = np.stack([np.convolve(xf[:, d], kernel, mode="same") for d in range(x.shape[1])], axis=1)
    return np.where(ok[:, None], xf - trend / np.maximum(weight, 1e-9)[:, None], 0.0)


def _count_part(seg_t: np.ndarray, seg_x: np.ndarray, centers: np.ndarray, score: np.ndarray, period: np.ndarray,
                inside: np.ndarray, p: float, cfg: RepetitionConfig, open_until: float) -> Stretch | None:
    """Count the complete cycles of one movement (one direction) within a stretch."""
    here = inside & (centers >= seg_t[0]) & (centers <= seg_t[-1])
    if here.any():
        p = float(np.nanmedian(period[here]))
    core_c = centers[here] if here.any() else np.array([seg_t[0], seg_t[-1]])
    core = (float(core_c.min()) - p / 2, float(core_c.max()) + p / 2)
    in_core = (seg_t >= core[0]) & (seg_t <= core[1])
    sig = main_signal(seg_x, int(round(p * cfg.grid_hz)), in_core)
    keep = trim_to_movement(seg_t, sig, core, off_axis(seg_x, sig, in_core))
    seg_t, sig = seg_t[keep], sig[keep]
    if len(seg_t) < 4:
        return None
    r = count_reps(seg_t, sig, 1, cfg.min_amplitude, period=p, open_start=bool(seg_t[0] <= open_until))
    q = float(np.nanmedian(score[here])) if here.any() else 0.0
    return Stretch(float(seg_t[0]), float(seg_t[-1]) + 1.0 / cfg.grid_hz, p, q, r, bool(seg_t[0] <= open_until),
                   sig, seg_t)


def main_signal(x: np.ndarray, period_samples: int | None = None, core: np.ndarray | None = None) -> np.ndarray:
    """The movement of (T, D) embedding rows as one signal, oriented rest-side low (NaN rows stay NaN).

    The direction is the first principal component of the *periodic* part of the movement (the rows
    minus their running mean over one period), so a change of posture around the set (arms down
    while resting, overhead on the bar) takes over neither the direction nor the orientation; the
    rows are then projected on it as they are. With ``core`` (a mask), only those rows (where the
    windows found the repetition) choose the direction and the orientation: the way into and out of
    the set would otherwise weigh in."""
    ok = np.isfinite(x).all(axis=1)
    xc = x - np.nanmean(x, axis=0)
    xf = np.where(ok[:, None], xc, 0.0)
    ext = np.nanmean(x[:, list(EXTENSION_COLUMNS)], axis=1)[:, None]
    basis, ext_basis = xf, np.where(ok[:, None], ext - np.nanmean(ext), 0.0)
    if period_samples and period_samples >= 3 and ok.sum() > 2 * period_samples:
        basis = _detrend(xc, ok, period_samples)
        ext_basis = _detrend(ext - np.nanmean(ext), ok, period_samples)
    use = ok if core is None or (ok & core).sum() < 4 else ok & core
    _, _, vt = np.linalg.svd(basis[use], full_matrices=False)
    direction = orient(basis[use] @ vt[0], ext_basis[use, 0])
    sign = 1.0 if np.dot(direction, basis[use] @ vt[0]) >= 0 else -1.0
    return np.where(ok, sign * (xf @ vt[0]), np.nan)


def off_axis(x: np.ndarray, sig: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Per row, how far the posture lies from the movement's line (the core rows' mean plus the main
    signal along its direction): small within the set, large for a posture of its own."""
    ok = np.isfinite(x).all(axis=1) & np.isfinite(sig)
    use = ok & core
    if use.sum() < 4:
        return np.zeros(len(x))
    mean = x[use].mean(axis=0)
    # direction back from the signal: least squares of the centred rows on the signal
    s = sig[use] - sig[use].mean()
    v = (x[use] - mean).T @ s / max(float(s @ s), 1e-12)
    pred = mean + np.outer(np.nan_to_num(sig) - sig[use].mean(), v)
    return np.where(ok, np.linalg.norm(np.nan_to_num(x) - pred, axis=1), np.inf)


def trim_to_movement(t: np.ndarray, sig: np.ndarray, core: tuple[float, float], off: np.ndarray | None = None,
                     slack: float = 0.5) -> np.ndarray:
    """Mask of the stretch without its edges where the posture leaves the movement: the signal beyond
    the movement's own range (seen in the ``core`` time span, where the windows found repetition) by
    more than ``slack`` of that range, or the posture off the movement's line (``off``) by more than
    twice what the core shows. Standing with the arms down before a set of pull-ups is a posture of
    its own, not part of a rep."""
    in_core = (t >= core[0]) & (t <= core[1]) & np.isfinite(sig)
    if in_core.sum() < 4:
        return np.isfinite(sig)
    lo, hi = np.percentile(sig[in_core], [2, 98])
    margin = slack * (hi - lo)
    inside = np.isfinite(sig) & (sig >= lo - margin) & (sig <= hi + margin)
    if off is not None:
        limit = OFF_AXIS_FACTOR * float(np.percentile(off[in_core], 95)) + OFF_AXIS_FLOOR
        inside &= off <= limit
    keep = np.zeros(len(t), dtype=bool)
    idx = np.flatnonzero(in_core)
    a, b = idx[0], idx[-1]
    while a > 0 and inside[a - 1]:
        a -= 1
    while b + 1 < len(t) and inside[b + 1]:
        b += 1
    # the first frame outside stays: leaving the movement from its rest side ends the last cycle (a
    # set ended by standing up), and the counter needs that frame to see it end
    keep[max(0, a - 1):b + 2] = True
    return keep


def _lone_cycles(t: np.ndarray, x: np.ndarray, cfg: RepetitionConfig, open_start: bool) -> Stretch | None:
    """Large excursions that leave a posture and come back to it, where nothing repeats: one squat
    in a short clip, or a rep set apart from the others by a long pause."""
    if len(t) < 8 or np.isfinite(x).all(axis=1).sum() < 8:
        return None
    sig = main_signal(x)
    r = count_reps(t, sig, 1, cfg.min_single_amplitude, period=None, open_start=open_start)
    # a rep of any exercise is over within the longest period; leaving a posture for longer and coming
    # back (down into a plank, hold, up again) is two changes of posture, not a cycle
    r = r.subset([k for k in range(r.count) if r.rep_times[k] - r.rep_starts[k] <= cfg.max_period_s])
    if r.count == 0:
        return None
    a = max(float(t[0]), min(r.rep_starts) - cfg.hop_s)
    b = min(float(t[-1]) + 1.0 / cfg.grid_hz, max(r.rep_times) + cfg.hop_s)
    m = (t >= a) & (t <= b)
    return Stretch(a, b, float(np.median(np.asarray(r.rep_times) - np.asarray(r.rep_starts))), 0.0, r, open_start,
                   sig[m], t[m])
