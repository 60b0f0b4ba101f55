"""The synthetic pose generator (``batchproc.fns.fitness.synth``): what its users rely on.

Arrays in MediaPipe Pose 0.10's conventions, determinism, framing, and above all that each exercise
moves the body the way that exercise does, with exactly the reps the ground truth claims. Geometry is
measured on the generated (noisy) world landmarks, as the analysis would see them.
"""
from __future__ import annotations

import numpy as np
import pytest

from batchproc.fns.fitness.synth import EXERCISES, MOVEMENTS, NON_EXERCISES, generate_sequence, generate_session
from batchproc.fns.fitness.synth import body as B
from batchproc.fns.fitness.synth.movements import perform
from batchproc.fns.fitness.synth.posture import MotionOptions
from batchproc.fns.fitness.synth.tempo import Tempo, schedule

SEEDS = (0, 1, 2, 3)
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANK, R_ANK = 23, 24, 25, 26, 27, 28
NOSE = 0
WORLD_UP = np.array([0.0, -1.0, 0.0])  # MediaPipe world: y points down the image
SCENE_UP = np.array([0.0, 0.0, 1.0])  # the generator's own scene: z up


# -- measuring helpers ---------------------------------------------------------------------------

def angle(w: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    u, v = w[:, a] - w[:, b], w[:, c] - w[:, b]
    cos = np.sum(u * v, -1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def knee(w, up=None):
    return (angle(w, L_HIP, L_KNEE, L_ANK) + angle(w, R_HIP, R_KNEE, R_ANK)) / 2


def elbow(w, up=None):
    return (angle(w, L_SH, L_EL, L_WR) + angle(w, R_SH, R_EL, R_WR)) / 2


def elbow_min(w, up=None):
    """The more bent elbow: the curling one, whichever arm works (and immune to left/right swaps)."""
    return np.minimum(angle(w, L_SH, L_EL, L_WR), angle(w, R_SH, R_EL, R_WR))


def trunk_incline(w, up=WORLD_UP):
    """Hip -> shoulder against ``up`` (the world's is the image's up): 0 upright, 90 lying."""
    d = (w[:, L_SH] + w[:, R_SH]) / 2 - (w[:, L_HIP] + w[:, R_HIP]) / 2
    return np.degrees(np.arccos(np.clip(d @ up / np.linalg.norm(d, axis=1), -1, 1)))


def wrists_below_shoulders(w, up=WORLD_UP):
    """Mean wrist height under the shoulders (m): negative = wrists overhead."""
    return -(((w[:, L_WR] + w[:, R_WR]) / 2 - (w[:, L_SH] + w[:, R_SH]) / 2) @ up)


def clean(x: np.ndarray) -> np.ndarray:
    """Bridge the detector's dropouts and take out single-frame glitches (running median of 3)."""
    ok = np.isfinite(x)
    idx = np.arange(len(x))
    x = np.interp(idx, idx[ok], x[ok])
    pad = np.concatenate([x[:1], x, x[-1:]])
    return np.median(np.lib.stride_tricks.sliding_window_view(pad, 3), axis=1)


def count_dips(x: np.ndarray, down: float = 0.5, back: float = 0.3) -> tuple[int, list[int]]:
    """Cycles of a signal that leaves its resting level (its top) and comes back: a dip deeper than
    ``down`` of the signal's range, then a return to within ``back`` of the top. Returns the count and
    the frame of each return."""
    top, bottom = np.percentile(x, 98), np.percentile(x, 2)
    span = top - bottom
    low, high = top - down * span, top - back * span
    state_down = x[0] < low
    returns = []
    for i, v in enumerate(x):
        if not state_down and v < low:
            state_down = True
        elif state_down and v > high:
            state_down = False
            returns.append(i)
    return len(returns), returns


SIGNALS = {  # what goes out and comes back in each exercise
    "squat": knee, "lunge": knee, "pushup": elbow, "bicep_curl": elbow, "pullup": elbow,
    "situp": trunk_incline, "jumping_jack": wrists_below_shoulders,
}


def hidden_reps(seq, period_s: float) -> int:
    """How many reps the detector's dropouts could hide: runs without a pose at least half a rep long."""
    fps = 1.0 / (seq.times[1] - seq.times[0])
    hidden, run = 0, 0
    for d in list(seq.detected) + [True]:
        if not d:
            run += 1
            continue
        if run / fps >= 0.5 * period_s:
            hidden += int(np.ceil(run / fps / period_s))
        run = 0
    return hidden


def one_set(label: str, seed: int, fps: float = 10.0):
    """A single set that starts and ends at rest (a one-part session), so every rep is whole."""
    return generate_session([label], seed, fps=fps)


# -- the arrays ------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["squat", "walking", "lying"])
def test_shapes_dtypes_and_conventions(label):
    seq = generate_sequence(label, 7, duration_s=6.0, fps=10.0)
    n = 60
    assert seq.times.dtype == np.float64 and np.allclose(seq.times, np.arange(n) / 10.0)
    assert seq.poses.shape == (n, 33, 4) and seq.poses.dtype == np.float32
    assert seq.world.shape == (n, 33, 3) and seq.world.dtype == np.float32
    assert seq.detected.shape == (n,) and seq.detected.dtype == bool
    assert min(abs(seq.aspect - a) for a in (16 / 9, 9 / 16, 4 / 3, 1.0)) < 1e-9
    assert seq.label == label
    det = seq.detected
    assert np.isnan(seq.poses[~det]).all() and np.isnan(seq.world[~det]).all()
    assert np.isfinite(seq.poses[det]).all() and np.isfinite(seq.world[det]).all()
    vis = seq.poses[det][..., 3]
    assert vis.min() >= 0.0 and vis.max() <= 1.0
    assert seq.segments == [(label, 0.0, 6.0, len(seq.rep_times))]


def test_movement_lists():
    assert EXERCISES == ("squat", "pushup", "lunge", "jumping_jack", "plank", "situp", "bicep_curl", "pullup")
    assert set(MOVEMENTS) == set(EXERCISES) | set(NON_EXERCISES) and not set(EXERCISES) & set(NON_EXERCISES)
    assert len(NON_EXERCISES) >= 10


@pytest.mark.parametrize("label", MOVEMENTS)
def test_every_movement_generates(label):
    seq = generate_sequence(label, 11, duration_s=8.0)
    det = seq.detected
    assert det.mean() > 0.5
    w = seq.world[det].astype(float)
    # a human-sized body: shoulders 0.25-0.5 m apart, hip to shoulder 0.3-0.7 m
    assert 0.2 < np.median(np.linalg.norm(w[:, L_SH] - w[:, R_SH], axis=1)) < 0.55
    torso = np.linalg.norm((w[:, L_SH] + w[:, R_SH]) / 2 - (w[:, L_HIP] + w[:, R_HIP]) / 2, axis=1)
    assert 0.3 < np.median(torso) < 0.75
    if label not in EXERCISES or label == "plank":
        assert seq.rep_times == [] and seq.rep_starts == []


def test_body_proportions_and_arm_postures():
    from batchproc.fns.fitness.synth.posture import ARM_POSTURES, arm_posture

    for seed in range(20):
        shape = B.sample_body(np.random.default_rng(seed))
        assert 1.5 <= shape.height <= 1.95
        assert 0.47 < (shape.ankle_height + shape.leg) / shape.height < 0.6  # hips a little above half height
        for name in ARM_POSTURES:  # every named posture solves to finite angles
            for side in ("l", "r"):
                assert np.isfinite(list(arm_posture(shape, name, side).values())).all(), name


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="unknown movement"):
        generate_sequence("handstand", 0)
    with pytest.raises(ValueError, match="view"):
        generate_sequence("squat", 0, view="top")


def test_same_seed_same_arrays_other_seed_differs():
    a = generate_sequence("lunge", 3, duration_s=5.0)
    b = generate_sequence("lunge", 3, duration_s=5.0)
    c = generate_sequence("lunge", 4, duration_s=5.0)
    np.testing.assert_array_equal(a.poses, b.poses)
    np.testing.assert_array_equal(a.world, b.world)
    np.testing.assert_array_equal(a.detected, b.detected)
    assert a.rep_times == b.rep_times and a.aspect == b.aspect
    assert not np.allclose(np.nan_to_num(a.poses), np.nan_to_num(c.poses))
    s1 = generate_session(["squat", "plank"], 5)
    s2 = generate_session(["squat", "plank"], 5)
    np.testing.assert_array_equal(s1.poses, s2.poses)
    assert s1.segments == s2.segments


def test_world_origin_is_the_hip_midpoint():
    for label in ("squat", "pushup", "walking"):
        seq = generate_sequence(label, 2, duration_s=6.0)
        w = seq.world[seq.detected]
        mid = (w[:, L_HIP] + w[:, R_HIP]) / 2
        assert np.abs(mid).max() < 1e-5
        z = seq.poses[seq.detected][:, [L_HIP, R_HIP], 2].mean(axis=1)  # image depth origin too
        assert np.abs(z).max() < 1e-5


def test_image_coordinates_inside_the_frame_unless_cropped():
    cropped_seen = 0
    for seed in range(24):
        seq = generate_sequence(MOVEMENTS[seed % len(MOVEMENTS)], seed, duration_s=5.0)
        p = seq.poses[seq.detected]
        inside = (p[..., 0] >= 0) & (p[..., 0] <= 1) & (p[..., 1] >= 0) & (p[..., 1] <= 1)
        if seq.meta["cropped"] is None:
            assert inside.mean() > 0.97, (seed, inside.mean())
        else:
            cropped_seen += 1
            assert (~inside).any()
            # out-of-frame points are still guessed, with low visibility
            assert np.isfinite(p[~inside]).all()
            assert np.median(p[~inside][:, 3]) < 0.5
    assert cropped_seen >= 1


def test_left_is_the_persons_own_left():
    """Facing the camera, the person's left shoulder is on the image's right; from behind, on its left."""
    for seed in range(3):
        front = generate_sequence("standing", seed, duration_s=4.0, view="front")
        rear = generate_sequence("standing", seed, duration_s=4.0, view="rear")
        for seq, sign in ((front, 1), (rear, -1)):
            p = seq.poses[seq.detected]
            assert np.sign(np.median(p[:, L_SH, 0] - p[:, R_SH, 0])) == sign
            assert np.sign(np.median(p[:, 2, 0] - p[:, 5, 0])) == sign  # eyes too
            w = seq.world[seq.detected]
            assert np.sign(np.median(w[:, L_HIP, 0] - w[:, R_HIP, 0])) == sign
        # from the front the nose is nearer the camera than the ears; from behind, farther
        pf, pr = front.poses[front.detected], rear.poses[rear.detected]
        assert np.median(pf[:, NOSE, 2] - pf[:, [7, 8], 2].mean(axis=1)) < 0
        assert np.median(pr[:, NOSE, 2] - pr[:, [7, 8], 2].mean(axis=1)) > 0


def test_depth_follows_the_camera_and_far_side_is_less_visible():
    seq = generate_sequence("bicep_curl", 4, duration_s=8.0, view="side")
    p, w = seq.poses[seq.detected], seq.world[seq.detected]
    left_nearer = np.median(w[:, L_SH, 2] - w[:, R_SH, 2]) < 0
    near, far = (L_SH, R_SH) if left_nearer else (R_SH, L_SH)
    assert np.median(p[:, near, 3]) > np.median(p[:, far, 3]) + 0.15
    # image z: smaller is closer, like world z
    assert np.sign(np.median(p[:, near, 2] - p[:, far, 2])) == -1


# -- exercise geometry -------------------------------------------------------------------------------

@pytest.mark.parametrize("label", sorted(SIGNALS))
def test_rep_times_are_exactly_the_generated_cycles(label):
    """On the body's true motion (before camera and detector), every complete cycle is one entry of
    ``rep_times``, and nothing else is. Clips may start and stop mid-rep; sets inside a session start
    and stop at rest, so there the count is exact."""
    t = np.arange(0.0, 20.0, 0.05)
    for seed in range(6):
        for opts in (MotionOptions(1.7, 1.7), MotionOptions()):
            rng = np.random.default_rng(seed)
            shape = B.sample_body(rng)
            motion = perform(label, t, rng, shape, opts)
            count, _ = count_dips(SIGNALS[label](B.landmarks(shape, motion.pose), SCENE_UP))
            if opts.lead_in is None:  # a threshold may miss or add a rep cut at either end
                assert abs(count - len(motion.rep_times)) <= 1, (label, seed, count, motion.rep_times)
            else:
                assert count == len(motion.rep_times) >= 2, (label, seed, count, motion.rep_times)


@pytest.mark.parametrize("label", sorted(SIGNALS))
def test_rep_count_survives_the_detector(label):
    """Counted on the detector's output, the reps match the ground truth, less those hidden by
    dropouts; a limb swap or collapse burst (as MediaPipe has them) may add or hide one in one set."""
    fps = 20.0 if label == "jumping_jack" else 10.0
    off = 0
    for seed in SEEDS:
        seq = one_set(label, seed, fps)
        sig = clean(SIGNALS[label](seq.world.astype(float)))
        count, returns = count_dips(sig)
        hidden = hidden_reps(seq, seq.meta["style"]["parts"][0]["period"])
        assert len(seq.rep_times) - hidden - 1 <= count <= len(seq.rep_times) + 1, (label, seed, count, seq.rep_times)
        exact = len(seq.rep_times) - hidden <= count <= len(seq.rep_times)
        assert len(seq.rep_times) >= 2
        # each observed return falls just before the completion time of a rep
        lag = np.min(np.abs(np.asarray(seq.rep_times)[:, None] - seq.times[returns][None, :]), axis=0)
        assert np.sum(lag >= 1.5) <= 1, (label, seed, lag)  # (one may be a burst's)
        off += bool(np.any(lag >= 1.5)) or not exact
        assert len(seq.rep_starts) == len(seq.rep_times)
        assert all(s < e for s, e in zip(seq.rep_starts, seq.rep_times))
    assert off <= 1, (label, off)


@pytest.mark.parametrize("label", sorted(SIGNALS))
def test_clips_may_start_and_end_mid_rep(label):
    """Free clips: a rep under way at t=0 counts if it completes; one cut off at the end does not."""
    fps = 20.0 if label == "jumping_jack" else 10.0
    for seed in SEEDS:
        seq = generate_sequence(label, seed, duration_s=15.0, fps=fps)
        count, _ = count_dips(clean(SIGNALS[label](seq.world.astype(float))))
        assert abs(count - len(seq.rep_times)) <= 1, (label, seed, count, len(seq.rep_times))
        assert all(0.0 <= r <= seq.times[-1] for r in seq.rep_times)
        assert all(0.0 <= s for s in seq.rep_starts)


def test_squat_bends_knees_deeply_once_per_rep():
    for seed in SEEDS:
        seq = one_set("squat", seed)
        k = clean(knee(seq.world.astype(float)))
        assert np.percentile(k, 95) > 155  # standing between reps
        assert k.min() < 120
        for a, b in zip(seq.rep_starts, seq.rep_times):  # every rep goes well down (tired ones less)
            m = (seq.times >= a) & (seq.times <= b)
            assert k[m].min() < 135, (seed, a, b)
        assert np.nanmedian(trunk_incline(seq.world.astype(float))) < 45  # upright-ish


def test_pushup_is_horizontal_with_cycling_elbows():
    for seed in SEEDS:
        seq = one_set("pushup", seed)
        w = seq.world.astype(float)
        variant = seq.meta["style"]["parts"][0]["variant"]
        if variant != "incline":  # far from upright, whatever the camera tilt
            assert np.nanmedian(trunk_incline(w)) > 45, seed
        e = clean(elbow(w))
        assert np.percentile(e, 95) > 140 and e.min() < (125 if variant == "incline" else 115), seed


def true_motion(label: str, seed: int, duration: float = 16.0, opts=None):
    """The body's own motion (no camera, no detector): style, landmarks (scene, z up), body shape."""
    rng = np.random.default_rng(seed)
    shape = B.sample_body(rng)
    motion = perform(label, np.arange(0.0, duration, 0.1), rng, shape, opts or MotionOptions(1.7, 1.7))
    return motion, B.landmarks(shape, motion.pose), shape


def scene_trunk_elevation(lm):
    """Hip -> shoulder above the horizontal (degrees), in the scene."""
    d = (lm[:, L_SH] + lm[:, R_SH]) / 2 - (lm[:, L_HIP] + lm[:, R_HIP]) / 2
    return np.degrees(np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1])))


