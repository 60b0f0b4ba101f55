"""Tempo: when each repetition happens, and how far it goes.

Why its own module: the rep count and rep times are the ground truth a counter is scored against, so
they come from one place, the schedule, and every movement reads its phase from it rather than keeping
its own clock. A rep goes out from the start position (phase 0) to the extreme (phase 0.5: bottom of a
squat), optionally pauses there, comes back (phase 1), then pauses at the start before the next one.
Real sets are irregular: the period varies from rep to rep, people pause, begin filming mid-rep, stop
mid-rep, and tire (shallower, slower reps late in a set).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Chance that a sequence starts in the middle of a rep (otherwise it starts with a short wait).
MID_REP_START_PROB = 0.45
START_WAIT_S = (0.0, 2.0)
# Chance that a sequence stops in the middle of a rep (otherwise the set ends with a short wait).
MID_REP_END_PROB = 0.5
END_WAIT_S = (0.5, 2.0)
FATIGUE_PROB = 0.3
FATIGUE_LOSS = (0.12, 0.3)  # amplitude lost by the last rep of a tired set
FATIGUE_SLOWDOWN = 0.35  # the period grows by this share of the amplitude loss ratio
FATIGUE_ONSET = (0.4, 0.75)  # share of the set after which fatigue sets in
FIRST_SLOW_MAX_S = 2.0  # a slow first rep (e.g. from a dead hang) takes at most this much longer


@dataclass(frozen=True)
class Tempo:
    """How a movement's reps are paced (ranges are drawn once per sequence)."""

    period: tuple[float, float]  # mean duration of one rep's motion (s)
    jitter: float = 0.1  # rep-to-rep spread of the period (log-normal sigma)
    out_share: tuple[float, float] = (0.4, 0.6)  # share of the motion spent going out
    hold_out_prob: float = 0.0  # chance that a set pauses at the extreme of every rep
    hold_out: tuple[float, float] = (0.3, 1.5)
    gap: tuple[float, float] = (0.0, 0.4)  # usual pause at the start position between reps (s)
    pause_prob: float = 0.07  # chance of a longer pause before any one rep
    pause: tuple[float, float] = (1.0, 3.5)
    break_every: int = 0  # a forced pause after every k reps (e.g. to turn round); 0: none
    break_s: float = 0.0
    first_slow_prob: float = 0.0  # chance that a set starting at rest begins with a slow first rep ...
    first_slow: tuple[float, float] = (1.0, 1.0)  # ... taking this many times the period


@dataclass
class RepTrack:
    """Per-frame rep state over a sequence, and the ground-truth reps."""

    phase: np.ndarray  # (N,) 0 at the start position, 0.5 at the extreme, 1 back
    level: np.ndarray  # (N,) 0..1, how far out the body is (smooth, 0 at the start position)
    amp: np.ndarray  # (N,) amplitude of the current rep (1 fresh, lower when tired)
    rep: np.ndarray  # (N,) int, index of the current or last rep (-1 before the first)
    rep_times: list[float] = field(default_factory=list)  # completion of each complete rep
    rep_starts: list[float] = field(default_factory=list)  # its start (0 if it began before the clip)
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0))  # all scheduled reps (incl. cut ones)
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0))
    breaks: list[tuple[float, float]] = field(default_factory=list)  # forced pauses (start, end)
    period: float = 1.0


def fork(rng: np.random.Generator) -> np.random.Generator:
    """An independent child stream: draws of variable count (one per rep, per key) taken from it leave
    the parent's sequence unchanged, so a movement's style does not depend on the clip's length."""
    return rng.spawn(1)[0]


