"""Activities: movements that are not one of the eight exercises, for the classifier's "other" class.

Why these: the hard negatives are what a person does between sets or instead of them, and movements
that share parts with an exercise (a burpee contains a squat and a push-up, mountain climbers hold a
plank, marching lifts the knees, arm circles raise the arms like jumping jacks, yoga holds lunges and
planks). Each is a function of time with the signature of ``posture.MovementFn``; none reports reps.
"""
from __future__ import annotations

import numpy as np

from . import body as B
from . import posture as P
from .body import BodyShape, Pose
from .posture import DEG, Motion, MotionOptions, Support
from .tempo import Tempo, ease, out_and_back, schedule, steady_phase

STAND_ARMS = ("hang", "hips", "crossed", "pockets", "phone", "face", "clasped", "chest")
ONE_HANDED = ("phone", "face")
LOOK_AROUND_DEG = 40.0
WEIGHT_SHIFT = 0.3  # standing, the hips move up to this share of the stance toward one foot ...
WEIGHT_SHIFT_DROP_M = 0.015  # ... sinking a little,
PELVIS_DROP_PER_M = 0.4  # the pelvis dropping on the unloaded side (rad per m of shift)
TRUNK_COUNTER_PER_M = 0.3  # and the trunk leaning back over the middle (rad per m)
STRIDE_PER_HEIGHT = (0.68, 0.85)  # two steps' length relative to body height
BRISK_SPEED = 1.2  # m/s: the walking features below reach full size at this speed
HEEL_OFF = 0.15  # the heel comes up over the last share of a stance phase ...
HEEL_RAISE_M = 0.04  # ... by this much
SWING_FOOT_FLAT = 0.3  # a swinging foot is only partly levelled
GAIT_BOB_M = 0.012  # the hips rise and fall twice a stride ...
GAIT_SINK_M = 0.035  # ... a little lower than standing
PELVIS_SWING_DEG = 4.0  # the pelvis turns with each step
SHOULDER_COUNTER = 1.5  # the shoulders turn back against it, the head keeps looking ahead
WALK_ELBOW_DEG, POWER_ELBOW_DEG, ELBOW_SWING_DEG = 12.0, 85.0, 15.0
TURN_SLOWDOWN = 0.8  # walking slows to a fifth of its speed mid-turn
BURPEE_TEMPO = Tempo(period=(2.5, 5.5), out_share=(0.5, 0.5), gap=(0.2, 1.5), pause_prob=0.15)


def _choice(rng: np.random.Generator, options, p=None) -> str:
    return str(options[int(rng.choice(len(options), p=p))])


def _end(t: np.ndarray) -> float:
    return float(t[-1]) if len(t) else 0.0


def _look_around(pose: Pose, t: np.ndarray, rng: np.random.Generator, amp_deg: float = LOOK_AROUND_DEG) -> None:
    holds = P.hold_keys(rng, _end(t), (1.0, 4.0), (0.3, 0.9))
    turn = [float(rng.uniform(-amp_deg, amp_deg)) * DEG for _ in holds]
    nod = [float(rng.uniform(-10.0, 20.0)) * DEG for _ in holds]
    key_t = [x for h in holds for x in h]
    pose["neck_turn"] = P.keyframes(t, key_t, np.repeat(turn, 2))
    pose["neck_flex"] = P.keyframes(t, key_t, np.repeat(nod, 2))


def _arm_postures(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, pose: Pose, names: tuple[str, ...],
                  extra: dict[str, Pose] | None = None, hold=(1.5, 6.0), move=(0.5, 1.2)) -> None:
    """Arms move between held postures (named in ``posture`` or given as tracks in ``extra``)."""
    options = list(names) + list(extra or {})
    holds = P.hold_keys(rng, _end(t), hold, move)
    tracks = []
    for name in options:
        q = pose.copy()
        if extra and name in extra:
            P.copy_channels(q, extra[name], P.ARM_KEYS)
        else:
            P.set_arms(shape, q, name)
            if name in ONE_HANDED:  # the other hand hangs
                P.set_arms(shape, q, "hang", sides=(B.SIDES[int(rng.integers(0, 2))],))
        tracks.append(q)
    pick = [int(rng.integers(0, len(options))) for _ in holds]
    mixed = P.mix(tracks, P.hold_weights(t, holds, pick, len(options)))
    P.copy_channels(pose, mixed, P.ARM_KEYS)


# -- standing --------------------------------------------------------------------------------------