def test_pushup_variants_geometry():
    """Incline push-ups lift the trunk 20-70 degrees, declines tip it down, narrow to wide hands."""
    seen = set()
    for seed in range(40):
        motion, lm, shape = true_motion("pushup", seed, 8.0)
        st = motion.style
        seen.add(st["variant"])
        elev = scene_trunk_elevation(lm)
        wrists = np.linalg.norm(lm[:, L_WR] - lm[:, R_WR], axis=1)
        assert np.ptp(wrists) < 0.01 and np.ptp(lm[:, L_WR, 2]) < 0.01  # hands stay put
        if st["variant"] == "incline":
            assert 15 <= elev.max() <= 75, (seed, elev.max())
            assert 15 <= st["top_trunk_deg"] <= 75
        elif st["variant"] == "decline":
            assert elev.max() < 8, (seed, elev.max())
        else:
            assert elev.max() < 40
        assert 0.6 * shape.shoulder_width < np.median(wrists) < 2.4 * shape.shoulder_width
    assert seen == {"full", "knee", "incline", "decline"}


def test_situp_trunk_goes_from_lying_to_upright():
    full = 0
    for seed in range(8):
        seq = one_set("situp", seed)
        inc = clean(trunk_incline(seq.world.astype(float)))
        top_deg = seq.meta["style"]["parts"][0]["top_deg"]
        assert np.ptp(inc) > 0.6 * top_deg, (seed, np.ptp(inc), top_deg)
        if top_deg > 60:
            full += 1
            assert np.percentile(inc, 95) - inc.min() > 45
    assert full >= 2


