"""The fitness analysis stages as pure functions, on synthetic landmark sequences with known truth.

A small forward-kinematics stick figure (MediaPipe's 33 landmarks, world metres and image
coordinates) performs each exercise for a known number of reps, rests, and changes exercise; no
video and no model are needed, so these tests are fast and exact about what they expect.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from batchproc.fns.fitness import analyze_poses, format_report
from batchproc.fns.fitness.analysis import detect_cuts
from batchproc.fns.fitness.classifier import CLASSES, EXERCISES
from batchproc.fns.fitness.fatigue import fatigue_analysis, hold_fatigue
from batchproc.fns.fitness.features import FEATURE_NAMES, compute_features, fill_gaps, gaussian_smooth
from batchproc.fns.fitness.frames import AdaptiveRate, RateSchedule, SkipPolicy, cycle_period
from batchproc.fns.fitness.pose import PoseModelUnavailable, check_complexity, main_subject_mask, model_path
from batchproc.fns.fitness.reps import RepResult, count_reps, estimate_period
from batchproc.fns.fitness.segment import Segment, viterbi
from batchproc.fns.fitness.summary import build_result, session_summary

# -- a stick figure -----------------------------------------------------------------------------

LEN = dict(torso=0.5, thigh=0.45, shin=0.43, upper=0.3, fore=0.27, shw=0.19, hipw=0.11, foot=0.15)
UP, FWD, LAT = np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0])
DOWN = -UP


def _rot(v: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    a = math.radians(deg)
    k = axis / np.linalg.norm(axis)
    return v * math.cos(a) + np.cross(k, v) * math.sin(a) + k * np.dot(k, v) * (1 - math.cos(a))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(np.linalg.norm(v), 1e-9)


def skeleton(pitch=0.0, yaw=0.0, pelvis=(0.0, 0.0, 0.0), hip=(0.0, 0.0), knee=(0.0, 0.0), abd=(0.0, 0.0),
             elev=(0.0, 0.0), plane=(0.0, 0.0), elbow=(0.0, 0.0)) -> np.ndarray:
    """(33, 3) points in metres (y down) for one pose. Angles in degrees; pairs are (left, right).

    pitch: trunk leaning forward from upright (90 face down, -90 lying on the back); hip: thigh
    flexion forward from the trunk line; knee: flexion; abd: leg abduction; elev/plane: arm elevation
    from hanging and its plane (0 forward, 90 sideways); elbow: flexion."""
    p = np.zeros((33, 3))
    sh_c = LEN["torso"] * UP
    p[0] = sh_c + 0.2 * UP + 0.1 * FWD
    for j in range(1, 11):  # eyes, ears, mouth around the nose
        p[j] = p[0] + 0.03 * ((-1) ** j) * LAT + 0.01 * (j % 3) * UP
    for side, s in ((0, 1.0), (1, -1.0)):
        hp = s * LEN["hipw"] * LAT
        d = math.cos(math.radians(hip[side])) * DOWN + math.sin(math.radians(hip[side])) * FWD
        d = _unit(math.cos(math.radians(abd[side])) * d + math.sin(math.radians(abd[side])) * s * LAT)
        kn = hp + LEN["thigh"] * d
        h2 = hip[side] - knee[side]
        e = math.cos(math.radians(h2)) * DOWN + math.sin(math.radians(h2)) * FWD
        e = _unit(math.cos(math.radians(abd[side])) * e + math.sin(math.radians(abd[side])) * s * LAT)
        an = kn + LEN["shin"] * e
        sh = sh_c + s * LEN["shw"] * LAT
        a, pl = math.radians(elev[side]), math.radians(plane[side])
        u = _unit(math.cos(a) * DOWN + math.sin(a) * (math.cos(pl) * FWD + math.sin(pl) * s * LAT))
        el = sh + LEN["upper"] * u
        ref = FWD + UP
        n = _unit(ref - np.dot(ref, u) * u)
        b = math.radians(elbow[side])
        wr = el + LEN["fore"] * _unit(math.cos(b) * u + math.sin(b) * n)
        i = 0 if side == 0 else 1
        p[11 + i], p[13 + i], p[15 + i] = sh, el, wr
        p[17 + i], p[19 + i], p[21 + i] = wr + 0.05 * u, wr + 0.06 * u, wr + 0.03 * n
        p[23 + i], p[25 + i], p[27 + i] = hp, kn, an
        p[29 + i], p[31 + i] = an + 0.04 * DOWN - 0.05 * FWD, an + 0.05 * DOWN + LEN["foot"] * FWD
    p = np.array([_rot(_rot(v, LAT, pitch), DOWN, yaw) for v in p])
    return p + np.asarray(pelvis, dtype=float)


def render(world: np.ndarray, aspect: float = 16 / 9, scale: float = 0.35, noise: float = 0.002,
           rng: np.random.Generator | None = None, visibility: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Image landmarks (N, 33, 4) and hip-centred world landmarks (N, 33, 3) from world points."""
    rng = rng or np.random.default_rng(0)
    n = len(world)
    img = np.zeros((n, 33, 4), np.float32)
    img[..., 0] = 0.5 + world[..., 0] * scale / aspect
    img[..., 1] = 0.55 + world[..., 1] * scale
    img[..., 2] = world[..., 2] * scale
    img[..., :3] += rng.normal(0, noise, img[..., :3].shape)
    img[..., 3] = visibility
    mid = world[:, [23, 24]].mean(axis=1, keepdims=True)
    w = (world - mid + rng.normal(0, 0.008, world.shape)).astype(np.float32)
    return img, w


