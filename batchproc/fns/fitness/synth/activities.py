"""Activities: movements that are not one of the eight exercises, for the classifier's "other" class.

Why these: the hard negatives are what a person does between sets or instead of them, and movements
that share parts with an exercise (a burpee contains a squat and a push-up, mountain climbers hold a
plank, marching lifts the knees, arm circles raise the arms like jumping jacks, yoga holds lunges and
planks). Each is a function of time with the signature of ``posture.MovementFn``; none reports reps.
"""
from __future__ import annotations

from dataclasses import dataclass

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
# two steps' length relative to body height (brisk walkers reach ~0.9: the feet ~1.2 torsos apart)
STRIDE_PER_HEIGHT = {"normal": (0.68, 0.92), "catwalk": (0.7, 0.9), "sneaking": (0.5, 0.75),
                     "stomping": (0.75, 0.95), "dancer": (0.75, 0.95)}
WALK_SPEED = {"normal": (0.9, 1.6), "catwalk": (0.9, 1.3), "sneaking": (0.4, 0.8), "stomping": (1.2, 1.7),
              "dancer": (0.9, 1.4)}
LIFT_M = {"normal": (0.05, 0.1), "catwalk": (0.06, 0.1), "sneaking": (0.08, 0.14), "stomping": (0.12, 0.22),
          "dancer": (0.08, 0.14)}
BRISK_SPEED = 1.2  # m/s: the walking features below reach full size at this speed
HEEL_OFF = 0.3  # the heel comes up over the last share of a stance phase ...
HEEL_PITCH_DEG = 35.0  # ... the foot turning about the toes by up to this much (brisk walking)
_FOOT_TOE_M = 0.17  # ankle to the ball of the foot (1.75 m body)
LANDING_TOES_UP_DEG = 10.0  # the heel strikes first
STANCE_FRONT = 0.42  # of the way a standing foot passes under the body, the share in front of the hips
GAIT_MAX_DROP_M = 0.05  # walking, the hips dip at most this much at heel strike (a lunge drops ~0.35 m)
GAIT_BOB_M = 0.012  # the hips rise and fall twice a stride ...
GAIT_SINK_M = 0.035  # ... a little lower than standing
PELVIS_SWING_DEG = 4.0  # the pelvis turns with each step
SHOULDER_COUNTER = 1.5  # the shoulders turn back against it, the head keeps looking ahead
POWER_ELBOW_DEG = 85.0  # marching with pumping arms
TURN_SLOWDOWN = 0.8  # walking slows to a fifth of its speed mid-turn
BURPEE_TEMPO = Tempo(period=(1.1, 5.0), out_share=(0.5, 0.5), gap=(0.0, 1.2), pause_prob=0.15)


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

@dataclass(frozen=True)
class GaitStyle:
    """How one person walks: the defaults are an ordinary walk."""

    name: str = "normal"
    width_hips: tuple[float, float] = (0.7, 1.1)  # ankles apart, in hip widths
    cross: float = 0.0  # 1: each foot lands on the midline (catwalk)
    toe_out_deg: float = 0.0
    crouch: float = 0.0  # knees kept bent: hips lowered by this share of the leg (sneaking)
    lean_deg: float = 0.0  # trunk forward
    hip_sway_deg: float = 0.0  # pelvis drops and the trunk leans over the standing leg
    bob: float = 1.0  # the hips' rise and fall, relative to an ordinary walk
    arm_swing_deg: tuple[float, float] = (15.0, 45.0)
    arm_plane_deg: float = 0.0  # the arms swing in this plane (0 forward, 90 out to the sides)
    arm_raise_deg: float = 0.0  # the arms held away from the body by this much
    elbow_deg: tuple[float, float] = (0.0, 30.0)  # elbow bend, straight-ish arm ...
    elbow_swing_deg: tuple[float, float] = (0.0, 30.0)  # ... bending more as the arm swings forward
    point_toes_deg: float = 0.0  # the swinging foot points its toes (dancer)
    neck_deg: tuple[float, float] = (-5.0, 15.0)


GAIT_STYLES = {
    "normal": GaitStyle(),
    "catwalk": GaitStyle("catwalk", width_hips=(0.3, 0.6), cross=0.8, hip_sway_deg=7.0, bob=1.2,
                         arm_swing_deg=(30.0, 55.0), elbow_deg=(0.0, 20.0), neck_deg=(-10.0, 0.0)),
    "sneaking": GaitStyle("sneaking", width_hips=(0.9, 1.4), crouch=0.08, lean_deg=20.0, bob=0.6,
                          arm_swing_deg=(5.0, 20.0), arm_raise_deg=25.0, elbow_deg=(45.0, 80.0),
                          elbow_swing_deg=(0.0, 15.0), neck_deg=(-15.0, 0.0)),
    "stomping": GaitStyle("stomping", width_hips=(0.9, 1.3), lean_deg=10.0, bob=1.8, arm_swing_deg=(30.0, 55.0),
                          elbow_deg=(30.0, 60.0), elbow_swing_deg=(10.0, 30.0), neck_deg=(5.0, 20.0)),
    "dancer": GaitStyle("dancer", width_hips=(0.5, 0.9), cross=0.3, toe_out_deg=35.0, bob=1.3,
                        arm_swing_deg=(5.0, 20.0), arm_plane_deg=60.0, arm_raise_deg=35.0, elbow_deg=(10.0, 40.0),
                        point_toes_deg=35.0, neck_deg=(-15.0, 0.0)),
}
GAIT_STYLE_P = {"normal": 0.55, "catwalk": 0.12, "sneaking": 0.11, "stomping": 0.11, "dancer": 0.11}
LEG_REACH = 0.985  # a standing leg's hip-to-ankle span at most this share of its length