def test_crunches_move_the_trunk_a_little():
    """Crunches (floor, ball, bicycle) move the trunk 20-40 degrees; on a ball the hips sit above the
    feet and the trunk starts draped back below the horizontal."""
    seen = set()
    for seed in range(30):
        motion, lm, shape = true_motion("situp", seed, 10.0)
        variant = motion.style["variant"]
        if variant == "situp":
            continue
        seen.add(variant)
        elev = scene_trunk_elevation(lm)
        assert 15 < np.ptp(elev) < 45, (seed, variant, np.ptp(elev))
        hips = (lm[:, L_HIP, 2] + lm[:, R_HIP, 2]) / 2
        if variant == "ball":
            assert np.min(hips - lm[:, [L_ANK, R_ANK], 2].max(axis=1)) > 0.35
            assert elev.min() < -3, (seed, elev.min())
        if variant == "bicycle":  # shoulders stay off the floor, the knees take turns
            assert elev.min() > 5
            assert np.ptp(lm[:, L_KNEE, 2] - lm[:, R_KNEE, 2]) > 0.1
    assert seen == {"crunch", "ball", "bicycle"}


def test_jumping_jack_wrists_go_over_the_head_every_rep():
    for seed in SEEDS:
        seq = one_set("jumping_jack", seed, fps=20.0)
        w = seq.world.astype(float)
        over = clean((w[:, L_WR, 1] + w[:, R_WR, 1]) / 2 - w[:, NOSE, 1])  # < 0: wrists above the nose
        for a, b in zip(seq.rep_starts, seq.rep_times):
            m = (seq.times >= a) & (seq.times <= b)
            if seq.detected[m].mean() > 0.7:  # (unless the detector lost the body meanwhile)
                assert over[m].min() < 0, (seed, a)
        assert np.percentile(over, 95) > 0.3  # hands by the sides in between