def _phase(t: np.ndarray, period: float) -> np.ndarray:
    """0 at rest, 1 at the far end of the movement, one cycle per period."""
    return (1 - np.cos(2 * np.pi * t / period)) / 2


def pose_at(kind: str, u: float, k: int = 0, yaw: float = 0.0) -> np.ndarray:
    """One frame of an exercise at movement phase ``u`` in [0, 1] (k: rep number, for alternation)."""
    if kind == "squat":
        return skeleton(pitch=35 * u, yaw=yaw, pelvis=(0, 0.38 * u, 0), hip=(95 * u, 95 * u), knee=(105 * u, 105 * u),
                        elev=(85, 85), abd=(8, 8))
    if kind == "lunge":
        front, back = (0, 1) if k % 2 == 0 else (1, 0)
        hip = [0.0, 0.0]
        knee = [0.0, 0.0]
        hip[front], knee[front] = 85 * u, 90 * u
        hip[back], knee[back] = -25 * u, 95 * u
        return skeleton(pitch=5 * u, yaw=yaw, pelvis=(0, 0.35 * u, 0), hip=tuple(hip), knee=tuple(knee), elev=(10, 10))
    if kind == "pushup":
        return skeleton(pitch=78, yaw=yaw, pelvis=(0, 0.15 * u, 0), elev=(85, 85), elbow=(10 + 80 * u, 10 + 80 * u))
    if kind == "plank":
        return skeleton(pitch=82, yaw=yaw, elev=(80, 80), elbow=(90, 90))
    if kind == "situp":
        return skeleton(pitch=-88 + 78 * u, yaw=yaw, hip=(40 + 78 * u, 40 + 78 * u), knee=(95, 95), elev=(60, 60),
                        elbow=(120, 120))
    if kind == "jumping_jack":
        return skeleton(yaw=yaw, pelvis=(0, -0.05 * u, 0), abd=(3 + 16 * u, 3 + 16 * u), elev=(15 + 150 * u, 15 + 150 * u),
                        plane=(90, 90), elbow=(10, 10))
    if kind == "bicep_curl":
        return skeleton(yaw=yaw, elev=(5, 5), elbow=(15 + 115 * u, 15 + 115 * u))
    if kind == "pullup":
        return skeleton(yaw=yaw, pelvis=(0, -0.45 * u, 0), knee=(20, 20), elev=(165, 165), plane=(20, 20),
                        elbow=(10 + 110 * u, 10 + 110 * u))
    if kind == "rest":
        return skeleton(yaw=yaw, elev=(5, 5), elbow=(10, 10))
    raise ValueError(kind)