def gait(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, speed: np.ndarray, heading: np.ndarray,
         period: float, lift: float, swing_share: float, arm_swing: float | None = None, knee_forward: float = 0.0,
         power_arms: bool = False, style: GaitStyle = GAIT_STYLES["normal"], treadmill: bool = False) -> Pose:
    """Stepping: each foot alternates a stance phase (fixed on the floor while the body passes over
    it) and a swing phase (lifted and carried forward); arms swing against the legs. ``speed`` (N,)
    m/s along ``heading`` (N,) rad; zero speed steps in place; ``treadmill``: the feet move at
    ``speed`` under a body that stays put. The hips ride as high as the standing legs reach: long
    strides lower them a little at each double support, never as far as a lunge."""
    n = len(t)
    dt = np.diff(t, prepend=t[0]) if n else np.zeros(0)
    phi = steady_phase(t, rng, period, drift=0.05)
    width = shape.hip_width * float(rng.uniform(*style.width_hips))
    swing_amp = float(rng.uniform(*style.arm_swing_deg)) * DEG if arm_swing is None else arm_swing
    elbow0 = float(rng.uniform(*style.elbow_deg))
    elbow_swing = float(rng.uniform(*style.elbow_swing_deg))
    pose = P.standing(shape, n, width)
    if treadmill:
        pose["x"] = P.wobble(t, rng, 0.03, (0.05, 0.2))
        pose["y"] = P.wobble(t, rng, 0.02, (0.05, 0.2))
    else:
        pose["x"] = np.cumsum(speed * np.cos(heading) * dt)
        pose["y"] = np.cumsum(speed * np.sin(heading) * dt)
    pose["yaw"] = heading
    st = 1.0 - swing_share
    pace = np.minimum(speed / BRISK_SPEED, 1.0)
    bob = style.bob * GAIT_BOB_M * shape.scale * np.cos(4 * np.pi * phi) * np.maximum(pace, 0.3 if lift > 0.1 else 0.0)
    nominal = P.stand_height(shape) - GAIT_SINK_M * shape.scale * pace - style.crouch * shape.leg + bob
    # a stride no longer than the legs allow with the hips dipping at most GAIT_MAX_DROP_M at heel strike
    low = P.stand_height(shape) - (GAIT_SINK_M + GAIT_MAX_DROP_M) * shape.scale - style.crouch * shape.leg
    front_max = np.sqrt(max((LEG_REACH * shape.leg) ** 2 - (low - shape.ankle_height) ** 2, 0.0))
    stride = np.minimum(speed * period, front_max / (STANCE_FRONT * st))
    toe_out = style.toe_out_deg * DEG
    heel_max = HEEL_PITCH_DEG * DEG
    feet, pitch, reach, stance_of = {}, {}, {}, {}
    for k, side in enumerate(B.SIDES):
        psi = (phi + 0.5 * k) % 1.0
        stance = psi < st
        u = np.clip((psi - st) / swing_share, 0.0, 1.0)
        length = stride * st  # the body passes this far over a standing foot: more in front than behind
        x_rel = np.where(stance, length * (STANCE_FRONT - psi / st), length * (STANCE_FRONT - 1.0 + ease(u)))
        x_rel = x_rel + knee_forward * np.sin(np.pi * u) * (~stance)
        reach[side] = np.where(stance, (st / 2 - psi) / (st / 2), -1.0 + 2.0 * ease(u))  # -1 back .. 1 front
        # the heel comes up about the toes late in the stance, and the toes leave last
        heel = np.where(stance, ease((psi - (st - HEEL_OFF)) / HEEL_OFF), 1.0 - ease(u / 0.35))
        heel = heel * np.minimum(stride / (0.5 * shape.height), 1.0)
        land = np.where(stance, 0.0, ease((u - 0.6) / 0.4))
        pitch[side] = heel * heel_max - LANDING_TOES_UP_DEG * DEG * land * np.minimum(pace * 2, 1.0)
        pitch[side] = pitch[side] + style.point_toes_deg * DEG * np.sin(np.pi * u) * (~stance)
        toe_len = _FOOT_TOE_M * shape.scale
        z = shape.ankle_height + toe_len * np.sin(np.maximum(pitch[side], 0.0)) + lift * np.sin(np.pi * u) * (~stance)
        y = B.SIDE_SIGN[side] * (width / 2) * (1.0 - style.cross)
        local = np.stack([x_rel, np.full(n, y), z], axis=1)
        feet[side] = P.heading_frame(pose, local)
        stance_of[side] = (stance, x_rel, y, z)
    # the hips can be no higher than the standing feet allow (hip joints beside the hip midpoint)
    ceiling = np.full(n, np.inf)
    for side, (stance, x_rel, y, z) in stance_of.items():
        dy = y - B.SIDE_SIGN[side] * shape.hip_width / 2
        span = np.sqrt(np.maximum((LEG_REACH * shape.leg) ** 2 - x_rel ** 2 - dy ** 2, 0.0))
        ceiling = np.where(stance, np.minimum(ceiling, z + span), ceiling)
    pose["z"] = np.minimum(nominal, ceiling)
    swing_yaw = PELVIS_SWING_DEG * DEG * np.sin(2 * np.pi * phi) * pace
    pose["yaw"] = heading + swing_yaw
    sway = style.hip_sway_deg * DEG * np.sin(2 * np.pi * phi)  # over the standing leg, twice a stride
    pose["roll"] = sway
    pose["spine_bend"] = -1.3 * sway
    pose["pitch"] = style.lean_deg * DEG * 0.5
    pose["spine_flex"] = style.lean_deg * DEG * 0.5
    pose["spine_twist"] = -SHOULDER_COUNTER * swing_yaw  # shoulders turn against the pelvis
    pose["neck_turn"] = (SHOULDER_COUNTER - 1.0) * swing_yaw + P.wobble(t, rng, 10 * DEG, (0.05, 0.2))
    pose["neck_flex"] = float(rng.uniform(*style.neck_deg)) * DEG - 0.7 * style.lean_deg * DEG
    poles = {s: np.array([np.cos(toe_out), B.SIDE_SIGN[s] * np.sin(toe_out), 0.0]) for s in B.SIDES}
    P.plant(shape, pose, feet, scene=True, flat=1.0, poles=poles)
    for side in B.SIDES:  # from level, the heel up (toes down) or the toes up
        pose[f"{side}_ankle"] = np.clip(pose[f"{side}_ankle"] - pitch[side], *B.ANKLE_LIMITS)
    for k, side in enumerate(B.SIDES):
        opposite = reach[B.SIDES[1 - k]]
        pose[f"{side}_sh_plane"] = style.arm_plane_deg * DEG
        pose[f"{side}_sh_elev"] = style.arm_raise_deg * DEG + swing_amp * opposite
        bent = POWER_ELBOW_DEG if power_arms else elbow0
        pose[f"{side}_elbow"] = (bent + elbow_swing * np.maximum(opposite, 0.0)) * DEG
        pose[f"{side}_pron"] = 80 * DEG
    return pose