def standing(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Idle: swaying, shifting weight from foot to foot, looking around, small gestures."""
    n = len(t)
    stance = shape.hip_width * float(rng.uniform(0.9, 1.7))
    pose = P.standing(shape, n, stance)
    feet = {s: np.broadcast_to(f, (n, 3)).copy() for s, f in P.stance_feet(shape, stance).items()}
    holds = P.hold_keys(rng, _end(t), (2.0, 7.0), (0.6, 1.5))
    reach = stance * WEIGHT_SHIFT
    shift = [float(rng.uniform(-1.0, 1.0)) * reach for _ in holds]
    lateral = P.keyframes(t, [x for h in holds for x in h], np.repeat(shift, 2))
    pose["y"] = lateral + P.wobble(t, rng, 0.01)
    pose["x"] = P.wobble(t, rng, 0.012)
    pose["z"] = pose["z"] - WEIGHT_SHIFT_DROP_M * shape.scale * np.abs(lateral) / max(reach, 1e-6)
    pose["roll"] = -PELVIS_DROP_PER_M * lateral  # the pelvis drops on the unloaded side
    pose["yaw"] = P.wobble(t, rng, 8 * DEG, (0.02, 0.1))
    pose["spine_twist"] = P.wobble(t, rng, 6 * DEG, (0.05, 0.2))
    pose["spine_bend"] = P.wobble(t, rng, 3 * DEG, (0.05, 0.2)) - TRUNK_COUNTER_PER_M * lateral
    _look_around(pose, t, rng)
    P.plant(shape, pose, feet, scene=True, toe_out=float(rng.uniform(0.0, 20.0)) * DEG)
    _arm_postures(t, rng, shape, pose, STAND_ARMS)
    return Motion(pose, style={"stance_m": round(stance, 3)})


# -- walking and marching ------------------------------------------------------------------------

def gait(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, speed: np.ndarray, heading: np.ndarray,
         period: float, lift: float, swing_share: float, arm_swing: float, knee_forward: float = 0.0,
         power_arms: bool = False) -> Pose:
    """Stepping: each foot alternates a stance phase (fixed on the floor while the body passes over
    it) and a swing phase (lifted and carried forward); arms swing against the legs. ``speed`` (N,)
    m/s along ``heading`` (N,) rad; zero speed steps in place."""
    n = len(t)
    dt = np.diff(t, prepend=t[0]) if n else np.zeros(0)
    phi = steady_phase(t, rng, period, drift=0.05)
    width = shape.hip_width * float(rng.uniform(0.7, 1.1))
    pose = P.standing(shape, n, width)
    pose["x"] = np.cumsum(speed * np.cos(heading) * dt)
    pose["y"] = np.cumsum(speed * np.sin(heading) * dt)
    pose["yaw"] = heading
    stride = speed * period
    st = 1.0 - swing_share
    feet, flat, reach = {}, {}, {}
    for k, side in enumerate(B.SIDES):
        psi = (phi + 0.5 * k) % 1.0
        stance = psi < st
        u = np.clip((psi - st) / swing_share, 0.0, 1.0)
        shape_x = np.where(stance, (st / 2 - psi) / (st / 2), -1.0 + 2.0 * ease(u))  # -1 back .. 1 front
        heel = np.where(stance, ease((psi - (st - HEEL_OFF)) / HEEL_OFF), 0.0) * np.minimum(stride, 1.0)
        x_rel = stride * st / 2 * shape_x + knee_forward * np.sin(np.pi * u) * (~stance)
        z = shape.ankle_height + np.where(stance, HEEL_RAISE_M * shape.scale * heel, lift * np.sin(np.pi * u))
        local = np.stack([x_rel, np.full(n, B.SIDE_SIGN[side] * width / 2), z], axis=1)
        feet[side] = P.heading_frame(pose, local)
        flat[side] = np.where(stance, 1.0 - heel, SWING_FOOT_FLAT)
        reach[side] = shape_x
    pace = np.minimum(speed / BRISK_SPEED, 1.0)
    bob = GAIT_BOB_M * shape.scale * np.cos(4 * np.pi * phi) * pace  # highest over each foot
    pose["z"] = P.stand_height(shape) - GAIT_SINK_M * shape.scale * pace + bob
    swing_yaw = PELVIS_SWING_DEG * DEG * np.sin(2 * np.pi * phi) * pace
    pose["yaw"] = heading + swing_yaw
    pose["spine_twist"] = -SHOULDER_COUNTER * swing_yaw  # shoulders turn against the pelvis
    pose["neck_turn"] = (SHOULDER_COUNTER - 1.0) * swing_yaw + P.wobble(t, rng, 10 * DEG, (0.05, 0.2))
    pose["neck_flex"] = float(rng.uniform(-5.0, 15.0)) * DEG
    P.plant(shape, pose, feet, scene=True, flat=0.0, poles={s: np.array([1.0, 0.0, 0.0]) for s in B.SIDES})
    for side in B.SIDES:
        B.flatten_feet(shape, pose, flat[side], sides=(side,))
    for k, side in enumerate(B.SIDES):
        opposite = reach[B.SIDES[1 - k]]
        pose[f"{side}_sh_plane"] = 0.0
        pose[f"{side}_sh_elev"] = arm_swing * opposite
        bent = POWER_ELBOW_DEG if power_arms else WALK_ELBOW_DEG
        pose[f"{side}_elbow"] = (bent + ELBOW_SWING_DEG * np.maximum(opposite, 0.0)) * DEG
        pose[f"{side}_pron"] = 80 * DEG
    return pose


def walking(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Walking up and down a lane (across the view or toward and away from the camera, depending on
    where it stands), turning round at each end."""
    speed0 = float(rng.uniform(0.9, 1.5)) * shape.scale
    period = shape.height * float(rng.uniform(*STRIDE_PER_HEIGHT)) / speed0  # two steps
    lane = float(rng.uniform(2.5, 6.0))
    turn_s = float(rng.uniform(1.2, 2.2))
    sign = 1.0 if rng.random() < 0.5 else -1.0
    cur = -float(rng.uniform(0.0, lane / speed0))
    key_t, key_head = [], []
    heading = 0.0
    while cur < _end(t) + 1.0:
        walk_end = cur + lane / speed0 * float(rng.uniform(0.8, 1.2))
        key_t += [cur, walk_end]
        key_head += [heading, heading]
        heading += sign * np.pi
        cur = walk_end + turn_s
    # the heading eases round between a walk's end and the next walk's start; the speed dips meanwhile
    speed = speed0 * (1.0 - TURN_SLOWDOWN * np.sin(np.pi * np.clip(_turn_progress(t, key_t), 0.0, 1.0)))
    pose = gait(t, rng, shape, speed, P.keyframes(t, key_t, key_head), period,
                lift=float(rng.uniform(0.05, 0.1)) * shape.scale, swing_share=0.4,
                arm_swing=float(rng.uniform(12.0, 30.0)) * DEG)
    return Motion(pose, style={"speed": round(speed0, 2), "lane_m": round(lane, 2)})


def _turn_progress(t: np.ndarray, key_t: list[float]) -> np.ndarray:
    """0..1 through each turn (the gaps between a walk's end and the next walk's start), else -1."""
    out = np.full(len(t), -1.0)
    for i in range(1, len(key_t) - 1, 2):
        a, b = key_t[i], key_t[i + 1]
        m = (t >= a) & (t < b)
        out[m] = (t[m] - a) / max(b - a, 1e-6)
    return out


def marching(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Walking in place: low steps, or marching with high knees and pumping arms."""
    n = len(t)
    high = rng.random() < 0.5
    heading = P.wobble(t, rng, 10 * DEG, (0.02, 0.08))
    lift = float(rng.uniform(0.2, 0.4) if high else rng.uniform(0.06, 0.15)) * shape.scale
    pose = gait(t, rng, shape, np.zeros(n), heading, float(rng.uniform(0.8, 1.4)), lift,
                swing_share=float(rng.uniform(0.4, 0.5)),
                arm_swing=float(rng.uniform(30.0, 60.0) if high else rng.uniform(10.0, 30.0)) * DEG,
                knee_forward=0.3 * lift, power_arms=high and rng.random() < 0.6)
    return Motion(pose, style={"high_knees": bool(high)})


# -- stretching ------------------------------------------------------------------------------------

STRETCHES = ("side_bend", "overhead", "toe_touch", "quad", "cross_arm", "triceps", "neck", "chest_open")


def _stretch_row(shape: BodyShape, rng: np.random.Generator, name: str, side: str) -> tuple[np.ndarray, str | None]:
    """One held stretch as a pose row (standing, legs to be planted) and the leg it lifts, if any."""
    m = B.SIDE_SIGN[side]
    other = "r" if side == "l" else "l"
    p = P.relax_arms(Pose.zeros(1))
    p["z"] = P.stand_height(shape)
    lifted = None
    u = rng.uniform
    if name == "side_bend":
        p["spine_bend"] = m * float(u(20.0, 35.0)) * DEG
        p.update({f"{other}_sh_plane": 100 * DEG, f"{other}_sh_elev": float(u(150.0, 175.0)) * DEG,
                  f"{other}_elbow": float(u(5.0, 30.0)) * DEG, f"{other}_pron": 90 * DEG})
        P.set_arms(shape, p, "hips" if rng.random() < 0.5 else "hang", sides=(side,))
    elif name == "overhead":
        for s in B.SIDES:
            p.update({f"{s}_sh_plane": float(u(20.0, 70.0)) * DEG, f"{s}_sh_elev": float(u(160.0, 178.0)) * DEG,
                      f"{s}_elbow": 5 * DEG, f"{s}_pron": 90 * DEG})
        p["spine_flex"] = -float(u(0.0, 10.0)) * DEG
        p["neck_flex"] = -float(u(5.0, 20.0)) * DEG
    elif name == "toe_touch":
        p["pitch"] = float(u(50.0, 80.0)) * DEG
        p["spine_flex"] = float(u(20.0, 40.0)) * DEG
        tilt = p["pitch"][0] + p["spine_flex"][0]
        for s in B.SIDES:
            p.update({f"{s}_sh_plane": 0.0, f"{s}_sh_elev": tilt + float(u(-10.0, 10.0)) * DEG,
                      f"{s}_elbow": float(u(5.0, 15.0)) * DEG, f"{s}_pron": 90 * DEG})
        p["neck_flex"] = float(u(10.0, 30.0)) * DEG
    elif name == "quad":
        lifted = side
        p.update({f"{side}_hip_plane": 0.0, f"{side}_hip_elev": -float(u(0.0, 15.0)) * DEG,
                  f"{side}_knee": float(u(125.0, 150.0)) * DEG, f"{side}_ankle": -30 * DEG})
        if rng.random() < 0.5:
            p.update({f"{other}_sh_plane": 90 * DEG, f"{other}_sh_elev": float(u(40.0, 90.0)) * DEG})
        else:
            P.set_arms(shape, p, "hips", sides=(other,))
    elif name == "cross_arm":
        s_ = shape.scale
        p.update(P.arm_reach_trunk(shape, side, (0.16 * s_, -m * 0.28 * s_, -0.04 * s_), (1.0, 0.0, -0.3)))
        p.update(P.arm_reach_trunk(shape, other, (0.22 * s_, -m * 0.02 * s_, -0.10 * s_), (0.0, -m, -1.0)))
    elif name == "triceps":
        p.update({f"{side}_sh_plane": 40 * DEG, f"{side}_sh_elev": float(u(155.0, 170.0)) * DEG,
                  f"{side}_elbow": float(u(120.0, 145.0)) * DEG, f"{side}_pron": 90 * DEG})
        P.set_arms(shape, p, "behind_head", sides=(other,))
    elif name == "neck":
        p["neck_tilt"] = m * float(u(25.0, 40.0)) * DEG
        P.set_arms(shape, p, "hips" if rng.random() < 0.4 else "hang")
    else:  # chest_open: hands clasped behind the back
        s_ = shape.scale
        for s in B.SIDES:
            ms = B.SIDE_SIGN[s]
            p.update(P.arm_reach_trunk(shape, s, (-0.14 * s_, ms * 0.04 * s_, -shape.torso + 0.10 * s_),
                                       (-0.3, ms, 0.3)))
        p["spine_flex"] = -float(u(5.0, 15.0)) * DEG
        p["neck_flex"] = -10 * DEG
    return p.q[0], lifted


def stretching(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """A routine of held stretches: side bends, arm stretches, toe touches, a standing quad stretch."""
    n = len(t)
    stance = shape.hip_width * float(rng.uniform(0.9, 1.8))
    holds = P.hold_keys(rng, _end(t), (3.0, 9.0), (1.0, 2.0))
    rows, lifts = [], []
    for _ in holds:
        row, lifted = _stretch_row(shape, rng, _choice(rng, STRETCHES), B.SIDES[int(rng.integers(0, 2))])
        rows.append(row)
        lifts.append([1.0 if lifted == s else 0.0 for s in B.SIDES])
    pose = P.pose_keyframes(t, holds, rows)
    pose["x"] = pose["x"] + P.wobble(t, rng, 0.01)
    pose["y"] = pose["y"] + P.wobble(t, rng, 0.01)
    key_t = [x for h in holds for x in h]
    lift_w = P.keyframes(t, key_t, np.repeat(np.array(lifts), 2, axis=0))  # (N, 2)
    keyed = pose.copy()
    feet = {s: np.broadcast_to(f, (n, 3)).copy() for s, f in P.stance_feet(shape, stance).items()}
    P.plant(shape, pose, feet, scene=True, flat=0.0)
    for k, side in enumerate(B.SIDES):
        w = lift_w[:, k]
        P.copy_channels(pose, keyed, P.LEG_KEYS, sides=(side,), weight=w)
        B.flatten_feet(shape, pose, 1.0 - w, sides=(side,))
        if w.max() > 0:  # the same hand holds the lifted foot
            tr = B.trunk(shape, pose)
            ankle = B.leg(shape, pose, side, tr).end
            grab = pose.copy()
            B.reach_arm(shape, grab, side, ankle, np.array([-1.0, B.SIDE_SIGN[side], 0.0]))
            P.copy_channels(pose, grab, P.ARM_KEYS[:4], sides=(side,), weight=w)
    return Motion(pose, style={"holds": len(holds)})


# -- dancing ---------------------------------------------------------------------------------------

def dancing(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Free dancing: arms, trunk, head and steps move to random targets on an irregular beat."""
    beat = float(rng.uniform(0.4, 0.75))
    key_t = [0.0 - float(rng.uniform(0.0, beat))]
    while key_t[-1] < _end(t) + 1.0:
        key_t.append(key_t[-1] + beat * float(rng.choice([1, 1, 2, 2, 3])) * float(rng.uniform(0.85, 1.15)))
    k = len(key_t)
    rows = np.zeros((k, len(B.CHANNELS)))
    centre, yaw = np.zeros(2), 0.0
    width = shape.hip_width * 1.2
    foot = {s: np.array([0.0, B.SIDE_SIGN[s] * width / 2]) for s in B.SIDES}
    feet_keys = {s: np.zeros((k, 2)) for s in B.SIDES}
    yaw_keys = np.zeros(k)
    mirror = rng.random() < 0.5
    for i in range(k):
        row = Pose.zeros(1)
        for j, side in enumerate(B.SIDES):
            if j == 1 and mirror and rng.random() < 0.6:
                for c in P.ARM_KEYS:
                    row[f"r_{c}"] = row[f"l_{c}"]
                continue
            row.update({f"{side}_sh_elev": float(rng.uniform(0.0, 170.0)) * DEG,
                        f"{side}_sh_plane": float(rng.uniform(-30.0, 130.0)) * DEG,
                        f"{side}_elbow": float(rng.uniform(0.0, 130.0)) * DEG,
                        f"{side}_sh_rot": float(rng.uniform(-40.0, 60.0)) * DEG,
                        f"{side}_pron": float(rng.uniform(0.0, 150.0)) * DEG})
        row.update({"spine_twist": float(rng.uniform(-25, 25)) * DEG, "spine_bend": float(rng.uniform(-15, 15)) * DEG,
                    "spine_flex": float(rng.uniform(-10, 25)) * DEG, "neck_flex": float(rng.uniform(-15, 20)) * DEG,
                    "neck_turn": float(rng.uniform(-40, 40)) * DEG, "neck_tilt": float(rng.uniform(-15, 15)) * DEG,
                    "z": -float(rng.uniform(0.0, 0.12)) * shape.scale})
        rows[i] = row.q[0]
        # footwork: a step, a turn, or stay
        draw = rng.random()
        if draw < 0.2:
            yaw += float(rng.choice([-1, 1])) * float(rng.uniform(30.0, 90.0)) * DEG
        elif draw < 0.7:
            mover = B.SIDES[int(rng.integers(0, 2))]
            still = "r" if mover == "l" else "l"
            back = -0.5 * centre if np.linalg.norm(centre) > 0.8 else np.zeros(2)
            c, s = np.cos(yaw), np.sin(yaw)
            off = np.array([float(rng.uniform(-0.3, 0.3)), B.SIDE_SIGN[mover] * float(rng.uniform(0.15, 0.5))])
            foot[mover] = foot[still] + np.array([c * off[0] - s * off[1], s * off[0] + c * off[1]]) + back
        centre = (foot["l"] + foot["r"]) / 2
        if draw < 0.2:  # turning pivots both feet about the centre
            c, s = np.cos(yaw), np.sin(yaw)
            for side in B.SIDES:
                foot[side] = centre + np.array([-s, c]) * B.SIDE_SIGN[side] * width / 2
        for side in B.SIDES:
            feet_keys[side][i] = foot[side]
        yaw_keys[i] = yaw
    pose = Pose(P.keyframes(t, key_t, rows))
    seg = np.clip(np.searchsorted(key_t, t, side="right") - 1, 0, k - 2)
    frac = (t - np.asarray(key_t)[seg]) / np.maximum(np.diff(key_t)[seg], 1e-6)
    feet = {}
    for side in B.SIDES:
        xy = P.keyframes(t, key_t, feet_keys[side])
        moved = np.linalg.norm(np.diff(feet_keys[side], axis=0), axis=1)[seg] > 0.02
        z = shape.ankle_height + np.where(moved, 0.07 * shape.scale * np.sin(np.pi * np.clip(frac, 0, 1)), 0.0)
        feet[side] = np.column_stack([xy, z])
    mid = (feet["l"] + feet["r"]) / 2
    pose["yaw"] = P.keyframes(t, key_t, yaw_keys)
    sway = P.wobble(t, rng, 0.05, (0.5 / beat / 2, 0.5 / beat))
    pose["x"] = mid[:, 0] - np.sin(pose["yaw"]) * sway
    pose["y"] = mid[:, 1] + np.cos(pose["yaw"]) * sway
    half = np.linalg.norm(feet["l"][:, :2] - feet["r"][:, :2], axis=1) / 2
    bounce = 0.02 * shape.scale * np.abs(np.sin(np.pi * t / beat))
    pose["z"] = P.stand_height(shape, np.maximum(half - shape.hip_width / 2, 0.0)) + pose["z"] - bounce
    P.plant(shape, pose, feet, scene=True)
    return Motion(pose, style={"beat_s": round(beat, 3)})


# -- burpee ----------------------------------------------------------------------------------------

def _crouch_row(shape: BodyShape, rng: np.random.Generator, hands_x: float, hand_y: float) -> np.ndarray:
    p = P.standing(shape, 1)
    p["z"] = shape.ankle_height + float(rng.uniform(0.35, 0.5)) * shape.leg
    p["x"] = -float(rng.uniform(0.1, 0.25)) * shape.scale
    p["pitch"] = float(rng.uniform(35.0, 55.0)) * DEG
    p["spine_flex"] = float(rng.uniform(10.0, 25.0)) * DEG
    P.plant(shape, p, P.stance_feet(shape, shape.hip_width * 1.2))
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        B.reach_arm(shape, p, side, np.array([hands_x, m * hand_y, 0.04 * shape.scale]), np.array([-0.5, m, 0.3]))
    return p.q[0]


def burpee(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Squat down, hands to the floor, feet back to a plank, (chest down,) feet in, stand, (jump)."""
    track = schedule(t, rng, BURPEE_TEMPO, opts.lead_in, opts.lead_out)
    hands_x = float(rng.uniform(0.25, 0.45)) * shape.scale
    hand_y = float(rng.uniform(0.15, 0.25)) * shape.scale
    chest = rng.random() < 0.5
    jump = float(rng.uniform(0.05, 0.25)) * shape.scale if rng.random() < 0.6 else 0.0
    stand = P.standing(shape, 1)
    P.plant(shape, stand, P.stance_feet(shape, shape.hip_width * 1.2))
    crouch = _crouch_row(shape, rng, hands_x, hand_y)
    sup = Support(hands_x=hands_x, hands_z=0.04 * shape.scale, hand_width=2 * hand_y, flare=45 * DEG,
                  feet_width=shape.hip_width * 1.2)
    top = P.support_top(shape, sup)
    plank_pose, pivot = P.support(shape, sup, np.array([top]), np.array([0.0]))
    low_pose, _ = P.support(shape, sup, np.array([0.05 * shape.scale + 0.2 * shape.scale]), np.array([-5 * DEG]),
                            pivot_x=pivot)
    up = stand.copy()
    up["z"] = up["z"] + jump
    feet_up = {s: f + np.array([0.0, 0.0, jump]) for s, f in P.stance_feet(shape, shape.hip_width * 1.2).items()}
    P.plant(shape, up, feet_up)
    P.set_arms(shape, up, "overhead")
    if chest:
        fracs = [0.0, 0.14, 0.28, 0.40, 0.52, 0.66, 0.82, 1.0]
        rows = [stand.q[0], crouch, plank_pose.q[0], low_pose.q[0], plank_pose.q[0], crouch, up.q[0], stand.q[0]]
    else:
        fracs = [0.0, 0.17, 0.34, 0.5, 0.66, 0.82, 1.0]
        rows = [stand.q[0], crouch, plank_pose.q[0], plank_pose.q[0], crouch, up.q[0], stand.q[0]]
    pose = Pose(P.pose_keys(track.phase, fracs, np.array(rows)))
    return Motion(pose, style={"chest_down": bool(chest), "jump_m": round(jump, 3)})


# -- mountain climber ------------------------------------------------------------------------------

def mountain_climber(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """A straight-arm plank with the knees driven alternately toward the chest."""
    n = len(t)
    sup = Support(hands_x=0.0, hands_z=0.04 * shape.scale, hand_width=shape.shoulder_width * float(rng.uniform(1.0, 1.5)),
                  flare=float(rng.uniform(10.0, 40.0)) * DEG, feet_width=float(rng.uniform(0.1, 0.3)))
    phi = steady_phase(t, rng, float(rng.uniform(0.5, 1.2)), drift=0.15)
    bursts = P.hold_keys(rng, _end(t), (3.0, 10.0), (0.8, 2.0))
    gaps = np.ones(n)
    for (_, b), (c, _) in zip(bursts[:-1], bursts[1:]):  # sometimes a brief stop between bursts
        if rng.random() < 0.4:
            gaps = gaps * (1.0 - np.exp(-0.5 * ((t - (b + c) / 2) / max((c - b) / 3, 0.1)) ** 2))
    z_s = P.support_top(shape, sup) + P.wobble(t, rng, 0.01)
    hip_bend = (float(rng.uniform(0.0, 10.0)) + 6.0 * np.abs(np.cos(2 * np.pi * phi)) * gaps) * DEG
    pose, pivot = P.support(shape, sup, z_s, hip_bend)
    reach = float(rng.uniform(0.1, 0.35)) * shape.scale
    for k, side in enumerate(B.SIDES):
        m = B.SIDE_SIGN[side]
        drive = (0.5 + 0.5 * np.cos(2 * np.pi * (phi + 0.5 * k))) * gaps
        back = np.array([pivot, m * sup.feet_width / 2, P.pivot_height(shape, "toes")])
        tip = np.column_stack([pose["x"] + reach, np.full(n, m * sup.feet_width / 2), np.full(n, 0.15 * shape.scale)])
        target = back + drive[:, None] * (tip - back)
        B.reach_leg(shape, pose, side, target, np.array([0.3, 0.0, -1.0]))
        pose[f"{side}_ankle"] = -20 * DEG * drive
    pose["neck_flex"] = -float(rng.uniform(0.0, 25.0)) * DEG
    return Motion(pose, style={"reach_m": round(reach, 3)})


# -- yoga ------------------------------------------------------------------------------------------

def _downdog_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    """Inverted V: legs and arms straight, hips high, hands and heels toward the floor."""
    hip = float(rng.uniform(60.0, 90.0)) * DEG  # angle between legs and trunk
    hands_z = 0.04 * shape.scale
    reach = shape.torso + P.STRAIGHT_REACH * shape.arm
    lo, hi = 20 * DEG, 85 * DEG
    for _ in range(30):  # leg angle from the floor that puts the hands on it
        g = (lo + hi) / 2
        f = shape.ankle_height + shape.leg * np.sin(g) - reach * np.sin(np.pi - hip - g) - hands_z
        lo, hi = (lo, g) if f > 0 else (g, hi)
    delta = np.pi - hip - g  # trunk below the horizontal
    p = Pose.zeros(1)
    hip_pt = np.array([shape.leg * np.cos(g), 0.0, shape.ankle_height + shape.leg * np.sin(g)])
    p["x"], p["z"] = hip_pt[0], hip_pt[2]
    p["pitch"] = np.pi / 2 + delta
    hands = hip_pt + reach * np.array([np.cos(delta), 0.0, -np.sin(delta)])
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        B.reach_leg(shape, p, side, np.array([0.0, m * shape.hip_width / 2, shape.ankle_height]), np.array([1.0, 0.0, -1.0]))
        B.reach_arm(shape, p, side, np.array([hands[0], m * shape.shoulder_width * 0.6, hands_z]), np.array([0.0, m, 0.5]))
    B.flatten_feet(shape, p, float(rng.uniform(0.4, 1.0)))
    p["neck_flex"] = float(rng.uniform(0.0, 20.0)) * DEG
    return p.q[0]


def _tabletop_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    sup = Support(hands_x=0.0, hands_z=0.04 * shape.scale, hand_width=shape.shoulder_width, pivot="knees",
                  feet_width=shape.hip_width, flare=20 * DEG)
    p, _ = P.support(shape, sup, np.array([P.support_top(shape, sup)]), np.array([90 * DEG]))
    p["neck_flex"] = float(rng.uniform(-20.0, 20.0)) * DEG
    return p.q[0]


def _cobra_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    p = Pose.zeros(1)
    p["z"] = 0.1 * shape.scale
    p["pitch"] = 90 * DEG
    p["spine_flex"] = -float(rng.uniform(25.0, 50.0)) * DEG
    p["neck_flex"] = -float(rng.uniform(10.0, 30.0)) * DEG
    neck = B.trunk(shape, p).neck[0]
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        p[f"{side}_ankle"] = -40 * DEG
        B.reach_arm(shape, p, side, np.array([neck[0] - 0.05 * shape.scale, m * (shape.shoulder_width / 2 + 0.05),
                                              0.04 * shape.scale]), np.array([-1.0, 0.3 * m, 0.5]))
    return p.q[0]


def _child_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    p = Pose.zeros(1)
    hip_z = float(rng.uniform(0.30, 0.38)) * shape.scale  # sitting back on the heels
    shoulder_z = float(rng.uniform(0.15, 0.22)) * shape.scale  # chest resting on the thighs
    p["z"] = hip_z
    p["pitch"] = np.pi / 2 + np.arcsin(np.clip((hip_z - shoulder_z) / shape.torso, 0.0, 1.0))
    p["neck_flex"] = float(rng.uniform(0.0, 20.0)) * DEG
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        B.reach_leg(shape, p, side, np.array([-0.1 * shape.scale, m * 0.1 * shape.scale, 0.05 * shape.scale]),
                    np.array([1.0, 0.0, -1.0]))
        p[f"{side}_ankle"] = -40 * DEG
    neck = B.trunk(shape, p).neck[0]
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        B.reach_arm(shape, p, side, np.array([neck[0] + 0.9 * shape.arm, m * shape.shoulder_width * 0.6,
                                              0.04 * shape.scale]), np.array([0.0, m, 1.0]))
    return p.q[0]


def _warrior_row(shape: BodyShape, rng: np.random.Generator, side: str, kind: int) -> np.ndarray:
    """Warrior I (hips and arms forward, arms overhead) or II (hips open, arms out, gaze forward) with
    the ``side`` leg in front, knee bent."""
    m = B.SIDE_SIGN[side]
    other = "r" if side == "l" else "l"
    p = Pose.zeros(1)
    front_x = float(rng.uniform(0.5, 0.7)) * shape.leg
    p["x"] = front_x - shape.thigh * float(rng.uniform(0.8, 0.95))
    p["z"] = shape.ankle_height + shape.shank + 0.25 * shape.thigh
    drop = p["z"][0] - shape.ankle_height
    back_x = p["x"][0] - np.sqrt(max((0.98 * shape.leg) ** 2 - drop ** 2, 0.01))
    feet = {side: np.array([front_x, m * shape.hip_width / 2, shape.ankle_height]),
            other: np.array([back_x, -m * shape.hip_width / 2, shape.ankle_height])}
    knees = {side: np.array([1.0, 0.0, 0.0]), other: np.array([1.0, -m * 1.0, 0.0])}  # scene directions
    if kind == 2:
        p["yaw"] = -m * float(rng.uniform(60.0, 85.0)) * DEG  # hips open toward the back leg's side
        P.set_arms(shape, p, "t_pose")
        p["neck_turn"] = -p["yaw"][0]
    else:
        P.set_arms(shape, p, "overhead")
        p["neck_flex"] = -float(rng.uniform(0.0, 20.0)) * DEG
    unturn = B.rot_z(-p["yaw"][0])  # plant takes knee directions in the heading frame
    P.plant(shape, p, feet, scene=True, poles={s: unturn @ v for s, v in knees.items()})
    return p.q[0]


def _mountain_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    p = P.standing(shape, 1, shape.hip_width)
    P.plant(shape, p, P.stance_feet(shape, shape.hip_width))
    P.set_arms(shape, p, _choice(rng, ("overhead", "clasped", "hang")))
    return p.q[0]


def yoga(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """A flow on the mat (all fours, downward dog, knees down, child's pose, cobra) or standing
    warrior poses, held for a few breaths each."""
    floor = rng.random() < 0.6
    holds = P.hold_keys(rng, _end(t), (2.5, 8.0), (1.2, 2.5))
    rows = []
    state = "tabletop" if floor else "mountain"
    nxt = {"tabletop": ("downdog", "child", "cobra"), "downdog": ("tabletop",), "child": ("tabletop",),
           "cobra": ("downdog", "tabletop"), "mountain": ("warrior1", "warrior2"),
           "warrior1": ("warrior2", "mountain"), "warrior2": ("warrior1", "mountain")}
    side = B.SIDES[int(rng.integers(0, 2))]
    for _ in holds:
        if state == "tabletop":
            rows.append(_tabletop_row(shape, rng))
        elif state == "downdog":
            rows.append(_downdog_row(shape, rng))
        elif state == "child":
            rows.append(_child_row(shape, rng))
        elif state == "cobra":
            rows.append(_cobra_row(shape, rng))
        elif state == "mountain":
            rows.append(_mountain_row(shape, rng))
            side = "r" if side == "l" else "l"
        else:
            rows.append(_warrior_row(shape, rng, side, 1 if state == "warrior1" else 2))
        options = nxt[state]
        state = options[int(rng.integers(0, len(options)))]
    pose = P.pose_keyframes(t, holds, rows)
    pose["spine_flex"] = pose["spine_flex"] + P.wobble(t, rng, 1.0 * DEG, (0.15, 0.3))  # breathing
    return Motion(pose, style={"floor": bool(floor), "holds": len(holds)})


# -- boxing ----------------------------------------------------------------------------------------

PUNCHES = ("jab", "cross", "hook", "uppercut")


def boxing(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Shadow boxing: guard up, punches (straights, hooks, uppercuts), ducking, light footwork."""
    n = len(t)
    s_ = shape.scale
    lead = B.SIDES[int(rng.integers(0, 2))]
    ml = B.SIDE_SIGN[lead]
    rear = "r" if lead == "l" else "l"
    blade = -ml * float(rng.uniform(15.0, 40.0)) * DEG
    pose = P.standing(shape, n)
    pose["yaw"] = blade
    base_feet = {lead: np.array([float(rng.uniform(0.2, 0.35)) * s_, ml * float(rng.uniform(0.1, 0.2)) * s_, 0.0]),
                 rear: np.array([-float(rng.uniform(0.1, 0.25)) * s_, -ml * float(rng.uniform(0.1, 0.2)) * s_, 0.0])}
    steps = P.hold_keys(rng, _end(t), (1.0, 3.0), (0.25, 0.4))
    shifts = np.array([[float(rng.uniform(-0.15, 0.15)), float(rng.uniform(-0.1, 0.1))] for _ in steps])
    shift = P.keyframes(t, [x for h in steps for x in h], np.repeat(shifts, 2, axis=0))
    moving = np.zeros(n)
    for (_, b), (c, _) in zip(steps[:-1], steps[1:]):
        m_ = (t >= b) & (t < c)
        moving[m_] = np.sin(np.pi * (t[m_] - b) / max(c - b, 1e-6))
    hop = float(rng.uniform(0.0, 0.02)) * s_
    bounce = hop * np.abs(np.sin(np.pi * t * float(rng.uniform(2.0, 3.0))))
    feet = {}
    for side, f in base_feet.items():
        feet[side] = np.column_stack([f[0] + shift[:, 0], f[1] + shift[:, 1],
                                      shape.ankle_height + bounce + 0.05 * s_ * moving])
    pose["x"] = shift[:, 0] + (base_feet[lead][0] + base_feet[rear][0]) / 2
    pose["y"] = shift[:, 1]
    pose["z"] = P.stand_height(shape, 0.1 * s_) - float(rng.uniform(0.03, 0.08)) * s_ + bounce

    # punches and ducks: short out-and-back pulses at random times
    rate = float(rng.uniform(0.7, 1.8))
    events = np.sort(rng.uniform(-0.5, _end(t), size=int(rng.poisson(rate * max(_end(t), 0.1)))))
    guard = {s: P.posture_targets(shape, "guard", s) for s in B.SIDES}
    target = {s: np.repeat(guard[s][0][None], n, 0) for s in B.SIDES}
    pole = {s: np.repeat(guard[s][1][None], n, 0) for s in B.SIDES}
    twist = np.zeros(n)
    for t0 in events:
        side = lead if rng.random() < 0.6 else rear
        m = B.SIDE_SIGN[side]
        kind = _choice(rng, PUNCHES, p=[0.35, 0.3, 0.2, 0.15])
        dur = float(rng.uniform(0.25, 0.45))
        w = out_and_back((t - t0) / dur)[:, None]
        if kind in ("jab", "cross"):
            tgt, pl = np.array([0.93 * shape.arm, m * 0.03 * s_, 0.06 * s_]), np.array([0.0, m, -1.0])
        elif kind == "hook":
            tgt, pl = np.array([0.35 * s_, -m * 0.05 * s_, 0.05 * s_]), np.array([0.0, m, 0.6])
        else:
            tgt, pl = np.array([0.30 * s_, m * 0.02 * s_, 0.12 * s_]), np.array([0.0, 0.3 * m, -1.0])
        target[side] = target[side] + w * (tgt - guard[side][0])
        pole[side] = pole[side] + w * (pl - guard[side][1])
        twist = twist - m * float(rng.uniform(10.0, 30.0)) * DEG * w[:, 0] * (side == rear or kind == "hook")
    ducks = np.sort(rng.uniform(0.0, _end(t), size=int(rng.poisson(float(rng.uniform(0.05, 0.3)) * max(_end(t), 0.1)))))
    for t0 in ducks:
        w = out_and_back((t - t0) / float(rng.uniform(0.6, 1.2)))
        pose["z"] = pose["z"] - w * float(rng.uniform(0.12, 0.25)) * s_
        pose["spine_flex"] = pose["spine_flex"] + w * 20 * DEG
        pose["y"] = pose["y"] + w * float(rng.uniform(-0.1, 0.1))
    pose["spine_twist"] = twist
    pose["spine_flex"] = pose["spine_flex"] + 8 * DEG
    pose["neck_flex"] = -3 * DEG  # chin tucked behind the guard, eyes up
    P.plant(shape, pose, feet, scene=True, toe_out=20 * DEG)
    for side in B.SIDES:
        B.reach_arm(shape, pose, side, target[side], pole[side], frame="trunk")
        pose[f"{side}_pron"] = 120 * DEG
    return Motion(pose, style={"lead": lead, "punch_rate": round(rate, 2)})


# -- arm circles -----------------------------------------------------------------------------------

def arm_circles(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Arms out to the sides tracing circles, small or large, forward then maybe backward."""
    n = len(t)
    stance = shape.hip_width * float(rng.uniform(1.0, 1.8))
    pose = P.standing(shape, n, stance)
    pose["x"] = P.wobble(t, rng, 0.01)
    pose["y"] = P.wobble(t, rng, 0.01)
    P.plant(shape, pose, P.stance_feet(shape, stance))
    phi = steady_phase(t, rng, float(rng.uniform(0.6, 2.0)), drift=0.08)
    radius = float(rng.uniform(12.0, 50.0)) * DEG
    centre_elev = float(rng.uniform(75.0, 100.0)) * DEG
    centre_plane = float(rng.uniform(65.0, 100.0)) * DEG
    flip_t = float(rng.uniform(0.3, 0.7)) * _end(t) if rng.random() < 0.5 else np.inf
    direction = np.where(t < flip_t, 1.0, -1.0) * (1.0 if rng.random() < 0.5 else -1.0)
    amp = radius * (1.0 - np.exp(-0.5 * ((t - flip_t) / 0.4) ** 2))  # slows to a stop when switching
    angle = 2 * np.pi * phi * direction
    for side in B.SIDES:
        pose[f"{side}_sh_elev"] = centre_elev + amp * np.cos(angle)
        pose[f"{side}_sh_plane"] = centre_plane + amp * np.sin(angle)
        pose[f"{side}_elbow"] = float(rng.uniform(3.0, 12.0)) * DEG
        pose[f"{side}_pron"] = float(rng.uniform(100.0, 170.0)) * DEG
    pose["neck_flex"] = P.wobble(t, rng, 5 * DEG)
    return Motion(pose, style={"radius_deg": round(radius / DEG, 1)})


# -- sitting and lying -----------------------------------------------------------------------------

def sitting(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """On a chair or on the floor (cross-legged, or legs out in front), with small movements."""
    n = len(t)
    s_ = shape.scale
    where = _choice(rng, ("chair", "cross_legged", "long"), p=[0.5, 0.25, 0.25])
    pose = Pose.zeros(n)
    P.relax_arms(pose)
    pose["spine_twist"] = P.wobble(t, rng, 6 * DEG, (0.03, 0.15))
    pose["spine_bend"] = P.wobble(t, rng, 3 * DEG, (0.03, 0.15))
    _look_around(pose, t, rng)
    if where == "chair":
        pose["z"] = float(rng.uniform(0.42, 0.52)) * s_ + 0.1 * s_
        pose["pitch"] = float(rng.uniform(-20.0, 10.0)) * DEG + P.wobble(t, rng, 3 * DEG, (0.03, 0.1))
        apart = float(rng.uniform(0.1, 0.25)) * s_
        feet = {s: np.array([float(rng.uniform(0.35, 0.55)) * s_, B.SIDE_SIGN[s] * apart, shape.ankle_height])
                for s in B.SIDES}
        P.plant(shape, pose, feet, poles={s: np.array([1.0, 0.0, 1.0]) for s in B.SIDES})
    else:
        pose["z"] = 0.1 * s_
        pose["pitch"] = float(rng.uniform(-15.0, 5.0)) * DEG + P.wobble(t, rng, 3 * DEG, (0.03, 0.1))
        for side in B.SIDES:
            m = B.SIDE_SIGN[side]
            if where == "cross_legged":
                tgt, pole = np.array([float(rng.uniform(0.15, 0.3)) * s_, -m * 0.1 * s_, 0.06 * s_]), np.array([0.3, m, 0.6])
            else:
                tgt, pole = np.array([0.97 * shape.leg, m * 0.12 * s_, 0.07 * s_]), np.array([0.0, 0.0, 1.0])
            B.reach_leg(shape, pose, side, P.heading_frame(pose, tgt), pole)
            pose[f"{side}_ankle"] = -float(rng.uniform(0.0, 30.0)) * DEG
    # hands on the thighs is a track of its own (the thighs move with the pelvis)
    thighs = pose.copy()
    tr = B.trunk(shape, thighs)
    for side in B.SIDES:
        g = B.leg(shape, thighs, side, tr)
        on = 0.4 * g.base + 0.6 * g.mid + np.array([0.0, 0.0, 0.06 * s_])
        B.reach_arm(shape, thighs, side, on, np.array([-0.5, B.SIDE_SIGN[side], 0.0]))
    names = ("crossed", "phone", "face", "clasped") if where == "chair" else ("crossed", "phone", "clasped")
    _arm_postures(t, rng, shape, pose, names, extra={"thighs": thighs})
    return Motion(pose, style={"where": where})


def lying(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Lying still on the back, front or side; breathing and small shifts only."""
    n = len(t)
    s_ = shape.scale
    kind = _choice(rng, ("back", "front", "side"), p=[0.5, 0.3, 0.2])
    pose = Pose.zeros(n)
    pose["spine_flex"] = P.wobble(t, rng, 0.8 * DEG, (0.2, 0.3))
    pose["neck_turn"] = P.wobble(t, rng, 8 * DEG, (0.02, 0.1))
    arms = _choice(rng, ("sides", "behind_head", "belly"))
    for side in B.SIDES:
        pose[f"{side}_hip_plane"] = 90 * DEG
        pose[f"{side}_hip_elev"] = float(rng.uniform(0.0, 8.0)) * DEG
        pose[f"{side}_sh_plane"] = float(rng.uniform(20.0, 40.0)) * DEG
        pose[f"{side}_sh_elev"] = float(rng.uniform(5.0, 25.0)) * DEG
        pose[f"{side}_pron"] = 90 * DEG
    if kind == "back":
        pose["z"] = 0.1 * s_
        pose["pitch"] = -90 * DEG
        if rng.random() < 0.4:  # one knee up, foot flat
            side = B.SIDES[int(rng.integers(0, 2))]
            knee_up = float(rng.uniform(40.0, 70.0)) * DEG
            x = shape.thigh * np.cos(knee_up) + np.sqrt(max(shape.shank ** 2 - (shape.thigh * np.sin(knee_up)) ** 2, 0.0))
            tgt = np.array([x, B.SIDE_SIGN[side] * shape.hip_width / 2, shape.ankle_height])
            B.reach_leg(shape, pose, side, tgt, np.array([1.0, 0.0, 2.0]))
            B.flatten_feet(shape, pose, 1.0, sides=(side,))
        if arms == "behind_head":
            P.set_arms(shape, pose, "behind_head")
        elif arms == "belly":
            for side in B.SIDES:
                pose.update(P.arm_reach_trunk(shape, side, (0.12 * s_, -B.SIDE_SIGN[side] * 0.03 * s_, -0.35 * shape.torso),
                                              (0.0, B.SIDE_SIGN[side], -1.0)))
    elif kind == "front":
        pose["z"] = 0.1 * s_
        pose["pitch"] = 90 * DEG
        pose["neck_turn"] = pose["neck_turn"] + float(rng.choice([-1, 1])) * float(rng.uniform(50.0, 80.0)) * DEG
        for side in B.SIDES:
            pose[f"{side}_ankle"] = -40 * DEG
        if arms != "sides":
            for side in B.SIDES:  # forearms folded under the head
                pose.update(P.arm_reach_trunk(shape, side, (0.05 * s_, -B.SIDE_SIGN[side] * 0.08 * s_, shape.neck),
                                              (0.0, B.SIDE_SIGN[side], 0.0)))
    else:
        roll_side = float(rng.choice([-1, 1]))
        pose["roll"] = roll_side * 90 * DEG
        pose["z"] = shape.hip_width / 2 + 0.05 * s_
        for side in B.SIDES:
            pose[f"{side}_hip_plane"] = 0.0
            pose[f"{side}_hip_elev"] = float(rng.uniform(20.0, 60.0)) * DEG
            pose[f"{side}_knee"] = float(rng.uniform(30.0, 80.0)) * DEG
            pose[f"{side}_sh_plane"] = 0.0
            pose[f"{side}_sh_elev"] = float(rng.uniform(60.0, 100.0)) * DEG
    return Motion(pose, style={"kind": kind, "arms": arms})


def rest(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Between sets: standing about, or walking about."""
    return walking(t, rng, shape, opts) if rng.random() < 0.3 else standing(t, rng, shape, opts)