def sequence(parts: list[tuple], fps: float = 10.0, seed: int = 0, yaw: float = 0.0):
    """parts: (kind, reps, period) or ("rest"/"plank", seconds). Returns times, image, world, truth."""
    rng = np.random.default_rng(seed)
    frames, times, truth = [], [], []
    t0 = 0.0
    for part in parts:
        kind = part[0]
        if kind in ("rest", "plank"):
            dur = float(part[1])
            n = int(round(dur * fps))
            for i in range(n):
                frames.append(pose_at(kind, 0.0, yaw=yaw) + rng.normal(0, 0.004, (33, 3)))
                times.append(t0 + i / fps)
            truth.append((kind, t0, t0 + dur, 0))
            t0 += dur
        else:
            reps, period = int(part[1]), float(part[2])
            dur = reps * period
            n = int(round(dur * fps))
            for i in range(n):
                t = i / fps
                frames.append(pose_at(kind, float(_phase(np.array([t]), period)[0]), k=int(t // period), yaw=yaw))
                times.append(t0 + t)
            truth.append((kind, t0, t0 + dur, reps))
            t0 += dur
    img, world = render(np.asarray(frames), rng=rng)
    return np.asarray(times), img, world, truth


def analyze(parts, fps=10.0, seed=0, yaw=0.0, **kw):
    t, img, world, truth = sequence(parts, fps, seed, yaw)
    det = np.ones(len(t), dtype=bool)
    res = analyze_poses(t, img, world, det, aspect=16 / 9, duration=float(t[-1] + 1 / fps), **kw)
    return res, truth


def exercise_segments(res):
    return [(x["segment"].label, x["reps"].count, x["segment"]) for x in res["segments"] if x["segment"].is_exercise]


# -- single exercises ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind,reps,period", [
    ("squat", 6, 2.5), ("pushup", 8, 1.6), ("lunge", 6, 3.0), ("jumping_jack", 12, 1.0),
    ("situp", 5, 3.2), ("bicep_curl", 7, 2.0), ("pullup", 5, 2.2),
])
@pytest.mark.parametrize("yaw", [0.0, 90.0])
def test_each_exercise_is_recognised_and_counted(kind, reps, period, yaw):
    res, _ = analyze([("rest", 3.0), (kind, reps, period), ("rest", 3.0)], fps=10.0, yaw=yaw)
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == [kind], res["segments"]
    assert ex[0][1] == reps


def test_fast_jacks_need_enough_samples_per_cycle():
    # 2 Hz jacks: 15 fps (7.5 samples per cycle) counts them all
    res, _ = analyze([("rest", 3.0), ("jumping_jack", 16, 0.5), ("rest", 3.0)], fps=15.0)
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == ["jumping_jack"] and ex[0][1] == 16


def test_plank_is_a_hold_with_its_duration():
    res, _ = analyze([("rest", 4.0), ("plank", 20.0), ("rest", 4.0)])
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == ["plank"]
    assert ex[0][1] == 0
    assert ex[0][2].duration == pytest.approx(20.0, rel=0.15)


def test_rest_only_has_no_exercise():
    res, _ = analyze([("rest", 15.0)])
    assert exercise_segments(res) == []
    assert {x["segment"].label for x in res["segments"]} <= {"rest", "other"}


# -- sessions with rests and exercise changes ----------------------------------------------------

def test_session_with_rests_and_exercise_changes():
    parts = [("rest", 4.0), ("squat", 6, 2.5), ("rest", 8.0), ("jumping_jack", 15, 1.0), ("rest", 6.0),
             ("pushup", 8, 1.8), ("rest", 5.0), ("plank", 15.0), ("rest", 4.0)]
    res, truth = analyze(parts, fps=10.0, seed=3)
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == ["squat", "jumping_jack", "pushup", "plank"]
    assert [e[1] for e in ex] == [6, 15, 8, 0]
    # boundaries within a couple of seconds of the truth
    true_ex = [x for x in truth if x[0] != "rest"]
    for (label, _, seg), (tl, ts, te, _) in zip(ex, true_ex):
        assert label == tl
        assert abs(seg.start - ts) < 2.5 and abs(seg.end - te) < 2.5
    # rests between sets are found as rest, not absorbed
    labels = [x["segment"].label for x in res["segments"]]
    assert labels.count("rest") >= 3


def test_direct_change_of_exercise_without_rest():
    res, _ = analyze([("squat", 6, 2.5), ("lunge", 6, 3.0), ("bicep_curl", 6, 2.0)], fps=10.0, seed=5)
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == ["squat", "lunge", "bicep_curl"]
    # each rep at a seam is judged on its own frames and goes to one side only
    assert [e[1] for e in ex] == [6, 6, 6]


def test_short_pause_inside_a_set_does_not_split_it():
    res, _ = analyze([("squat", 5, 2.5), ("rest", 1.5), ("squat", 5, 2.5)], fps=10.0)
    ex = exercise_segments(res)
    assert [e[0] for e in ex] == ["squat"] and ex[0][1] == 10


def test_flicker_is_merged_by_hysteresis():
    w = 40
    scores = np.zeros((w, len(CLASSES)))
    scores[:, CLASSES.index("squat")] = 0.8
    scores[20, CLASSES.index("lunge")] = 0.95  # one window of something else
    scores[20, CLASSES.index("squat")] = 0.3
    path = viterbi(scores, switch_penalty=4.0)
    assert set(path.tolist()) == {CLASSES.index("squat")}
    # a change that lasts is followed
    scores[25:, CLASSES.index("lunge")] = 0.9
    scores[25:, CLASSES.index("squat")] = 0.1
    path = viterbi(scores, switch_penalty=4.0)
    assert path[10] == CLASSES.index("squat") and path[-1] == CLASSES.index("lunge")


def test_missing_poses_are_not_exercise():
    t, img, world, _ = sequence([("squat", 4, 2.5), ("rest", 6.0), ("squat", 4, 2.5)], fps=10.0)
    det = np.ones(len(t), dtype=bool)
    det[(t > 10.5) & (t < 15.5)] = False  # nobody in frame
    img[~det] = np.nan
    world[~det] = np.nan
    res = analyze_poses(t, img, world, det, 16 / 9, float(t[-1]) + 0.1)
    labels = [x["segment"].label for x in res["segments"]]
    assert labels.count("squat") == 2
    assert sum(x["reps"].count for x in res["segments"]) == 8


def test_sampling_rate_and_phase_do_not_change_counts():
    for fps, seed in ((7.5, 1), (12.0, 2), (15.0, 3)):
        res, _ = analyze([("rest", 3.0), ("pushup", 10, 1.5), ("rest", 3.0)], fps=fps, seed=seed)
        ex = exercise_segments(res)
        assert ex and ex[0][0] == "pushup" and ex[0][1] == 10, (fps, ex)


# -- reps -----------------------------------------------------------------------------------------

def test_count_reps_full_cycles_only():
    t = np.arange(0, 10.25, 0.1)
    x = 170 - 90 * _phase(t, 2.0)  # knee angle: 5 full cycles, ends standing
    assert count_reps(t, x, sign=-1, min_amplitude=30).count == 5
    # the clip ends at the bottom of a 6th rep: not counted
    t2 = np.arange(0, 11.05, 0.1)
    x2 = 170 - 90 * _phase(t2, 2.0)
    assert count_reps(t2, x2, sign=-1, min_amplitude=30).count == 5
    # starts mid-descent: the first bottom and return count
    t3 = np.arange(0.6, 10.05, 0.1)
    x3 = 170 - 90 * _phase(t3, 2.0)
    assert count_reps(t3, x3, sign=-1, min_amplitude=30).count == 5


def test_count_reps_ignores_noise_and_small_wiggles():
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 0.1)
    still = 165 + rng.normal(0, 3, len(t))
    assert count_reps(t, still, sign=-1, min_amplitude=30).count == 0
    # reps with a shrinking range (fatigue) are all counted
    amp = np.linspace(90, 45, len(t))
    x = 170 - amp * _phase(t, 2.5) + rng.normal(0, 2, len(t))
    assert count_reps(t, x, sign=-1, min_amplitude=30).count == 8