def ease(x: np.ndarray) -> np.ndarray:
    """Smooth 0 -> 1 ramp (zero slope at both ends) over x in [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def out_and_back(phase: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 over one rep's phase, smooth at both ends."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.clip(phase, 0.0, 1.0))


def schedule(t: np.ndarray, rng: np.random.Generator, tempo: Tempo, lead_in: float | None = None,
             lead_out: float | None = None) -> RepTrack:
    """Reps laid out over the sample times ``t`` (s, from 0).

    ``lead_in`` / ``lead_out``: seconds of stillness guaranteed at the start / end (a set inside a
    session); None lets the sequence start and stop anywhere, mid-rep included."""
    t = np.asarray(t, dtype=np.float64)
    t_end = float(t[-1]) if len(t) else 0.0
    rng = fork(rng)  # however many reps fit, the caller's later draws stay the same
    period = float(rng.uniform(*tempo.period))
    out_share = float(rng.uniform(*tempo.out_share))
    hold_out = float(rng.uniform(*tempo.hold_out)) if rng.random() < tempo.hold_out_prob else 0.0
    tired = rng.random() < FATIGUE_PROB
    loss = float(rng.uniform(*FATIGUE_LOSS)) if tired else 0.0
    onset = float(rng.uniform(*FATIGUE_ONSET))
    mid_start = lead_in is None and rng.random() < MID_REP_START_PROB
    mid_end = lead_out is None and rng.random() < MID_REP_END_PROB
    slow_first = float(rng.uniform(*tempo.first_slow)) if rng.random() < tempo.first_slow_prob else 1.0
    if lead_in is not None:
        cur = lead_in + float(rng.uniform(0.0, 0.5))
    elif mid_start:
        cur = -float(rng.uniform(0.05, 0.95)) * period
    else:
        cur = float(rng.uniform(*START_WAIT_S))
    stop = t_end - (lead_out if lead_out is not None else (0.0 if mid_end else float(rng.uniform(*END_WAIT_S))))
    expected = max(1.0, (t_end - cur) / (period + np.mean(tempo.gap)))
    starts, mids, holds, ends, amps, breaks = [], [], [], [], [], []
    while cur < t_end:
        i = len(starts)
        tiredness = np.clip((i / expected - onset) / max(1.0 - onset, 1e-6), 0.0, 1.0) * loss
        dur = period * float(rng.lognormal(0.0, tempo.jitter)) * (1.0 + FATIGUE_SLOWDOWN * tiredness / 0.3)
        if i == 0 and not mid_start:
            dur = min(dur * slow_first, dur + FIRST_SLOW_MAX_S)
        end = cur + dur + hold_out
        if not mid_end and end > stop:
            break
        starts.append(cur)
        mids.append(cur + dur * out_share)
        holds.append(hold_out)
        ends.append(end)
        amps.append(1.0 - tiredness)
        gap = float(rng.uniform(*tempo.gap))
        if rng.random() < tempo.pause_prob:
            gap += float(rng.uniform(*tempo.pause))
        if tempo.break_every and (i + 1) % tempo.break_every == 0:
            breaks.append((end + gap, end + gap + tempo.break_s))
            gap += tempo.break_s
        cur = end + gap
    return _track(t, np.array(starts), np.array(mids), np.array(holds), np.array(ends), np.array(amps), breaks,
                  period)


def _track(t: np.ndarray, starts: np.ndarray, mids: np.ndarray, holds: np.ndarray, ends: np.ndarray,
           amps: np.ndarray, breaks: list[tuple[float, float]], period: float) -> RepTrack:
    n = len(t)
    rep = np.searchsorted(starts, t, side="right") - 1 if len(starts) else np.full(n, -1)
    phase = np.zeros(n)
    amp = np.ones(n)
    inside = rep >= 0
    if inside.any():
        r = rep[inside]
        tt = t[inside]
        s, m, h, e = starts[r], mids[r], holds[r], ends[r]
        out = (tt - s) / np.maximum(m - s, 1e-6) * 0.5
        back = 0.5 + (tt - m - h) / np.maximum(e - m - h, 1e-6) * 0.5
        ph = np.where(tt < m, out, np.where(tt < m + h, 0.5, back))
        phase[inside] = np.where(tt >= e, 0.0, np.clip(ph, 0.0, 1.0))
        amp[inside] = amps[r]
    t_last = float(t[-1]) if n else 0.0
    done = (ends <= t_last + 1e-9) & (ends >= (float(t[0]) if n else 0.0))
    return RepTrack(
        phase=phase, level=out_and_back(phase), amp=amp, rep=rep,
        rep_times=[float(x) for x in ends[done]], rep_starts=[float(max(x, 0.0)) for x in starts[done]],
        starts=starts, ends=ends, breaks=breaks, period=period,
    )


def steady_phase(t: np.ndarray, rng: np.random.Generator, period: float, drift: float = 0.1) -> np.ndarray:
    """A cycle counter (cycles, unbounded) for continuous movements (walking, circles): the period
    wanders slowly by about ``drift`` of itself."""
    t = np.asarray(t, dtype=np.float64)
    if len(t) == 0:
        return np.zeros(0)
    dt = np.diff(t, prepend=t[0])
    rng = fork(rng)
    f1, f2 = rng.uniform(0.03, 0.15, size=2)
    p1, p2 = rng.uniform(0, 2 * np.pi, size=2)
    wander = 1.0 + drift * (0.6 * np.sin(2 * np.pi * f1 * t + p1) + 0.4 * np.sin(2 * np.pi * f2 * t + p2))
    return float(rng.uniform(0.0, 1.0)) + np.cumsum(dt / (period * wander))
