"""The view-normalised embedding and the class-agnostic repetition detector, as pure functions.

Inputs are built here: rotations and mirror images of landmark arrays, and embeddings whose columns
follow known cycles, so every expectation is exact. The check on real footage (dev clips' world
landmarks turned about the vertical) lives in test_fitness_clips.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from batchproc.fns.fitness.embedding import COLUMN, EMBEDDING_NAMES, mirror, pose_embedding
from batchproc.fns.fitness.repetition import RepetitionConfig, detect_repetitions, orient, periodicity


def _random_body(n: int, seed: int = 0) -> np.ndarray:
    """(n, 33, 3) plausible-ish world points: a standing body with random limb jitter."""
    rng = np.random.default_rng(seed)
    base = np.zeros((33, 3))
    base[[11, 12]] = [[0.18, -0.5, 0.0], [-0.18, -0.5, 0.0]]  # shoulders (y down)
    base[[13, 14]] = [[0.22, -0.25, 0.02], [-0.22, -0.25, 0.02]]
    base[[15, 16]] = [[0.24, 0.0, -0.05], [-0.24, 0.0, -0.05]]
    base[[23, 24]] = [[0.1, 0.0, 0.0], [-0.1, 0.0, 0.0]]
    base[[25, 26]] = [[0.11, 0.45, -0.03], [-0.11, 0.45, -0.03]]
    base[[27, 28]] = [[0.11, 0.88, 0.02], [-0.11, 0.88, 0.02]]
    base[0] = [0.0, -0.72, -0.08]
    return base[None] + rng.normal(0, 0.05, (n, 33, 3))


def _rotate_about_vertical(w: np.ndarray, deg: float) -> np.ndarray:
    a = np.radians(deg)
    r = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    return w @ r.T


def _as_poses(world: np.ndarray) -> np.ndarray:
    poses = np.zeros(world.shape[:2] + (4,))
    poses[..., :3] = world * 0.3 + 0.5
    poses[..., 3] = 1.0
    return poses


@pytest.mark.parametrize("deg", [45, 90, 135, 180])
def test_embedding_is_the_same_from_any_azimuth(deg):
    w = _random_body(20)
    e0 = pose_embedding(_as_poses(w), w)
    e1 = pose_embedding(_as_poses(w), _rotate_about_vertical(w, deg))
    np.testing.assert_allclose(e0, e1, atol=1e-9)


def test_embedding_is_mirror_symmetric():
    w = _random_body(20, seed=3)
    np.testing.assert_allclose(pose_embedding(_as_poses(w), w), pose_embedding(_as_poses(w), mirror(w)), atol=1e-9)


def test_embedding_units_and_missing_frames():
    w = _random_body(5)
    poses = _as_poses(w)
    w[2] = np.nan
    e = pose_embedding(poses, w)
    assert e.shape == (5, len(EMBEDDING_NAMES))
    # the frame without world landmarks falls back to the image landmarks, still a number
    assert np.isfinite(e[2]).all()
    # standing: knees nearly straight (about 2 right angles), trunk upright (0)
    assert e[0, COLUMN["knee_lo"]] > 1.6 and e[0, COLUMN["torso_incline"]] < 0.3
    poses[3] = np.nan
    assert np.isnan(pose_embedding(poses, None)[3]).all()


def _cycles(t: np.ndarray, period: float, amp: float = 1.0, rest_first: bool = True) -> np.ndarray:
    """A rep-shaped signal: rest at 0, out to ``amp`` and back, once per period."""
    phase = (t / period) % 1.0 if rest_first else ((t / period) + 0.5) % 1.0
    return amp * 0.5 * (1 - np.cos(2 * np.pi * phase))


def _embedding_from(signals: dict[str, np.ndarray], n: int, noise: float = 0.02, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = np.ones((n, len(EMBEDDING_NAMES))) + rng.normal(0, noise, (n, len(EMBEDDING_NAMES)))
    for name, s in signals.items():
        e[:, COLUMN[name]] += s
    return e


@pytest.mark.parametrize("period,reps,fps", [(2.0, 8, 10.0), (1.0, 15, 8.0), (4.0, 4, 6.0)])
def test_counts_complete_cycles_at_any_tempo(period, reps, fps):
    t = np.arange(0, period * reps + 1e-9, 1 / fps)
    flex = _cycles(t, period)
    # the knees bend (extension drops) as the hips go down: one rep per period
    e = _embedding_from({"knee_lo": -flex, "knee_hi": -flex, "hip_above_ankle": -0.5 * flex}, len(t))
    st = detect_repetitions(t, e)
    assert sum(s.reps.count for s in st) == reps
    assert st and abs(st[0].period - period) < 0.15 * period


def test_a_cycle_cut_off_by_the_end_does_not_count():
    t = np.arange(0, 2.0 * 6.5, 0.1)  # six full cycles and half of a seventh
    flex = _cycles(t, 2.0)
    e = _embedding_from({"elbow_lo": -flex, "elbow_hi": -flex}, len(t))
    assert sum(s.reps.count for s in detect_repetitions(t, e)) == 6


def test_stillness_and_noise_are_not_repetition():
    t = np.arange(0, 30, 0.1)
    e = _embedding_from({}, len(t), noise=0.05, seed=4)
    assert detect_repetitions(t, e) == []


def test_alternating_sides_count_each_side():
    """Alternating curls: each arm's curl is a rep. The smaller elbow angle dips for either arm."""
    t = np.arange(0, 20, 0.1)
    left = _cycles(t, 4.0)
    right = _cycles(t + 2.0, 4.0)
    el, er = 2.0 - 1.5 * left, 2.0 - 1.5 * right
    e = _embedding_from({"elbow_lo": np.fmin(el, er) - 1, "elbow_hi": np.fmax(el, er) - 1}, len(t))
    n = sum(s.reps.count for s in detect_repetitions(t, e))
    assert abs(n - 10) <= 1


def test_a_lone_large_cycle_counts_and_a_posture_change_does_not():
    t = np.arange(0, 8, 0.1)
    one = np.where((t > 2) & (t < 5), 0.5 * (1 - np.cos(2 * np.pi * (t - 2) / 3)), 0.0)
    e = _embedding_from({"knee_lo": -one, "knee_hi": -one}, len(t))
    assert sum(s.reps.count for s in detect_repetitions(t, e)) == 1
    # standing -> lying, and staying there: one way only, no cycle
    step = np.clip((t - 3) / 1.5, 0, 1)
    e = _embedding_from({"torso_incline": step, "hip_lo": -0.5 * step}, len(t))
    assert sum(s.reps.count for s in detect_repetitions(t, e)) == 0


def test_rest_side_is_the_extended_end():
    x = np.sin(np.linspace(0, 6 * np.pi, 120))
    ext = -x  # more extended where x is low: already rest-low
    np.testing.assert_allclose(orient(x, ext), x)
    np.testing.assert_allclose(orient(x, x), -x)


def test_periodicity_of_a_clean_cycle_is_high_and_of_noise_low():
    t = np.arange(0, 12, 0.1)
    s, p = periodicity(np.stack([np.sin(2 * np.pi * t / 2.0)] * 3, axis=1), 10.0, 0.5, 6.0)
    assert s > 0.8 and abs(p - 2.0) < 0.15
    rng = np.random.default_rng(0)
    s, _ = periodicity(rng.normal(size=(120, 3)), 10.0, 0.5, 6.0)
    assert s < RepetitionConfig().min_periodicity