def test_rep_timestamps_are_completions():
    t = np.arange(0, 8.05, 0.05)
    r = count_reps(t, 170 - 90 * _phase(t, 2.0), sign=-1, min_amplitude=30)
    assert r.count == 4
    assert all(a < p < e for a, p, e in zip(r.rep_starts, r.rep_peaks, r.rep_times))
    assert np.allclose(r.rep_peaks, [1, 3, 5, 7], atol=0.15)


def test_period_estimation():
    t = np.arange(0, 20, 0.1)
    assert estimate_period(t, np.sin(2 * np.pi * t / 1.7)) == pytest.approx(1.7, abs=0.1)
    assert estimate_period(t, np.zeros_like(t)) is None


# -- fatigue --------------------------------------------------------------------------------------

def _reps(amps, durs):
    starts = np.cumsum([0.0] + list(durs[:-1]))
    return RepResult(len(amps), rep_times=list(starts + np.asarray(durs)), rep_starts=list(starts),
                     rep_peaks=list(starts + np.asarray(durs) / 2), amplitudes=list(amps))


def test_fatigue_score_rises_with_less_range_and_slower_reps():
    steady = fatigue_analysis(_reps([90] * 12, [2.0] * 12))
    tired = fatigue_analysis(_reps(np.linspace(90, 50, 12), np.linspace(2.0, 3.2, 12)))
    assert steady["fatigue_score"] < 0.1
    assert tired["fatigue_score"] > 0.5
    assert any("range" in s for s in tired["indicators"]) and any("slow" in s for s in tired["indicators"])
    assert 0 <= steady["early_consistency"] <= 1 and 0 <= tired["late_consistency"] <= 1