def test_lunge_curl_pullup_plank_shapes():
    for seed in SEEDS[:3]:
        lunge = one_set("lunge", seed)
        k = clean(np.minimum(angle(lunge.world.astype(float), L_HIP, L_KNEE, L_ANK),
                             angle(lunge.world.astype(float), R_HIP, R_KNEE, R_ANK)))
        assert k.min() < 120 and np.percentile(k, 95) > 150
        curl = one_set("bicep_curl", seed)
        w = curl.world.astype(float)
        arms = [clean(angle(w, L_SH, L_EL, L_WR)), clean(angle(w, R_SH, R_EL, R_WR))]
        e = max(arms, key=np.ptp)  # the working arm (the other may rest on the hip in one-arm sets)
        assert e.min() < 80 and np.percentile(e, 95) > 140
        if curl.meta["style"]["parts"][0]["stance"] in ("standing", "seated", "cable"):
            assert np.nanmedian(trunk_incline(curl.world.astype(float))) < 45
        pull = one_set("pullup", seed)
        w = pull.world.astype(float)
        assert clean(elbow(w)).min() < 90
        assert np.nanmedian((w[:, L_WR, 1] + w[:, R_WR, 1]) / 2 - w[:, NOSE, 1]) < -0.1  # hands over the head
        plank = one_set("plank", seed)
        assert plank.rep_times == []
        assert np.nanpercentile(trunk_incline(plank.world.astype(float)), 10) > 45