def walking(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Walking up and down a lane (across the view or toward and away from the camera, depending on
    where it stands), turning round at each end; or on a treadmill. Ordinary, catwalk, sneaking,
    stomping or dancer-like."""
    name = _choice(rng, tuple(GAIT_STYLE_P), p=list(GAIT_STYLE_P.values()))
    style = GAIT_STYLES[name]
    treadmill = rng.random() < 0.2
    speed0 = float(rng.uniform(*WALK_SPEED.get(name, WALK_SPEED["normal"]))) * shape.scale
    period = shape.height * float(rng.uniform(*STRIDE_PER_HEIGHT.get(name, STRIDE_PER_HEIGHT["normal"]))) / speed0
    lane = float(rng.uniform(2.5, 9.0))
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
    lift = float(rng.uniform(*LIFT_M.get(name, LIFT_M["normal"]))) * shape.scale
    if treadmill:  # straight ahead at a steady speed
        speed = np.full(len(t), speed0)
        head = P.wobble(t, rng, 3 * DEG, (0.02, 0.1))
    else:  # the heading eases round between a walk's end and the next walk's start; the speed dips meanwhile
        speed = speed0 * (1.0 - TURN_SLOWDOWN * np.sin(np.pi * np.clip(_turn_progress(t, key_t), 0.0, 1.0)))
        head = P.keyframes(t, key_t, key_head)
    pose = gait(t, rng, shape, speed, head, period, lift=lift, swing_share=0.4, style=style, treadmill=treadmill)
    if treadmill and rng.random() < 0.35:  # hands on the handrails
        for side in B.SIDES:
            target = P.heading_frame(pose, np.array([0.35 * shape.scale, B.SIDE_SIGN[side] * 0.3 * shape.scale,
                                                     0.55 * shape.height]))
            B.reach_arm(shape, pose, side, target, P.heading_dir(pose, np.array([-0.3, B.SIDE_SIGN[side], -0.5])))
    return Motion(pose, style={"gait": name, "treadmill": bool(treadmill), "speed": round(speed0, 2),
                               "lane_m": round(lane, 2), "stride_m": round(speed0 * period, 3)})


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

STRETCHES = ("side_bend", "overhead", "toe_touch", "quad", "cross_arm", "triceps", "neck", "chest_open", "lunge",
             "side_lunge")
OWN_LEGS = ("lunge", "side_lunge")  # held stretches whose legs are placed by the row itself


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
    elif name == "lunge":  # a deep lunge held: hip flexor stretch, back knee near or on the floor
        front_x = float(u(0.45, 0.7)) * shape.leg
        p["x"] = 0.35 * front_x
        p["z"] = shape.ankle_height + shape.shank * float(u(0.55, 0.95))
        back_x = p["x"][0] - np.sqrt(max((0.97 * shape.leg) ** 2 - (p["z"][0] - 0.05) ** 2, 0.01))
        feet = {side: np.array([front_x, m * shape.hip_width / 2, shape.ankle_height]),
                other: np.array([back_x, -m * shape.hip_width / 2, 0.05 * shape.scale])}
        P.plant(shape, p, feet, scene=True, poles={s: np.array([1.0, 0.0, -0.3]) for s in B.SIDES})
        p[f"{other}_ankle"] = -30 * DEG
        p["spine_flex"] = float(u(-10.0, 25.0)) * DEG
        P.set_arms(shape, p, _choice(rng, ("hips", "overhead", "hang")))
    elif name == "side_lunge":  # weight over one bent knee, the other leg straight out to the side
        half = float(u(0.4, 0.55)) * shape.leg
        p["y"] = m * half * 0.55
        p["z"] = shape.ankle_height + shape.leg * float(u(0.55, 0.75))
        p["pitch"] = float(u(10.0, 35.0)) * DEG
        feet = {side: np.array([0.0, m * half, shape.ankle_height]), other: np.array([0.0, -m * half, shape.ankle_height])}
        P.plant(shape, p, feet, scene=True, poles={side: np.array([1.0, m * 0.5, 0.0]), other: np.array([1.0, 0.0, 0.0])})
        P.set_arms(shape, p, _choice(rng, ("clasped", "hang", "prayer")))
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
    rows, lifts, own = [], [], []
    for _ in holds:
        name = _choice(rng, STRETCHES)
        row, lifted = _stretch_row(shape, rng, name, B.SIDES[int(rng.integers(0, 2))])
        rows.append(row)
        lifts.append([1.0 if lifted == s else 0.0 for s in B.SIDES])
        own.append(1.0 if name in OWN_LEGS else 0.0)
    pose = P.pose_keyframes(t, holds, rows)
    pose["x"] = pose["x"] + P.wobble(t, rng, 0.01)
    pose["y"] = pose["y"] + P.wobble(t, rng, 0.01)
    key_t = [x for h in holds for x in h]
    lift_w = P.keyframes(t, key_t, np.repeat(np.array(lifts), 2, axis=0))  # (N, 2)
    own_w = P.keyframes(t, key_t, np.repeat(np.array(own), 2))
    keyed = pose.copy()
    feet = {s: np.broadcast_to(f, (n, 3)).copy() for s, f in P.stance_feet(shape, stance).items()}
    P.plant(shape, pose, feet, scene=True, flat=0.0)
    P.copy_channels(pose, keyed, P.LEG_KEYS, weight=own_w)
    for k, side in enumerate(B.SIDES):
        w = lift_w[:, k]
        P.copy_channels(pose, keyed, P.LEG_KEYS, sides=(side,), weight=w)
        B.flatten_feet(shape, pose, 1.0 - np.maximum(w, own_w), sides=(side,))
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
    beat = float(rng.uniform(0.35, 0.75))
    energy = float(rng.uniform(0.3, 1.0))  # how big the moves are: swaying .. kicking and dropping
    key_t = [0.0 - float(rng.uniform(0.0, beat))]
    while key_t[-1] < _end(t) + 1.0:
        key_t.append(key_t[-1] + beat * float(rng.choice([0.5, 1, 1, 2, 2, 3])) * float(rng.uniform(0.85, 1.15)))
    k = len(key_t)
    rows = np.zeros((k, len(B.CHANNELS)))
    centre, yaw = np.zeros(2), 0.0
    width = shape.hip_width * 1.2
    foot = {s: np.array([0.0, B.SIDE_SIGN[s] * width / 2]) for s in B.SIDES}
    feet_keys = {s: np.zeros((k, 2)) for s in B.SIDES}
    yaw_keys = np.zeros(k)
    kick_keys = {s: np.zeros((k, 4)) for s in B.SIDES}  # weight, hip plane, hip elevation, knee
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
                    "z": -float(rng.uniform(0.0, 0.1 + 0.2 * energy)) * shape.scale})
        rows[i] = row.q[0]
        if rng.random() < 0.35 * energy:  # a kick, knee lift or leg swing
            kicker = B.SIDES[int(rng.integers(0, 2))]
            kick_keys[kicker][i] = [1.0, float(rng.uniform(-20.0, 90.0)) * DEG,
                                    float(rng.uniform(25.0, 95.0)) * DEG, float(rng.uniform(0.0, 120.0)) * DEG]
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
    for side in B.SIDES:  # kicks override the planted leg (the other foot carries the body meanwhile)
        kk = P.keyframes(t, key_t, kick_keys[side])
        w = kk[:, 0]
        kicked = pose.copy()
        kicked.update({f"{side}_hip_plane": kk[:, 1], f"{side}_hip_elev": kk[:, 2], f"{side}_knee": kk[:, 3],
                       f"{side}_ankle": -20 * DEG})
        P.copy_channels(pose, kicked, P.LEG_KEYS, sides=(side,), weight=w)
    return Motion(pose, style={"beat_s": round(beat, 3), "energy": round(energy, 2)})


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
    chest_z = float(rng.uniform(0.1, 0.25)) * shape.scale  # chest to (or near) the ground
    low_pose, _ = P.support(shape, sup, np.array([chest_z]), np.array([-5 * DEG]), pivot_x=pivot)
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


def _seated_bend_row(shape: BodyShape, rng: np.random.Generator, side: str) -> np.ndarray:
    """Sitting cross-legged, bending sideways toward ``side``: that hand on the floor, the other arm
    arching overhead."""
    m = B.SIDE_SIGN[side]
    other = "r" if side == "l" else "l"
    s_ = shape.scale
    p = P.relax_arms(Pose.zeros(1))
    p["z"] = 0.1 * s_
    p["pitch"] = -float(rng.uniform(0.0, 10.0)) * DEG
    for sd in B.SIDES:
        ms = B.SIDE_SIGN[sd]
        B.reach_leg(shape, p, sd, np.array([float(rng.uniform(0.15, 0.3)) * s_, -ms * 0.1 * s_, 0.06 * s_]),
                    np.array([0.3, ms, 0.6]))
        p[f"{sd}_ankle"] = -float(rng.uniform(0.0, 30.0)) * DEG
    p["spine_bend"] = m * float(rng.uniform(20.0, 40.0)) * DEG
    p.update({f"{other}_sh_plane": 100 * DEG, f"{other}_sh_elev": float(_u(rng, 150.0, 175.0)) * DEG,
              f"{other}_elbow": float(_u(rng, 5.0, 40.0)) * DEG, f"{other}_pron": 90 * DEG})
    hand = np.array([0.0, m * (shape.hip_width / 2 + float(rng.uniform(0.15, 0.3)) * s_), 0.04 * s_])
    B.reach_arm(shape, p, side, hand, np.array([-0.3, m, 0.3]))
    return p.q[0]


def _kneel_bend_row(shape: BodyShape, rng: np.random.Generator, side: str) -> np.ndarray:
    """Kneeling upright (gate pose: the ``side`` leg out to the side), bending over it, the other arm
    overhead."""
    m = B.SIDE_SIGN[side]
    other = "r" if side == "l" else "l"
    s_ = shape.scale
    p = P.relax_arms(Pose.zeros(1))
    p["z"] = P.KNEE_ON_FLOOR_Z_M * s_ + shape.thigh * 0.97
    B.reach_leg(shape, p, other, np.array([-shape.shank * 0.97, -m * shape.hip_width / 2, 0.06 * s_]),
                np.array([1.0, 0.0, -1.0]))
    p[f"{other}_ankle"] = -40 * DEG
    if rng.random() < 0.6:  # gate pose
        B.reach_leg(shape, p, side, np.array([0.05 * s_, m * 0.8 * shape.leg, shape.ankle_height]),
                    np.array([0.0, 0.0, 1.0]))
    else:
        B.reach_leg(shape, p, side, np.array([-shape.shank * 0.97, m * shape.hip_width / 2, 0.06 * s_]),
                    np.array([1.0, 0.0, -1.0]))
        p[f"{side}_ankle"] = -40 * DEG
    p["spine_bend"] = m * float(rng.uniform(20.0, 40.0)) * DEG
    p.update({f"{other}_sh_plane": 100 * DEG, f"{other}_sh_elev": float(_u(rng, 150.0, 175.0)) * DEG,
              f"{other}_elbow": float(_u(rng, 5.0, 30.0)) * DEG, f"{other}_pron": 90 * DEG})
    P.set_arms(shape, p, _choice(rng, ("hang", "hips")), sides=(side,))
    return p.q[0]


def _tree_row(shape: BodyShape, rng: np.random.Generator, side: str) -> np.ndarray:
    """Standing on the ``side`` leg, the other foot against its inner thigh or calf, knee out; hands
    together at the chest or overhead."""
    m = B.SIDE_SIGN[side]
    other = "r" if side == "l" else "l"
    p = P.standing(shape, 1, shape.hip_width)
    p["y"] = m * shape.hip_width * 0.35
    P.plant(shape, p, {sd: np.array([0.0, m * shape.hip_width / 2, shape.ankle_height]) for sd in B.SIDES},
            scene=True)
    knee = B.leg(shape, p, side, B.trunk(shape, p)).mid[0]
    high = rng.random() < 0.6
    spot = knee + np.array([0.0, -m * 0.07 * shape.scale, (0.18 if high else -0.12) * shape.scale])
    B.reach_leg(shape, p, other, spot, np.array([0.2, -m, 0.0]))
    p[f"{other}_ankle"] = -30 * DEG
    if rng.random() < 0.5:
        P.set_arms(shape, p, "prayer")
    else:
        for sd in B.SIDES:
            p.update({f"{sd}_sh_plane": 20 * DEG, f"{sd}_sh_elev": float(_u(rng, 160.0, 178.0)) * DEG,
                      f"{sd}_elbow": float(_u(rng, 5.0, 30.0)) * DEG, f"{sd}_pron": 90 * DEG})
    return p.q[0]


def _fold_row(shape: BodyShape, rng: np.random.Generator, half: bool = False) -> np.ndarray:
    """Standing forward fold, hands toward the floor (or a half lift: back flat, hands on the shins)."""
    p = P.standing(shape, 1, shape.hip_width)
    p["x"] = -0.12 * shape.scale
    p["pitch"] = float(_u(rng, 45.0, 60.0) if half else _u(rng, 70.0, 95.0)) * DEG
    p["spine_flex"] = float(_u(rng, 0.0, 10.0) if half else _u(rng, 25.0, 45.0)) * DEG
    P.plant(shape, p, P.stance_feet(shape, shape.hip_width))
    tilt = p["pitch"][0] + p["spine_flex"][0]
    for sd in B.SIDES:
        p.update({f"{sd}_sh_plane": 0.0, f"{sd}_sh_elev": tilt - (25 if half else 0) * DEG,
                  f"{sd}_elbow": float(_u(rng, 0.0, 20.0)) * DEG, f"{sd}_pron": 90 * DEG})
    p["neck_flex"] = (-20 if half else 20) * DEG
    return p.q[0]


def _reach_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    """Standing, arms swept overhead, a slight back bend."""
    p = P.standing(shape, 1, shape.hip_width)
    P.plant(shape, p, P.stance_feet(shape, shape.hip_width))
    for sd in B.SIDES:
        p.update({f"{sd}_sh_plane": float(_u(rng, 10.0, 50.0)) * DEG, f"{sd}_sh_elev": float(_u(rng, 160.0, 178.0)) * DEG,
                  f"{sd}_elbow": 5 * DEG, f"{sd}_pron": 90 * DEG})
    p["spine_flex"] = -float(_u(rng, 5.0, 20.0)) * DEG
    p["neck_flex"] = -15 * DEG
    return p.q[0]


def _plank_row(shape: BodyShape, rng: np.random.Generator, low: bool) -> np.ndarray:
    """Straight-arm plank, or lowered halfway (chaturanga), hands ahead of the feet's start."""
    sup = Support(hands_x=0.35 * shape.scale, hands_z=0.04 * shape.scale, hand_width=shape.shoulder_width * 1.1,
                  flare=15 * DEG, feet_width=shape.hip_width)
    top = P.support_top(shape, sup)
    z = 0.25 * shape.scale if low else top
    p, _ = P.support(shape, sup, np.array([top]), np.array([0.0]))
    if low:
        p, _ = P.support(shape, sup, np.array([z]), np.array([0.0]), pivot_x=float(p["x"][0]) - shape.leg)
    return p.q[0]


def _u(rng: np.random.Generator, a: float, b: float) -> float:
    return float(rng.uniform(a, b))


SUN_SALUTATION = ("mountain", "reach", "fold", "half", "plank", "low", "cobra", "downdog", "fold", "reach")


def yoga(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """A flow on the mat (all fours, downward dog, knees down, child's pose, cobra), standing poses
    (warriors, tree), seated or kneeling side bends held and changed, sun salutations, or a long
    downward dog, held for a few breaths each."""
    flow = _choice(rng, ("floor", "standing", "seated", "sun", "downdog"), p=[0.3, 0.25, 0.15, 0.2, 0.1])
    hold = {"sun": (0.8, 2.5), "downdog": (6.0, 20.0)}.get(flow, (2.5, 8.0))
    move = {"sun": (0.6, 1.3)}.get(flow, (1.2, 2.5))
    holds = P.hold_keys(rng, _end(t), hold, move)
    rows = []
    start = {"floor": "tabletop", "standing": "mountain", "seated": "seated", "downdog": "downdog"}.get(flow, "mountain")
    state = start
    nxt = {"tabletop": ("downdog", "child", "cobra"), "downdog": ("tabletop",), "child": ("tabletop",),
           "cobra": ("downdog", "tabletop"), "mountain": ("warrior1", "warrior2", "tree"),
           "warrior1": ("warrior2", "mountain"), "warrior2": ("warrior1", "mountain"), "tree": ("mountain",),
           "seated": ("seated",), "kneeling": ("kneeling",)}
    if flow == "seated" and rng.random() < 0.4:
        state = "kneeling"
    if flow == "downdog":
        nxt["downdog"] = ("tabletop", "downdog", "downdog")
    side = B.SIDES[int(rng.integers(0, 2))]
    for i, _ in enumerate(holds):
        if flow == "sun":
            state = SUN_SALUTATION[i % len(SUN_SALUTATION)]
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
        elif state == "tree":
            rows.append(_tree_row(shape, rng, side))
        elif state in ("seated", "kneeling"):
            side = "r" if side == "l" else "l"
            rows.append((_seated_bend_row if state == "seated" else _kneel_bend_row)(shape, rng, side))
        elif state == "reach":
            rows.append(_reach_row(shape, rng))
        elif state in ("fold", "half"):
            rows.append(_fold_row(shape, rng, half=state == "half"))
        elif state in ("plank", "low"):
            rows.append(_plank_row(shape, rng, low=state == "low"))
        else:
            rows.append(_warrior_row(shape, rng, side, 1 if state == "warrior1" else 2))
        if flow != "sun":
            options = nxt[state]
            state = options[int(rng.integers(0, len(options)))]
    pose = P.pose_keyframes(t, holds, rows)
    pose["spine_flex"] = pose["spine_flex"] + P.wobble(t, rng, 1.0 * DEG, (0.15, 0.3))  # breathing
    return Motion(pose, style={"flow": flow, "floor": flow in ("floor", "downdog"), "holds": len(holds)})


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
    shuffle = float(rng.uniform(0.1, 0.35))  # how far the footwork travels
    shifts = np.array([[float(rng.uniform(-1.0, 1.0)) * shuffle, float(rng.uniform(-0.7, 0.7)) * shuffle] for _ in steps])
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
    ducks = np.sort(rng.uniform(0.0, _end(t), size=int(rng.poisson(float(rng.uniform(0.05, 0.5)) * max(_end(t), 0.1)))))
    for t0 in ducks:  # slips and bob-and-weave: down, to one side, back up
        w = out_and_back((t - t0) / float(rng.uniform(0.5, 1.2)))
        lateral = float(rng.uniform(-0.15, 0.15))
        pose["z"] = pose["z"] - w * float(rng.uniform(0.12, 0.3)) * s_
        pose["spine_flex"] = pose["spine_flex"] + w * float(rng.uniform(10.0, 30.0)) * DEG
        pose["spine_bend"] = pose["spine_bend"] - w * lateral * 1.5
        pose["y"] = pose["y"] + w * lateral
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


PRONE_SAG_DEG = (25.0, 40.0)  # hips on the floor while propped on the forearms


def lying(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Lying still on the back, front or side, or prone propped on the forearms with the hips on the
    floor (how people rest before and after a plank: it looks like a plank but the hips are down);
    breathing and small shifts only."""
    n = len(t)
    s_ = shape.scale
    kind = _choice(rng, ("back", "front", "side", "forearms"), p=[0.4, 0.25, 0.15, 0.2])
    if kind == "forearms":
        sup = Support(hands_x=0.0, hands_z=0.0, hand_width=shape.shoulder_width * float(rng.uniform(0.7, 1.4)),
                      forearms=True, flare=float(rng.uniform(10.0, 45.0)) * DEG,
                      feet_width=float(rng.uniform(0.1, 0.35)))
        z_s = P.support_top(shape, sup) + P.wobble(t, rng, 0.005 * s_, (0.2, 0.4))
        # the hips let down to the floor: the body sags from the shoulders to the feet
        sag = -float(rng.uniform(*PRONE_SAG_DEG)) * DEG
        pose, _ = P.support(shape, sup, z_s, sag + P.wobble(t, rng, 1.5 * DEG, (0.1, 0.3)))
        pose["neck_turn"] = P.wobble(t, rng, 10 * DEG, (0.02, 0.1))
        return Motion(pose, style={"kind": kind})
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


REST_ARMS = ("hang", "hips", "crossed", "neck", "behind_head", "pockets", "phone", "face", "clasped", "chest")
REST_KINDS = ("stand", "walk", "kneel", "floor")
REST_KIND_P = (0.5, 0.22, 0.13, 0.15)


def _kneel_row(shape: BodyShape, rng: np.random.Generator, both: bool) -> np.ndarray:
    """Kneeling on one knee (tying a shoe, resting an arm on the other knee) or on both, upright or
    sitting back toward the heels."""
    s_ = shape.scale
    side = B.SIDES[int(rng.integers(0, 2))]
    other = "r" if side == "l" else "l"
    m = B.SIDE_SIGN[side]
    p = P.relax_arms(Pose.zeros(1))
    p["z"] = P.KNEE_ON_FLOOR_Z_M * s_ + shape.thigh * float(rng.uniform(0.55, 0.97))
    p["pitch"] = float(rng.uniform(0.0, 25.0)) * DEG
    back = np.array([-shape.shank * 0.97, m * shape.hip_width / 2, 0.06 * s_])
    B.reach_leg(shape, p, side, back, np.array([1.0, 0.0, -1.0]))
    p[f"{side}_ankle"] = -40 * DEG
    if both:
        B.reach_leg(shape, p, other, back * np.array([1.0, -1.0, 1.0]), np.array([1.0, 0.0, -1.0]))
        p[f"{other}_ankle"] = -40 * DEG
        P.set_arms(shape, p, _choice(rng, ("hang", "hips", "crossed", "clasped")))
    else:  # the other foot flat in front, knee up; a forearm resting on it
        B.reach_leg(shape, p, other, np.array([0.45 * shape.thigh + 0.1 * s_, -m * shape.hip_width / 2,
                                               shape.ankle_height]), np.array([1.0, 0.0, 1.0]))
        B.flatten_feet(shape, p, 1.0, sides=(other,))
        knee = B.leg(shape, p, other, B.trunk(shape, p)).mid[0]
        B.reach_arm(shape, p, other, knee + np.array([0.08 * s_, 0.0, 0.03 * s_]), np.array([-0.3, -m, -0.5]))
        if rng.random() < 0.5:  # the free hand down at the shoe
            B.reach_arm(shape, p, side, np.array([0.45 * shape.thigh + 0.15 * s_, -m * 0.05 * s_, 0.08 * s_]),
                        np.array([0.0, m, 0.5]))
    p["neck_flex"] = float(rng.uniform(-10.0, 30.0)) * DEG
    return p.q[0]


def _floor_sit_row(shape: BodyShape, rng: np.random.Generator) -> np.ndarray:
    """Sitting on the floor, knees up, leaning back on the hands (or forearms on the knees)."""
    s_ = shape.scale
    p = P.relax_arms(Pose.zeros(1))
    p["z"] = 0.1 * s_
    lean_back = rng.random() < 0.5
    p["pitch"] = -float(rng.uniform(15.0, 35.0) if lean_back else rng.uniform(-15.0, 5.0)) * DEG
    for sd in B.SIDES:
        ms = B.SIDE_SIGN[sd]
        B.reach_leg(shape, p, sd, np.array([float(rng.uniform(0.45, 0.7)) * shape.leg, ms * 0.15 * s_,
                                            shape.ankle_height]), np.array([1.0, 0.0, 1.0]))
    B.flatten_feet(shape, p, 1.0)
    for sd in B.SIDES:
        ms = B.SIDE_SIGN[sd]
        if lean_back:
            B.reach_arm(shape, p, sd, np.array([-0.25 * s_, ms * 0.22 * s_, 0.04 * s_]), np.array([-1.0, ms, 0.0]))
        else:
            knee = B.leg(shape, p, sd, B.trunk(shape, p)).mid[0]
            B.reach_arm(shape, p, sd, knee + np.array([0.05 * s_, -ms * 0.05 * s_, 0.02 * s_]), np.array([0.0, ms, -1.0]))
    return p.q[0]


def _down_and_up(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, kind: str) -> Pose:
    """From standing down to the floor (kneeling, or sitting via a kneel) and back up again."""
    end = _end(t)
    stand = P.standing(shape, 1, shape.hip_width * 1.1)
    P.plant(shape, stand, P.stance_feet(shape, shape.hip_width * 1.1))
    P.set_arms(shape, stand, _choice(rng, REST_ARMS[:5]))
    if kind == "kneel":
        low = [_kneel_row(shape, rng, both=rng.random() < 0.4)]
    else:
        low = [_kneel_row(shape, rng, both=True), _floor_sit_row(shape, rng)]
    rows = [stand.q[0]] + low + low[-2::-1] + [stand.q[0]]
    # the time down there is what is left after the moves (0.8-1.5 s each); short rests barely touch down
    moves = [float(rng.uniform(0.8, 1.5)) for _ in range(len(rows) - 1)]
    scale = min(1.0, 0.75 * end / max(sum(moves), 1e-6))
    moves = [x * scale for x in moves]
    start = float(rng.uniform(0.0, 0.15)) * end
    bottom = max(end - start - sum(moves) - float(rng.uniform(0.0, 0.15)) * end, 0.2)
    holds, cur = [], start
    for i in range(len(rows)):
        h = bottom / max(len(low) - 0, 1) if 0 < i < len(rows) - 1 and i <= len(low) else 0.0
        holds.append((cur, cur + h))
        cur += h + (moves[i] if i < len(moves) else 0.0)
    return P.pose_keyframes(t, holds, rows)


def rest(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Between sets: standing about (hands on the hips, arms crossed, holding the back of the neck ...),
    strolling about, kneeling for a moment, or getting down to the floor and up again."""
    kind = _choice(rng, REST_KINDS, p=REST_KIND_P)
    if kind == "walk":
        return walking(t, rng, shape, opts) if rng.random() < 0.4 else _stroll(t, rng, shape)
    if kind == "stand":
        motion = standing(t, rng, shape, opts)
        _arm_postures(t, rng, shape, motion.pose, REST_ARMS)
        return motion
    pose = _down_and_up(t, rng, shape, kind)
    pose["neck_turn"] = pose["neck_turn"] + P.wobble(t, rng, 15 * DEG, (0.05, 0.2))
    return Motion(pose, style={"rest": kind})


def _stroll(t: np.ndarray, rng: np.random.Generator, shape: BodyShape) -> Motion:
    """Walking about slowly, wandering and turning, between sets."""
    speed0 = float(rng.uniform(0.35, 0.9)) * shape.scale
    period = float(rng.uniform(0.9, 1.3))
    heading = float(rng.uniform(-np.pi, np.pi)) + P.wobble(t, rng, float(rng.uniform(40.0, 120.0)) * DEG, (0.03, 0.12))
    speed = speed0 * (0.6 + 0.4 * np.abs(np.sin(2 * np.pi * t / float(rng.uniform(3.0, 7.0)))))
    pose = gait(t, rng, shape, speed, heading, period, lift=float(rng.uniform(0.04, 0.08)) * shape.scale,
                swing_share=0.4, arm_swing=float(rng.uniform(5.0, 20.0)) * DEG)
    if rng.random() < 0.5:  # hands on the hips or behind the neck while strolling
        P.set_arms(shape, pose, _choice(rng, ("hips", "neck", "crossed")))
    return Motion(pose, style={"rest": "stroll", "speed": round(speed0, 2)})