def test_fatigue_notices_a_set_broken_up_by_pauses():
    r = _reps([80] * 12, [1.0] * 12)
    shift = np.zeros(12)
    shift[[6, 8, 10]] = 4.0  # three long breaks between reps late in the set
    shift = np.cumsum(shift)
    r.rep_times = list(np.asarray(r.rep_times) + shift)
    r.rep_starts = list(np.asarray(r.rep_starts) + shift)
    f = fatigue_analysis(r)
    assert any("pause" in s for s in f["indicators"]) and f["fatigue_score"] >= 0.15


def test_fatigue_score_is_bounded():
    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(0, 30))
        f = fatigue_analysis(_reps(rng.uniform(1, 200, n), rng.uniform(0.2, 10, n)) if n else RepResult(0))
        assert 0.0 <= f["fatigue_score"] <= 1.0
        for k in ("early_consistency", "late_consistency"):
            assert f[k] is None or 0.0 <= f[k] <= 1.0
    h = hold_fatigue(np.arange(0, 30, 0.1), np.linspace(170, 140, 300), rng.normal(0, 0.1, 300))
    assert 0.0 <= h["fatigue_score"] <= 1.0 and h["fatigue_score"] > 0.3


# -- features, helpers ---------------------------------------------------------------------------

def test_features_are_view_independent_angles():
    p = np.stack([pose_at("squat", 1.0), pose_at("squat", 1.0, yaw=90)])
    img, world = render(p, noise=0.0)
    f = compute_features(img, world, 16 / 9)
    assert set(FEATURE_NAMES) <= set(f)
    assert f["knee_angle"][0] == pytest.approx(f["knee_angle"][1], abs=2)
    assert f["knee_angle"][0] == pytest.approx(180 - 105, abs=3)
    upright = compute_features(*render(pose_at("rest", 0)[None], noise=0), 16 / 9)
    side = compute_features(*render(pose_at("plank", 0, yaw=90)[None], noise=0), 16 / 9)
    head_on = compute_features(*render(pose_at("plank", 0)[None], noise=0), 16 / 9)
    assert upright["torso_incline"][0] < 10 and upright["trunk_lying"][0] < 10
    assert side["torso_incline"][0] > 70 and side["trunk_lying"][0] > 70
    # filmed head-on the image foreshortens the trunk; the 3-D landmarks still see it lying
    assert head_on["torso_incline"][0] < 20 and head_on["trunk_lying"][0] > 70