def test_walking_strides_long_but_hips_stay_up_unlike_a_lunge():
    """Walking: long strides (feet about a torso or more apart front to back), arms swinging with
    bent elbows, knees bending little and the hips dipping only a few cm; a lunge drops them far."""
    styles, fb_max = set(), []
    for seed in range(18):
        motion, lm, shape = true_motion("walking", seed, 14.0, MotionOptions())
        styles.add(motion.style["gait"])
        hips = (lm[:, L_HIP, 2] + lm[:, R_HIP, 2]) / 2
        assert np.percentile(hips, 98) - np.percentile(hips, 2) < 0.11 * shape.leg, seed
        yaw = motion.pose["yaw"]
        d = lm[:, L_ANK] - lm[:, R_ANK]
        fb_max.append(np.percentile(np.abs(d[:, 0] * np.cos(yaw) + d[:, 1] * np.sin(yaw)), 98) / shape.torso)
        assert lm[:, 27:33, 2].min() > -0.02  # feet do not sink into the floor
        straighter = np.maximum(angle(lm, L_HIP, L_KNEE, L_ANK), angle(lm, R_HIP, R_KNEE, R_ANK))
        # the standing leg stays nearly straight (sneaking: a little bent)
        assert np.percentile(straighter, 5) > (120 if motion.style["gait"] == "sneaking" else 135), seed
    assert max(fb_max) > 1.2 and min(fb_max) > 0.7, fb_max
    assert len(styles) >= 3, styles
    for seed in range(3):
        motion, lm, shape = true_motion("lunge", seed, 12.0)
        hips = (lm[:, L_HIP, 2] + lm[:, R_HIP, 2]) / 2
        assert np.ptp(hips) > 0.25 * shape.leg
        straighter = np.maximum(angle(lm, L_HIP, L_KNEE, L_ANK), angle(lm, R_HIP, R_KNEE, R_ANK))
        assert straighter.min() < 125  # at the bottom both knees bend