def test_fill_gaps_and_smoothing():
    t = np.arange(10) * 0.1
    x = np.arange(10, dtype=float)
    x[3:5] = np.nan
    assert np.allclose(fill_gaps(t, x, 1.0), np.arange(10))
    assert np.isnan(fill_gaps(t, x, 0.1)[3])
    assert np.allclose(gaussian_smooth(t, np.ones(10), 0.2), 1.0)


def test_detect_cuts():
    t = np.arange(100) * 0.033
    d = np.full(100, 2.0)
    d[40] = 60.0
    assert np.allclose(detect_cuts(t, d), [t[40]])
    assert len(detect_cuts(t, np.full(100, 2.0))) == 0


# -- main subject --------------------------------------------------------------------------------

def test_main_subject_drops_a_brief_switch_to_someone_else():
    t, img, world, _ = sequence([("jumping_jack", 10, 1.0)], fps=10.0)
    det = np.ones(len(t), dtype=bool)
    other = img.copy()
    other[..., 0] += 0.35  # a second person to the right
    switched = img.copy()
    switched[40:55] = other[40:55]  # the tracker jumps to them for 1.5 s, then comes back
    keep = main_subject_mask(switched, det, t)
    assert not keep[40:55].any() and keep[:40].all() and keep[55:].all()


def test_main_subject_keeps_vertical_motion_and_cuts():
    t, img, world, _ = sequence([("pullup", 5, 1.2)], fps=10.0)
    det = np.ones(len(t), dtype=bool)
    assert main_subject_mask(img, det, t).all()
    moved = img.copy()
    moved[30:, :, 0] += 0.3  # the same person, placed elsewhere after a scene cut
    assert main_subject_mask(moved, det, t, cuts=np.array([t[30] - 0.01])).all()


# -- sampling ------------------------------------------------------------------------------------

def test_rate_schedule_and_adaptive_rate():
    sched = RateSchedule(5.0)
    picked = [i / 30 for i in range(300) if sched.want(i / 30, 0.5 / 30)]
    assert len(picked) == pytest.approx(50, abs=1)
    # fast periodic movement raises the rate, rest brings it back down
    sched = RateSchedule(6.0)
    ctl = AdaptiveRate(sched, 6.0, 15.0, 10.0, window_s=4.0)
    t = 0.0
    while t < 8.0:
        ctl.observe(t, render(pose_at("jumping_jack", float(_phase(np.array([t]), 0.8)[0]))[None])[0][0])
        t += sched.interval
    assert ctl.fps > 10.0
    while t < 20.0:
        ctl.observe(t, render(pose_at("rest", 0.0)[None])[0][0])
        t += sched.interval
    assert ctl.fps == pytest.approx(6.0)
    assert cycle_period(np.arange(0, 6, 0.1), np.sin(2 * np.pi * np.arange(0, 6, 0.1)), 0.5) == pytest.approx(1.0, abs=0.15)


def test_skip_policy_turns_skipping_off_when_too_sparse():
    sp = SkipPolicy(True)
    changed = [sp.update(i * 0.2, 1 / 8) for i in range(10)]  # reference frames every 0.2 s, want 8 fps
    assert any(changed) and not sp.skipping
    sp2 = SkipPolicy(True)
    assert not any(sp2.update(i * 0.033, 1 / 8) for i in range(20)) and sp2.skipping


def test_model_complexity_offline():
    assert check_complexity(1) == 1
    import os

    for c in (0, 2):
        if not os.path.exists(model_path(c)):
            with pytest.raises(PoseModelUnavailable, match="download"):
                check_complexity(c)
    with pytest.raises(ValueError):
        check_complexity(3)


# -- output --------------------------------------------------------------------------------------

def _result(parts, **kw):
    res, _ = analyze(parts, **kw)
    return build_result(res, total_duration=60.0, total_frames=1800, analyzed_frames=600, detected_frames=590,
                        average_visibility=0.9, timings={"pose_s": 1.0}, processing_time=2.0, peak_memory_mb=300.0,
                        arrays={"poses": np.zeros((3, 33, 4), np.float32)})


def test_result_schema():
    r = _result([("rest", 3.0), ("squat", 5, 2.5), ("rest", 6.0), ("plank", 12.0), ("rest", 3.0)])
    assert set(r) >= {"session_summary", "detailed_analysis", "video_stats", "processing_time", "timings",
                      "peak_memory_mb", "timeline", "poses"}
    ss = r["session_summary"]
    assert set(ss) >= {"total_duration", "total_exercise_time", "rest_time", "total_reps", "exercises_performed",
                       "exercise_breakdown"}
    assert ss["total_reps"] == 5
    assert ss["exercises_performed"] == ["squat", "plank"]
    assert ss["exercise_breakdown"] == {"squat": 5, "plank": 1}
    assert ss["total_exercise_time"] + ss["rest_time"] == pytest.approx(ss["total_duration"], abs=0.01)
    for seg in r["detailed_analysis"]:
        assert set(seg) >= {"exercise", "start_time", "end_time", "duration", "reps_counted", "rep_timestamps",
                            "fatigue_analysis"}
        assert seg["exercise"] in EXERCISES + ("other",)
        fa = seg["fatigue_analysis"]
        assert set(fa) >= {"fatigue_score", "indicators", "early_consistency", "late_consistency"}
        assert 0 <= fa["fatigue_score"] <= 1
        assert len(seg["rep_timestamps"]) == seg["reps_counted"]
    plank = [s for s in r["detailed_analysis"] if s["exercise"] == "plank"][0]
    assert plank["reps_counted"] == 0 and plank["hold_duration"] == pytest.approx(12.0, rel=0.15)
    assert set(r["video_stats"]) >= {"total_frames", "analyzed_frames", "pose_detection_rate", "average_visibility"}
    json.dumps({k: v for k, v in r.items() if k != "poses"})  # JSON-ready
    text = format_report(r)
    assert "total reps 5" in text and "squat" in text and "plank" in text


def test_session_summary_counts_holds():
    recs = [{"exercise": "plank", "duration": 20.0, "reps_counted": 0},
            {"exercise": "plank", "duration": 30.0, "reps_counted": 0},
            {"exercise": "rest", "duration": 10.0, "reps_counted": 0}]
    ss = session_summary(recs, 60.0)
    assert ss["exercise_breakdown"] == {"plank": 2} and ss["total_reps"] == 0 and ss["rest_time"] == 10.0


def test_write_fitness_tables(tmp_path):
    import pyarrow.parquet as pq

    from batchproc.fns.fitness.tables import LANDMARK_COLUMNS, write_fitness_tables

    r = _result([("rest", 3.0), ("squat", 5, 2.5), ("rest", 3.0)])
    poses = np.random.default_rng(0).random((4, 33, 4)).astype(np.float32)
    poses[2] = np.nan
    art = tmp_path / "artifacts" / "v1"
    art.mkdir(parents=True)
    np.save(art / "poses.npy", poses)
    r["poses"] = {"artifact": "artifacts/v1/poses.npy", "shape": [4, 33, 4], "dtype": "float32"}
    r["pose_frame_indices"] = [0, 3, 6, 9]
    r["pose_times"] = [0.0, 0.1, 0.2, 0.3]
    records = [{"video_id": "v1", "video_path": "x.mp4", "status": "ok", "result": r},
               {"video_id": "v2", "video_path": "y.mp4", "status": "failed", "result": None}]
    write_fitness_tables(tmp_path, records)
    seg = pq.read_table(tmp_path / "segments.parquet").to_pandas()
    assert set(seg.columns) >= {"video_id", "segment_index", "exercise", "start_time", "end_time", "duration",
                                "reps_counted", "fatigue_score"}
    assert seg[seg.exercise == "squat"].reps_counted.sum() == 5
    ps = pq.read_table(tmp_path / "poses.parquet").to_pandas()
    assert len(ps) == 4 and list(ps.frame_index) == [0, 3, 6, 9]
    assert set(LANDMARK_COLUMNS) <= set(ps.columns) and "lm32_v" in ps.columns
    assert not ps.detected[2] and ps.detected[0]
    assert ps.lm00_x[0] == pytest.approx(float(poses[0, 0, 0]))
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary files left


def test_segment_duration():
    assert Segment("squat", 1.0, 3.5).duration == 2.5