def test_pullup_grips_and_framing():
    """Wide grips hold the wrists 1.2-1.9 torso lengths apart; pull-ups are often framed on the upper
    body, the legs below the frame guessed with low visibility."""
    wide = 0
    for seed in range(12):
        motion, lm, shape = true_motion("pullup", seed, 6.0)
        apart = np.median(np.linalg.norm(lm[:, L_WR] - lm[:, R_WR], axis=1)) / shape.torso
        if motion.style["grip"] == "wide":
            wide += 1
            assert 1.15 < apart < 1.95, (seed, apart)
    assert wide >= 3
    legs = 0
    for seed in range(10):
        seq = generate_sequence("pullup", seed, duration_s=4.0)
        if seq.meta["cropped"] == "legs":
            legs += 1
            p = seq.poses[seq.detected]
            assert np.median(p[:, [L_ANK, R_ANK], 1]) > 1.0 and np.median(p[:, [L_ANK, R_ANK], 3]) < 0.5
            assert np.median(p[:, [L_SH, R_SH], 3]) > 0.6
    assert legs >= 2


def test_curl_variants():
    """Bent-over curls lean the trunk 20-60 degrees, concentration curls keep the elbow low over the
    thigh; cable curls hold at the top."""
    seen = set()
    for seed in range(40):
        motion, lm, shape = true_motion("bicep_curl", seed, 10.0)
        stance = motion.style["stance"]
        seen.add(stance)
        lean = 90 - scene_trunk_elevation(lm)
        arms = [angle(lm, L_SH, L_EL, L_WR), angle(lm, R_SH, R_EL, R_WR)]
        k = int(np.argmax([np.ptp(a) for a in arms]))
        assert arms[k].min() < 80 and arms[k].max() > 140, (seed, stance)
        if stance == "bent_over":
            assert 15 < np.median(lean) < 65, (seed, np.median(lean))
        elif stance == "concentration":
            el = lm[:, L_EL + k]
            assert np.median(el[:, 2]) < np.median((lm[:, L_HIP, 2] + lm[:, R_HIP, 2]) / 2) + 0.25
            assert motion.style["mode"] == "single"
        else:
            assert np.median(lean) < 20
    assert seen == {"standing", "seated", "bent_over", "concentration", "cable"}


def test_every_exercise_gets_every_camera():
    """Cameras do not depend on the variant: each exercise is seen from all round, low and high."""
    for label in EXERCISES:
        az, el = [], []
        for seed in range(16):
            seq = generate_sequence(label, seed, duration_s=2.0)
            az.append(seq.meta["azimuth_deg"])
            el.append(seq.meta["elevation_deg"])
        az, el = np.abs(np.array(az)), np.array(el)
        assert (az < 60).any() and (az > 120).any() and ((az > 45) & (az < 135)).any(), (label, az)
        assert el.min() < 5 and el.max() > 20 and el.min() >= -40 and el.max() <= 65, (label, el)


def test_rest_varies_and_gets_down_and_up():
    kinds = set()
    for seed in range(16):
        motion, lm, shape = true_motion("rest", seed, 5.0, MotionOptions())
        kind = motion.style.get("rest", "walk" if "gait" in motion.style else "stand")
        kinds.add(kind)
        hips = (lm[:, L_HIP, 2] + lm[:, R_HIP, 2]) / 2
        if kind in ("kneel", "floor"):  # down, and standing again at the end
            assert hips.min() < 0.75 * hips[0] and hips[-1] > 0.9 * hips[0], (seed, kind)
    assert {"stand", "kneel", "floor"} <= kinds, kinds


def test_view_changes_the_camera_not_the_movement():
    for label, measure in (("squat", knee), ("bicep_curl", elbow), ("pushup", elbow)):
        series = {}
        for view in ("front", "side", "rear", "three_quarter"):
            seq = generate_sequence(label, 21, duration_s=12.0, view=view)
            assert seq.meta["view"] == view
            series[view] = clean(measure(seq.world.astype(float)))
            assert seq.rep_times == generate_sequence(label, 21, duration_s=12.0).rep_times
        ref = series["front"]
        for view, s in series.items():
            assert np.median(np.abs(s - ref)) < 12, (label, view, np.median(np.abs(s - ref)))
            assert np.corrcoef(s, ref)[0, 1] > 0.8, (label, view)


# -- the rep schedule ----------------------------------------------------------------------------------

def test_schedule_counts_only_complete_reps():
    tempo = Tempo(period=(2.0, 2.0), jitter=0.0, gap=(0.5, 0.5), pause_prob=0.0)
    t = np.arange(0, 10.0, 0.1)
    for seed in range(20):
        tr = schedule(t, np.random.default_rng(seed), tempo)
        ends = tr.ends[(tr.ends >= 0) & (tr.ends <= t[-1])]
        assert tr.rep_times == pytest.approx(list(ends))
        assert all(s == max(a, 0.0) for s, a in zip(tr.rep_starts, tr.starts[(tr.ends >= 0) & (tr.ends <= t[-1])]))
        assert np.all(tr.level >= 0) and np.all(tr.level <= 1)
        # the level is at rest outside reps and far out in the middle of each
        for a, e in zip(tr.starts, tr.ends):
            mid = (t > a + 0.4 * (e - a)) & (t < a + 0.6 * (e - a))
            if mid.any():
                assert tr.level[mid].max() > 0.6
    lead = schedule(t, np.random.default_rng(0), tempo, lead_in=1.0, lead_out=1.0)
    assert lead.starts[0] >= 1.0 and lead.ends[-1] <= t[-1] - 1.0


# -- sessions ------------------------------------------------------------------------------------------

def test_session_segments_cover_the_timeline_in_order():
    labels = ["squat", "walking", "pushup", "jumping_jack"]
    seq = generate_session(labels, 9, fps=10.0, rest_s=(2.0, 4.0))
    assert seq.label == "session"
    names = [s[0] for s in seq.segments]
    assert names == ["squat", "rest", "walking", "rest", "pushup", "rest", "jumping_jack"]
    assert seq.segments[0][1] == 0.0
    for (_, _, end, _), (_, start, _, _) in zip(seq.segments[:-1], seq.segments[1:]):
        assert end == pytest.approx(start)
    assert seq.segments[-1][2] == pytest.approx(len(seq.times) / 10.0)
    for name, a, b, _ in seq.segments:
        if name == "rest":
            assert 2.0 - 0.1 <= b - a <= 4.0 + 0.1
    assert sum(s[3] for s in seq.segments) == len(seq.rep_times)
    for r in seq.rep_times:  # every rep inside a segment of an exercise
        seg = next(s for s in seq.segments if s[1] <= r <= s[2])
        assert seg[0] in EXERCISES
    assert seq.poses.shape == (len(seq.times), 33, 4)
