"""Exercises: the eight movements the classifier must name, each a function of time that returns the
pose per frame and the ground-truth reps.

Each draws its own style per sequence (depth, stance, grip, arm position, variant) from the ranges in
its ``...Style`` record, so the classifier learns the movement, not one way of doing it; and each takes
its reps from ``tempo.schedule`` so the rep times are exact. Every function has the signature of
``posture.MovementFn``. Angles in the style records are in degrees, lengths in metres for a 1.75 m body
unless named after the body part they are measured in (``..._hips``: hip widths).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import body as B
from . import posture as P
from .body import BodyShape, Pose
from .posture import DEG, Motion, MotionOptions, Support
from .tempo import RepTrack, Tempo, ease, schedule

Range = tuple[float, float]
SWAY_M = 0.012  # idle sway of the hips while standing (m)


def _u(rng: np.random.Generator, r: Range) -> float:
    return float(rng.uniform(*r))


def _rad(rng: np.random.Generator, r: Range) -> float:
    return float(rng.uniform(*r)) * DEG


def _reps(track: RepTrack, **style) -> dict:
    return {"period": round(track.period, 3), **style}


def _motion(pose: Pose, track: RepTrack, style: dict, camera: dict | None = None) -> Motion:
    return Motion(pose, list(track.rep_times), list(track.rep_starts), _reps(track, **style), dict(camera or {}))


def _choice(rng: np.random.Generator, options, p=None) -> str:
    return str(options[int(rng.choice(len(options), p=p))])


def _sway(pose: Pose, t: np.ndarray, rng: np.random.Generator, amp: float = SWAY_M) -> None:
    pose["x"] = pose["x"] + P.wobble(t, rng, amp)
    pose["y"] = pose["y"] + P.wobble(t, rng, amp)


# -- squat -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SquatStyle:
    tempo: Tempo = Tempo(period=(1.6, 4.5), hold_out_prob=0.25, hold_out=(0.3, 1.5), gap=(0.0, 0.6))
    box_tempo: Tempo = Tempo(period=(2.0, 4.5), hold_out_prob=0.85, hold_out=(0.3, 1.2), gap=(0.2, 0.8))
    variants: tuple[str, ...] = ("standard", "sumo", "box", "thruster")
    variant_p: tuple[float, ...] = (0.6, 0.15, 0.12, 0.13)
    min_knee_deg: Range = (60.0, 112.0)  # interior knee angle at full depth: deep .. quarter squat
    box_knee_deg: Range = (82.0, 102.0)  # sitting back onto a box: about parallel
    stance_hips: Range = (1.0, 1.9)  # ankles apart
    sumo_stance_hips: Range = (2.2, 3.3)
    toe_out_deg: Range = (0.0, 30.0)
    sumo_toe_out_deg: Range = (30.0, 50.0)
    lean_deg: Range = (10.0, 45.0)  # trunk forward of vertical at the bottom
    box_lean_deg: Range = (30.0, 50.0)  # hips pushed back onto the box ...
    sumo_lean_deg: Range = (5.0, 25.0)  # ... an upright sumo
    lean_pelvis_share: float = 0.55  # of the lean, the pelvis tilts this much, the spine the rest
    shin_tilt_deg: Range = (20.0, 38.0)  # shins forward of vertical at the bottom ...
    box_shin_tilt_deg: Range = (3.0, 14.0)  # ... nearly vertical sitting back
    shin_share_max: float = 0.6  # at most this share of the knee's flexion
    gaze_counter: float = 0.4  # the head tilts back against the lean to keep looking ahead
    # arms: front raise (straight forward), held out, prisoner, crossed, goblet, bar on the back, overhead
    arms: tuple[str, ...] = ("forward", "t_pose", "behind_head", "crossed", "goblet", "bar", "overhead", "hang",
                             "clasped", "hips", "chest")
    arms_p: tuple[float, ...] = (0.24, 0.07, 0.12, 0.11, 0.12, 0.12, 0.05, 0.06, 0.05, 0.03, 0.03)
    sumo_arms: tuple[str, ...] = ("goblet", "dumbbell", "clasped", "forward", "behind_head", "hips")
    arms_rise_prob: float = 0.4  # "forward" arms rise with the descent (else held out throughout)
    press_start: float = 0.55  # thrusters: the press starts at this phase, overhead ...
    press_top: float = 0.8  # ... here, back in the rack at the end of the rep


SQUAT = SquatStyle()


def squat(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Knees and hips bend together, trunk leaning forward, heels down; depth from quarter to deep.
    Standard, sumo (wide, toes out), box (sitting back and pausing) or thruster (pressing overhead on
    the way up); arms held in many ways."""
    st = SQUAT
    n = len(t)
    variant = _choice(rng, st.variants, p=st.variant_p)
    track = schedule(t, rng, st.box_tempo if variant == "box" else st.tempo, opts.lead_in, opts.lead_out)
    min_knee = _u(rng, st.box_knee_deg if variant == "box" else st.min_knee_deg)
    stance = shape.hip_width * _u(rng, st.sumo_stance_hips if variant == "sumo" else st.stance_hips)
    toe_out = _rad(rng, st.sumo_toe_out_deg if variant == "sumo" else st.toe_out_deg)
    lean = _rad(rng, {"box": st.box_lean_deg, "sumo": st.sumo_lean_deg}.get(variant, st.lean_deg))
    tilt = st.box_shin_tilt_deg if variant == "box" else st.shin_tilt_deg
    shin_max = min(_u(rng, tilt), st.shin_share_max * (180.0 - min_knee)) * DEG
    arms = _choice(rng, st.sumo_arms) if variant == "sumo" else _choice(rng, st.arms, p=st.arms_p)
    if variant == "thruster":
        arms = "rack"
    s = track.level * track.amp
    flex = P.STAND_KNEE_DEG * DEG + s * ((180.0 - min_knee) * DEG - P.STAND_KNEE_DEG * DEG)
    alpha = s * shin_max  # shins tilt forward
    beta = flex - alpha  # thighs tilt back
    half = max(stance - shape.hip_width, 0.0) / 2
    c = np.sqrt(1.0 - (half / shape.leg) ** 2)  # legs splayed sideways reach less far down
    # toes out, the knees track them: the thighs' forward travel is shared with the sides
    fwd = np.cos(toe_out) if variant == "sumo" else 1.0
    pose = P.standing(shape, n, stance)
    pose["x"] = c * fwd * (shape.shank * np.sin(alpha) - shape.thigh * np.sin(beta))
    pose["z"] = shape.ankle_height + c * (shape.shank * np.cos(alpha) + shape.thigh * np.cos(beta))
    _sway(pose, t, rng)
    pose["pitch"] = st.lean_pelvis_share * s * lean
    pose["spine_flex"] = (1.0 - st.lean_pelvis_share) * s * lean
    pose["neck_flex"] = -st.gaze_counter * s * lean + P.wobble(t, rng, 5 * DEG)
    P.plant(shape, pose, P.stance_feet(shape, stance), toe_out)
    rise = rng.random() < st.arms_rise_prob
    if variant == "thruster":  # from the front rack, pressed overhead while rising, back down
        ph = track.phase
        press = np.where(ph < st.press_top, ease((ph - st.press_start) / (st.press_top - st.press_start)),
                         1.0 - ease((ph - st.press_top) / (1.0 - st.press_top)))
        P.set_arms(shape, pose, "rack")
        P.set_arms(shape, pose, "overhead", weight=press)
    elif arms == "dumbbell":  # one dumbbell held in both hands, hanging between the legs
        P.set_arms(shape, pose, "hang")
        for side in B.SIDES:
            pose.update({f"{side}_sh_plane": -10 * DEG, f"{side}_sh_elev": 12 * DEG, f"{side}_pron": 90 * DEG})
    elif arms == "forward":
        P.set_arms(shape, pose, "forward", weight=s if rise else None)
    else:
        P.set_arms(shape, pose, arms)
    return _motion(pose, track, {"variant": variant, "min_knee_deg": round(min_knee, 1), "stance_m": round(stance, 3),
                                 "arms": arms})


# -- push-up ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PushupStyle:
    tempo: Tempo = Tempo(period=(1.2, 3.5), hold_out_prob=0.1, hold_out=(0.2, 1.0), gap=(0.0, 0.5))
    variants: tuple[str, ...] = ("full", "knee", "incline", "decline")
    variant_p: tuple[float, ...] = (0.45, 0.17, 0.28, 0.10)
    incline_deg: Range = (20.0, 70.0)  # incline: trunk above the horizontal with straight arms ...
    decline_feet_m: Range = (0.3, 0.65)  # decline: feet on a bench this high
    floor_wrist_m: float = 0.04  # wrist height with the hand flat on the floor
    hand_width_shoulders: Range = (0.7, 2.3)  # narrow (diamond) .. wide
    flare_deg: Range = (15.0, 80.0)  # elbows: 0 tucked, 90 straight out
    narrow_flare_deg: Range = (5.0, 30.0)  # hands closer than the shoulders tuck the elbows
    feet_width_m: Range = (0.05, 0.35)
    shin_lift_deg: Range = (0.0, 60.0)  # knee push-ups: feet raised behind
    bottom_gap_m: Range = (0.17, 0.30)  # shoulder joints from the wrists at full depth
    depth: Range = (0.6, 1.0)  # share of the full range each rep goes down
    hip_bend_deg: Range = (-6.0, 8.0)  # + piked, - sagging
    hip_bend_at_bottom_deg: Range = (-8.0, 6.0)
    look_up_deg: Range = (0.0, 30.0)


PUSHUP = PushupStyle()
# Cameras: often on the floor in front (head-on, the trunk foreshortened) or at the feet.
PUSHUP_CAMERA = {"mount_prob": 0.45, "mount_height_m": (0.05, 1.2)}


def _incline_hands_z(shape: BodyShape, sup: Support, incline: float) -> float:
    """Hand height (bench, bar, wall) at which the straight-armed body rises ``incline`` (rad) from the
    pivot to the shoulders."""
    a, b = (shape.leg if sup.pivot == "toes" else shape.thigh), shape.torso
    rise = (a + b) * np.sin(incline)
    lat = max(sup.hand_width - shape.shoulder_width, 0.0) / 2
    arm = float(np.sqrt(max((P.STRAIGHT_REACH * shape.arm) ** 2 - lat ** 2, 0.01)))
    return max(P.pivot_height(shape, sup.pivot) + rise - arm, PUSHUP.floor_wrist_m * shape.scale)


def _pushup_bottom(shape: BodyShape, sup: Support, top: float, gap: float) -> float:
    """Shoulder height at the bottom: lowered about the pivot until the shoulders are ``gap`` from the
    wrists (on the floor straight down; on a high bar mostly forward toward it)."""
    a, b = (shape.leg if sup.pivot == "toes" else shape.thigh), shape.torso
    pz = P.pivot_height(shape, sup.pivot) + sup.feet_z
    dist = a + b
    g_top = np.arcsin(np.clip((top - pz) / dist, -0.95, 0.95))
    hand = np.array([dist * np.cos(g_top) + P.HANDS_AHEAD_M * shape.scale, sup.hands_z])
    g = g_top - np.radians(np.linspace(0.0, 70.0, 141))
    sh = np.stack([dist * np.cos(g), pz + dist * np.sin(g)], axis=1)
    lat = max(sup.hand_width - shape.shoulder_width, 0.0) / 2
    d = np.sqrt(np.sum((sh - hand) ** 2, axis=1) + lat ** 2)
    below = np.nonzero(d <= gap)[0]
    i = int(below[0]) if len(below) else int(np.argmin(d))
    return float(sh[i, 1])


def pushup(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """A straight body pivots about the toes (or knees) while the elbows bend; hands stay put: on the
    floor, on a bench or bar at any height (incline), or with the feet raised (decline)."""
    st = PUSHUP
    track = schedule(t, rng, st.tempo, opts.lead_in, opts.lead_out)
    variant = _choice(rng, st.variants, p=st.variant_p)
    width = _u(rng, st.hand_width_shoulders)
    flare = _rad(rng, st.narrow_flare_deg if width < 1.0 else st.flare_deg)
    incline = _rad(rng, st.incline_deg)
    feet_z = _u(rng, st.decline_feet_m) * shape.scale if variant == "decline" else 0.0
    sup = Support(hands_x=0.0, hands_z=st.floor_wrist_m * shape.scale, hand_width=shape.shoulder_width * width,
                  pivot="knees" if variant == "knee" else "toes", flare=flare,
                  feet_width=_u(rng, st.feet_width_m), shin_lift=_rad(rng, st.shin_lift_deg), feet_z=feet_z)
    if variant == "incline":
        sup = replace(sup, hands_z=_incline_hands_z(shape, sup, incline))
    top = P.support_top(shape, sup)
    bottom = _pushup_bottom(shape, sup, top, _u(rng, st.bottom_gap_m) * shape.scale)
    depth = _u(rng, st.depth)
    s = track.level * track.amp * depth
    z_s = top - s * (top - bottom)
    bend = _rad(rng, st.hip_bend_deg) + s * _rad(rng, st.hip_bend_at_bottom_deg)
    pose, _ = P.support(shape, sup, z_s, bend + P.wobble(t, rng, 1.5 * DEG))
    pose["neck_flex"] = -_rad(rng, st.look_up_deg) + P.wobble(t, rng, 4 * DEG)
    a = shape.leg if sup.pivot == "toes" else shape.thigh
    trunk_deg = np.degrees(np.arcsin(np.clip((top - P.pivot_height(shape, sup.pivot) - feet_z) / (a + shape.torso),
                                             -1, 1)))
    return _motion(pose, track, {"variant": variant, "depth": round(depth, 2), "flare_deg": round(sup.flare / DEG, 1),
                                 "hands_z": round(sup.hands_z, 3), "hand_width": round(width, 2),
                                 "top_trunk_deg": round(float(trunk_deg), 1)}, PUSHUP_CAMERA)


# -- lunge -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LungeStyle:
    tempo: Tempo = Tempo(period=(2.0, 4.5), hold_out_prob=0.15, hold_out=(0.3, 1.2), gap=(0.1, 0.8))
    variants: tuple[str, ...] = ("forward", "reverse", "walking")
    variant_p: tuple[float, ...] = (0.4, 0.3, 0.3)
    alternate_prob: float = 0.6  # forward / reverse sets alternate legs (walking always does)
    turn_every: tuple[int, int] = (3, 6)  # walking lunges turn round after this many reps (high excl.)
    turn_s: float = 1.6
    step_legs: Range = (0.9, 1.25)  # step length in leg lengths
    width_hips: Range = (0.7, 1.2)
    depth: Range = (0.65, 1.0)
    lean_deg: Range = (0.0, 15.0)
    hands: tuple[str, ...] = ("hips", "dumbbells", "clasped", "hang")
    dumbbell_plane_deg: float = 70.0  # arms hang a little forward of the sides
    foot_lift_m: float = 0.07  # a stepping foot clears the floor by this much
    step_share: float = 0.22  # of the rep, spent stepping out (and, at the end, back)
    sink_start: float = 0.08  # phase at which the body starts to lower (before the foot lands)
    bottom_shanks: Range = (0.95, 1.1)  # hip height at the bottom, in shank lengths above the ankle
    heel_raise_m: float = 0.05  # the back heel comes up at the bottom ...
    back_toes_deg: float = 25.0  # ... and the back foot stands on its toes
    forward_shift_m: float = 0.03  # hips drift toward the front foot at the bottom
    reach: float = 0.985  # legs nearly straight at the split before lowering


LUNGE = LungeStyle()


def lunge(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """One foot steps out (forward or back), both knees bend until the back knee nears the floor, the
    foot returns; alternating legs, or walking forward with a turn every few steps."""
    st = LUNGE
    n = len(t)
    variant = _choice(rng, st.variants, p=st.variant_p)
    alternate = variant == "walking" or rng.random() < st.alternate_prob
    turn_every = int(rng.integers(*st.turn_every))
    tempo = st.tempo
    if variant == "walking":
        tempo = Tempo(**{**st.tempo.__dict__, "break_every": turn_every, "break_s": st.turn_s})
    track = schedule(t, rng, tempo, opts.lead_in, opts.lead_out)
    step = shape.leg * _u(rng, st.step_legs)
    width = shape.hip_width * _u(rng, st.width_hips)
    depth = _u(rng, st.depth)
    lean = _rad(rng, st.lean_deg)
    hands = _choice(rng, st.hands)
    first = int(rng.integers(0, 2))
    sign = -1.0 if variant == "reverse" else 1.0
    ph = track.phase
    rep = np.maximum(track.rep, 0)
    lead = np.where(alternate, (rep + first) % 2, first).astype(int)  # 0: left leg steps, 1: right
    # the foot steps out at the start of the rep and back at its end; the body starts lowering before
    # the foot lands and is nearly up again when it leaves (no straight-legged split)
    share = st.step_share
    step_p = np.where(ph < 0.5, ease(ph / share), 1.0 - ease((ph - 1.0 + share) / share))
    sink = 0.5 - st.sink_start
    low = np.where(ph < 0.5, ease((ph - st.sink_start) / sink), 1.0 - ease((ph - 0.5) / sink)) * track.amp * depth
    trail = np.zeros(n)
    if variant == "walking" and len(track.ends):
        # the stepping foot stays out; the back foot joins it at the end of the rep
        done = (track.rep >= 0) & (t >= track.ends[rep])
        step_p = np.where(done, 0.0, ease(ph / share))
        trail = np.where(done, 0.0, ease((ph - 1.0 + share) / share))
    lift_m = st.foot_lift_m * shape.scale
    moving = {"x": sign * step * step_p, "z": lift_m * np.sin(np.pi * step_p)}
    still = {"x": step * trail, "z": lift_m * np.sin(np.pi * trail)}
    feet_x = {k: np.where(lead == k, moving["x"], still["x"]) for k in (0, 1)}
    feet_z = {k: shape.ankle_height + np.where(lead == k, moving["z"], still["z"]) for k in (0, 1)}
    split = np.abs(feet_x[0] - feet_x[1])
    back = np.where(feet_x[0] < feet_x[1], 0, 1)
    for k in (0, 1):  # the back heel comes up as the body lowers
        feet_z[k] = feet_z[k] + np.where(back == k, st.heel_raise_m * shape.scale * low, 0.0)
    half_w = max(width - shape.hip_width, 0.0) / 2
    z_split = shape.ankle_height + np.sqrt(np.maximum((st.reach * shape.leg) ** 2 - (split / 2) ** 2 - half_w ** 2, 0.1))
    z_top = np.minimum(P.stand_height(shape, half_w), z_split)
    z_bottom = shape.ankle_height + shape.shank * _u(rng, st.bottom_shanks)
    origin, heading = _walk_origins(track, rng, step, t) if variant == "walking" else (np.zeros((n, 2)), np.zeros(n))
    pose = P.standing(shape, n, width)
    mid_x = (feet_x[0] + feet_x[1]) / 2 + st.forward_shift_m * low
    c, s_ = np.cos(heading), np.sin(heading)
    pose["x"] = origin[:, 0] + c * mid_x
    pose["y"] = origin[:, 1] + s_ * mid_x
    pose["yaw"] = heading
    pose["z"] = z_top - low * (z_top - z_bottom)
    _sway(pose, t, rng, SWAY_M / 2)
    pose["pitch"] = low * lean
    pose["neck_flex"] = P.wobble(t, rng, 5 * DEG)
    feet = {}
    for k, side in enumerate(B.SIDES):
        local_x = feet_x[k]
        y = B.SIDE_SIGN[side] * width / 2
        feet[side] = np.stack([origin[:, 0] + c * local_x - s_ * y, origin[:, 1] + s_ * local_x + c * y, feet_z[k]], 1)
    poles = {side: np.array([1.0, 0.0, -0.3]) for side in B.SIDES}  # knees forward, the back one down
    P.plant(shape, pose, feet, scene=True, poles=poles, flat=1.0)
    for k, side in enumerate(B.SIDES):  # back foot on its toes
        heel_up = np.where(back == k, low, 0.0)
        pose[f"{side}_ankle"] = pose[f"{side}_ankle"] * (1 - heel_up) - st.back_toes_deg * DEG * heel_up
    if hands == "dumbbells":
        P.set_arms(shape, pose, "hang")
        pose["l_sh_plane"] = pose["r_sh_plane"] = st.dumbbell_plane_deg * DEG
        pose["l_pron"] = pose["r_pron"] = 90 * DEG
    else:
        P.set_arms(shape, pose, hands)
    return _motion(pose, track, {"variant": variant, "alternate": bool(alternate), "hands": hands})


def _walk_origins(track: RepTrack, rng: np.random.Generator, step: float, t: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Walking lunges: where each rep starts (feet together) and which way the body faces; after
    every break the body turns round (left or right) while standing."""
    n_reps = len(track.starts)
    turn_sign = 1.0 if rng.random() < 0.5 else -1.0
    heading_of_rep = np.zeros(n_reps)
    origins = np.zeros((n_reps + 1, 2))
    for r in range(n_reps):
        turns = sum(1 for b0, _ in track.breaks if b0 < track.starts[r])
        heading_of_rep[r] = turn_sign * np.pi * turns
        origins[r + 1] = origins[r] + step * np.array([np.cos(heading_of_rep[r]), np.sin(heading_of_rep[r])])
    heading = np.zeros(len(t))
    for b0, b1 in track.breaks:
        heading = heading + turn_sign * np.pi * ease((t - b0) / max(b1 - b0, 1e-6))
    rep = np.maximum(track.rep, 0)
    if n_reps == 0:
        return np.zeros((len(t), 2)), heading
    done = (track.rep >= 0) & (t >= track.ends[rep])
    return origins[np.where(track.rep < 0, 0, rep + done)], heading


# -- jumping jack ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class JackStyle:
    tempo: Tempo = Tempo(period=(0.6, 1.5), jitter=0.05, out_share=(0.45, 0.55), gap=(0.0, 0.05), pause_prob=0.03)
    half_prob: float = 0.25  # "half jacks": arms only, no jump ...
    half_step_out_prob: float = 0.5  # ... though some step the feet out
    closed_hips: Range = (0.8, 1.1)  # ankles apart with the feet together
    spread_hips: Range = (1.8, 2.8)  # ... and apart
    hop_m: Range = (0.03, 0.10)
    feet_air_share: float = 0.9  # the feet leave the floor a little less than the hips rise
    arm_top_deg: Range = (150.0, 176.0)  # elevation overhead
    arm_rest_deg: float = 8.0
    arm_forward_deg: Range = (0.0, 20.0)  # the arms' plane, forward of straight out to the sides
    elbow_deg: Range = (5.0, 25.0)
    toe_out_deg: Range = (0.0, 20.0)
    palm_turn_deg: float = 80.0  # palms turn from the thighs toward facing forward/up overhead


JACK = JackStyle()


def jumping_jack(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Arms sweep from the sides to overhead while the feet jump apart, and back; "half jacks" keep
    the feet on the floor (stepping out or not)."""
    st = JACK
    n = len(t)
    track = schedule(t, rng, st.tempo, opts.lead_in, opts.lead_out)
    half = rng.random() < st.half_prob
    step_out = not half or rng.random() < st.half_step_out_prob
    closed = shape.hip_width * _u(rng, st.closed_hips)
    spread = shape.hip_width * _u(rng, st.spread_hips) if step_out else closed
    hop = 0.0 if half else _u(rng, st.hop_m) * shape.scale
    arm_top = _rad(rng, st.arm_top_deg)
    level = track.level * track.amp
    stance = closed + level * (spread - closed)
    air = hop * np.sin(2 * np.pi * track.phase) ** 2  # airborne while the feet move, twice a rep
    pose = P.standing(shape, n)
    pose["z"] = P.stand_height(shape, max(spread - shape.hip_width, 0.0) / 2) + air  # legs reach the wide stance
    feet = {s: np.stack([np.zeros(n), B.SIDE_SIGN[s] * stance / 2, shape.ankle_height + st.feet_air_share * air], 1)
            for s in B.SIDES}
    pose["neck_flex"] = P.wobble(t, rng, 4 * DEG)
    P.plant(shape, pose, feet, toe_out=_rad(rng, st.toe_out_deg))
    rest = st.arm_rest_deg * DEG
    for side in B.SIDES:
        pose[f"{side}_sh_plane"] = 90 * DEG - _rad(rng, st.arm_forward_deg)
        pose[f"{side}_sh_elev"] = rest + level * (arm_top - rest)
        pose[f"{side}_elbow"] = _rad(rng, st.elbow_deg)
        pose[f"{side}_pron"] = P.RELAXED_ARM["pron"] + level * st.palm_turn_deg * DEG
    return _motion(pose, track, {"half": bool(half), "step_out": bool(step_out)})


# -- plank -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlankStyle:
    forearms_prob: float = 0.5
    hips: tuple[str, ...] = ("straight", "sag", "pike")
    hips_p: tuple[float, ...] = (0.7, 0.15, 0.15)
    hip_bend_deg: dict[str, Range] = field(default_factory=lambda: {
        "straight": (-4.0, 6.0), "sag": (-18.0, -9.0), "pike": (15.0, 35.0)})
    hand_width_shoulders: Range = (0.6, 1.4)
    flare_deg: Range = (10.0, 40.0)
    feet_width_m: Range = (0.05, 0.35)
    sway_m: float = 0.012  # the shoulders drift up and down this much ...
    sway_deg: float = 2.5  # ... and the hips bend and straighten this much
    sway_hz: Range = (0.05, 0.3)
    look_up_deg: Range = (-5.0, 25.0)
    head_turn_deg: float = 6.0


PLANK = PlankStyle()


def plank(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Held on forearms or straight arms with a slight sway; sometimes sagging or piked hips."""
    st = PLANK
    forearms = rng.random() < st.forearms_prob
    hips = _choice(rng, st.hips, p=st.hips_p)
    bend = _rad(rng, st.hip_bend_deg[hips])
    sup = Support(hands_x=0.0, hands_z=PUSHUP.floor_wrist_m * shape.scale,
                  hand_width=shape.shoulder_width * _u(rng, st.hand_width_shoulders), forearms=forearms,
                  flare=_rad(rng, st.flare_deg), feet_width=_u(rng, st.feet_width_m))
    z_s = P.support_top(shape, sup) + P.wobble(t, rng, st.sway_m, st.sway_hz)
    pose, _ = P.support(shape, sup, z_s, bend + P.wobble(t, rng, st.sway_deg * DEG, st.sway_hz))
    pose["neck_flex"] = -_rad(rng, st.look_up_deg) + P.wobble(t, rng, 4 * DEG)
    pose["neck_turn"] = P.wobble(t, rng, st.head_turn_deg * DEG)
    return Motion(pose, [], [], {"forearms": bool(forearms), "hips": hips})


# -- sit-up ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SitupStyle:
    tempo: Tempo = Tempo(period=(1.8, 5.0), hold_out_prob=0.15, hold_out=(0.2, 1.0), gap=(0.0, 0.8))
    bicycle_tempo: Tempo = Tempo(period=(0.9, 2.2), hold_out_prob=0.1, hold_out=(0.1, 0.5), gap=(0.0, 0.3))
    variants: tuple[str, ...] = ("situp", "crunch", "ball", "bicycle")
    variant_p: tuple[float, ...] = (0.35, 0.32, 0.15, 0.18)
    top_deg: Range = (65.0, 88.0)  # trunk raised from the floor at the top: full sit-up ...
    crunch_top_deg: Range = (20.0, 40.0)  # ... and crunch (floor, ball, bicycle: shoulders just off)
    curl_share: Range = (0.25, 0.45)  # of the rise, from the spine curling (the rest the pelvis) ...
    crunch_curl_share: Range = (0.6, 0.9)  # ... in a crunch
    arms: tuple[str, ...] = ("crossed", "chest", "behind_head", "temples", "reach", "floor")
    arms_p: tuple[float, ...] = (0.18, 0.14, 0.22, 0.2, 0.14, 0.12)
    crunch_arms: tuple[str, ...] = ("crossed", "chest", "behind_head", "temples")
    knee_deg: Range = (65.0, 110.0)  # interior knee angle, feet flat on the floor
    feet_width_m: Range = (0.15, 0.35)
    lying_hip_z_m: float = 0.10  # hip joints above the floor lying on the back
    neck_deg: Range = (0.0, 15.0)  # chin toward the chest lying ...
    neck_lift_deg: Range = (5.0, 25.0)  # ... and more as the trunk rises
    ball_hip_z_m: Range = (0.6, 0.72)  # hips on top of an exercise ball ...
    ball_extension_deg: Range = (5.0, 25.0)  # ... the trunk draped back over it, below the horizontal
    ball_feet_x_m: Range = (0.45, 0.65)  # feet on the floor this far ahead of the hips
    bicycle_base_deg: Range = (10.0, 20.0)  # bicycle: shoulders held off the floor ...
    bicycle_twist_deg: Range = (20.0, 40.0)  # ... twisting toward the knee that comes in
    bicycle_hip_deg: tuple[Range, Range] = ((95.0, 120.0), (25.0, 50.0))  # hip flexion: knee in, leg out
    bicycle_knee_deg: tuple[Range, Range] = ((100.0, 130.0), (10.0, 40.0))


SITUP = SitupStyle()
# Cameras: from the feet, the side, or above (standing over the mat).
SITUP_CAMERA = {"mount_prob": 0.4, "mount_height_m": (0.3, 2.2)}


def situp(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Lying on the back with knees bent and feet anchored, the trunk curls up (to upright in a full
    sit-up, a third of the way in a crunch) and back down; crunches on an exercise ball start with
    the trunk draped backwards over it; bicycle crunches twist elbow to the opposite knee while the
    legs pedal in the air."""
    st = SITUP
    n = len(t)
    variant = _choice(rng, st.variants, p=st.variant_p)
    track = schedule(t, rng, st.bicycle_tempo if variant == "bicycle" else st.tempo, opts.lead_in, opts.lead_out)
    full = variant == "situp"
    top = _rad(rng, st.top_deg if full else st.crunch_top_deg)
    curl = _u(rng, st.curl_share if full else st.crunch_curl_share)
    arms = _choice(rng, st.arms, p=st.arms_p) if full else _choice(rng, st.crunch_arms)
    if variant == "bicycle" and arms in ("crossed", "chest"):
        arms = "behind_head"
    level = track.level * track.amp
    lift = level * top
    pose = Pose.zeros(n)
    start = -90 * DEG
    pose["z"] = st.lying_hip_z_m * shape.scale
    if variant == "ball":
        pose["z"] = _u(rng, st.ball_hip_z_m) * shape.scale
        start = -90 * DEG - _rad(rng, st.ball_extension_deg)
    elif variant == "bicycle":
        lift = _rad(rng, st.bicycle_base_deg) + lift
    pose["pitch"] = start + (1.0 - curl) * lift
    pose["spine_flex"] = curl * lift
    pose["neck_flex"] = _rad(rng, st.neck_deg) + track.level * _rad(rng, st.neck_lift_deg)
    width = _u(rng, st.feet_width_m) * shape.scale
    rep = np.maximum(track.rep, 0)
    first = int(rng.integers(0, 2))
    if variant == "bicycle":  # legs pedal: the knee of the rep's side comes in, the other leg reaches out
        twist = _rad(rng, st.bicycle_twist_deg)
        side_sign = np.where((rep + first) % 2 == 0, 1.0, -1.0)
        pose["spine_twist"] = -side_sign * twist * level  # the left knee in: turn the right shoulder to it
        hips = [_rad(rng, r) for r in st.bicycle_hip_deg]
        knees = [_rad(rng, r) for r in st.bicycle_knee_deg]
        for side in B.SIDES:
            tuck = np.where(side_sign * B.SIDE_SIGN[side] > 0, level, 0.0)
            other = np.where(side_sign * B.SIDE_SIGN[side] < 0, level, 0.0)
            mid_h, mid_k = (hips[0] + hips[1]) / 2, (knees[0] + knees[1]) / 2
            pose[f"{side}_hip_plane"] = 0.0
            pose[f"{side}_hip_elev"] = mid_h + tuck * (hips[0] - mid_h) + other * (hips[1] - mid_h)
            pose[f"{side}_knee"] = mid_k + tuck * (knees[0] - mid_k) + other * (knees[1] - mid_k)
            pose[f"{side}_ankle"] = -20 * DEG
    else:  # feet planted on the floor where knees bent to ``knee`` put them (ahead of the ball)
        if variant == "ball":
            ankle_x = _u(rng, st.ball_feet_x_m) * shape.scale
        else:
            knee = _rad(rng, st.knee_deg)
            reach = np.sqrt(shape.thigh ** 2 + shape.shank ** 2 - 2 * shape.thigh * shape.shank * np.cos(knee))
            ankle_x = float(np.sqrt(max(reach ** 2 - (pose["z"][0] - shape.ankle_height) ** 2, 0.0)))
        feet = {s: np.array([ankle_x, B.SIDE_SIGN[s] * width / 2, shape.ankle_height]) for s in B.SIDES}
        P.plant(shape, pose, feet, scene=True, poles={s: np.array([1.0, 0.0, 2.0]) for s in B.SIDES})
    if arms == "reach":  # arms reach along the thighs as the trunk comes up
        for side in B.SIDES:
            pose.update({f"{side}_sh_plane": 5 * DEG, f"{side}_sh_elev": (50.0 + 40.0 * track.level) * DEG,
                         f"{side}_elbow": 10 * DEG, f"{side}_pron": 90 * DEG})
    elif arms == "floor":  # hands slide along the floor by the hips
        for side in B.SIDES:
            pose.update({f"{side}_sh_plane": 30 * DEG, f"{side}_sh_elev": (15.0 + 25.0 * track.level) * DEG,
                         f"{side}_elbow": 5 * DEG, f"{side}_pron": 150 * DEG})
    else:
        P.set_arms(shape, pose, arms)
    return _motion(pose, track, {"variant": variant, "crunch": not full, "top_deg": round(top / DEG, 1), "arms": arms},
                   SITUP_CAMERA)


# -- biceps curl -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurlStyle:
    tempo: Tempo = Tempo(period=(1.5, 4.0), hold_out_prob=0.15, hold_out=(0.2, 1.0), gap=(0.0, 0.5))
    cable_tempo: Tempo = Tempo(period=(1.8, 4.0), hold_out_prob=0.9, hold_out=(1.0, 2.0), gap=(0.0, 0.6))
    stances: tuple[str, ...] = ("standing", "seated", "bent_over", "concentration", "cable")
    stance_p: tuple[float, ...] = (0.38, 0.17, 0.17, 0.14, 0.14)
    modes: tuple[str, ...] = ("both", "alternating", "single")
    mode_p: tuple[float, ...] = (0.45, 0.35, 0.2)
    bent_over_single_prob: float = 0.7  # bent over, most work one arm, the free hand on a support
    hammer_prob: float = 0.3  # palms facing in (else turned up)
    curl_deg: Range = (115.0, 145.0)  # elbow flexion at the top
    rest_deg: Range = (5.0, 20.0)  # ... and at the bottom
    swing_deg: Range = (0.0, 20.0)  # upper arm swung forward at the top (cheating)
    body_swing_deg: Range = (0.0, 10.0)  # standing: the whole body rocks back to heave the weight up
    upper_arm_plane_deg: Range = (-5.0, 25.0)
    upper_arm_elev_deg: Range = (3.0, 12.0)  # elbows near the trunk
    cable_elev_deg: Range = (10.0, 30.0)  # cable curls: elbows a little forward
    internal_rot_deg: Range = (0.0, 15.0)
    supinated_pron_deg: Range = (-5.0, 15.0)
    hammer_pron_deg: float = 90.0
    wrist_curl_deg: Range = (0.0, 25.0)
    lean_back_deg: Range = (0.0, 8.0)  # the trunk sways back at the top
    bent_over_deg: Range = (20.0, 60.0)  # trunk forward of vertical, bent over
    concentration_lean_deg: Range = (20.0, 45.0)
    look_down_deg: Range = (0.0, 20.0)
    idle_hand: tuple[str, ...] = ("hang", "hips")  # the free arm in one-arm sets
    stance_hips: Range = (1.0, 1.6)
    stagger_m: Range = (0.0, 0.4)  # bent over: the free hand's foot forward
    support_m: Range = (0.45, 0.8)  # bent over: height of the bench or rack the free hand rests on
    seat_m: Range = (0.42, 0.52)
    hips_above_seat_m: float = 0.10
    knees_apart_m: Range = (0.15, 0.35)
    concentration_knees_m: Range = (0.25, 0.4)
    feet_forward_m: Range = (0.38, 0.5)
    thigh_contact: Range = (0.55, 0.8)  # concentration: the elbow rests this far along the inner thigh


CURL = CurlStyle()
CURL_CAMERA = {"shake": 0.35}  # often filmed hand-held (or by a phone propped up nearby)


def bicep_curl(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Elbows flex from hanging to ~40 degrees with the upper arms still: both arms together,
    alternating, or one arm; standing (with some swing), seated, bent over with the free hand on a
    support, seated concentration curls (elbow on the inner thigh), or cable curls held at the top."""
    st = CURL
    n = len(t)
    stance_kind = _choice(rng, st.stances, p=st.stance_p)
    track = schedule(t, rng, st.cable_tempo if stance_kind == "cable" else st.tempo, opts.lead_in, opts.lead_out)
    mode = _choice(rng, st.modes, p=st.mode_p)
    if stance_kind == "concentration" or (stance_kind == "bent_over" and rng.random() < st.bent_over_single_prob):
        mode = "single"
    hammer = rng.random() < st.hammer_prob
    curl_max = _rad(rng, st.curl_deg)
    rest = _rad(rng, st.rest_deg)
    swing = _rad(rng, st.swing_deg)
    first = int(rng.integers(0, 2))
    rep = np.maximum(track.rep, 0)
    level = track.level * track.amp
    stance = shape.hip_width * _u(rng, st.stance_hips)
    pose = P.standing(shape, n, stance)
    _sway(pose, t, rng, SWAY_M / 2)
    free = B.SIDES[1 - first]
    lean = 0.0
    if stance_kind in ("seated", "concentration"):
        pose["z"] = (_u(rng, st.seat_m) + st.hips_above_seat_m) * shape.scale
        pose["x"] = 0.0
        wide = st.concentration_knees_m if stance_kind == "concentration" else st.knees_apart_m
        apart = _u(rng, wide) * shape.scale
        feet = {s: np.array([_u(rng, st.feet_forward_m) * shape.scale, B.SIDE_SIGN[s] * apart, shape.ankle_height])
                for s in B.SIDES}
        if stance_kind == "concentration":
            lean = _rad(rng, st.concentration_lean_deg)
            pose["pitch"] = 0.7 * lean
        P.plant(shape, pose, feet, poles={s: np.array([1.0, 0.6 * B.SIDE_SIGN[s], 1.0]) for s in B.SIDES})
        pose["spine_flex"] = 0.3 * lean + P.wobble(t, rng, 2 * DEG)
    elif stance_kind == "bent_over":
        lean = _rad(rng, st.bent_over_deg)
        pose["pitch"] = 0.7 * lean
        pose["x"] = pose["x"] - 0.25 * shape.thigh * np.sin(lean)  # hips pushed back
        pose["z"] = pose["z"] - 0.04 * shape.scale * np.sin(lean) / np.sin(60 * DEG)
        feet = P.stance_feet(shape, stance)
        feet[free] = feet[free] + np.array([_u(rng, st.stagger_m) * shape.scale, 0.0, 0.0])
        P.plant(shape, pose, feet)
        pose["spine_flex"] = 0.3 * lean + P.wobble(t, rng, 2 * DEG)
    else:
        P.plant(shape, pose, P.stance_feet(shape, stance))
        rock = _rad(rng, st.body_swing_deg) if stance_kind == "standing" else 0.0
        pose["pitch"] = -rock * level
        pose["spine_flex"] = -_rad(rng, st.lean_back_deg) * level + P.wobble(t, rng, 2 * DEG)
    pose["neck_flex"] = _rad(rng, st.look_down_deg) - 0.5 * lean + P.wobble(t, rng, 4 * DEG)
    idle = _choice(rng, st.idle_hand)
    elev_range = st.cable_elev_deg if stance_kind == "cable" else st.upper_arm_elev_deg
    for k, side in enumerate(B.SIDES):
        if mode == "both":
            w = level
        elif mode == "alternating":
            w = np.where((rep + first) % 2 == k, level, 0.0)
        else:
            w = level if k == first else None
        if w is None:
            P.set_arms(shape, pose, idle, sides=(side,))
            continue
        flex = rest + w * (curl_max - rest)
        pose[f"{side}_sh_plane"] = _rad(rng, st.upper_arm_plane_deg)
        pose[f"{side}_sh_elev"] = _rad(rng, elev_range) + w * swing + lean  # hanging straight down when bent
        pose[f"{side}_sh_rot"] = -_rad(rng, st.internal_rot_deg)
        pose[f"{side}_elbow"] = flex
        pose[f"{side}_pron"] = st.hammer_pron_deg * DEG if hammer else _rad(rng, st.supinated_pron_deg)
        pose[f"{side}_wrist"] = w * _rad(rng, st.wrist_curl_deg)
        if stance_kind == "concentration":
            _elbow_on_thigh(shape, pose, side, flex, _u(rng, st.thigh_contact))
    if stance_kind == "bent_over" and mode == "single":  # the free hand on a bench ahead, or on the knee
        if rng.random() < 0.5:
            target = P.heading_frame(pose, np.array([0.45 * shape.scale + 0.2 * shape.torso * np.sin(lean),
                                                     B.SIDE_SIGN[free] * 0.18 * shape.scale,
                                                     _u(rng, st.support_m) * shape.scale]))
        else:
            target = B.leg(shape, pose, free, B.trunk(shape, pose)).mid + np.array([0.0, 0.0, 0.07 * shape.scale])
        B.reach_arm(shape, pose, free, target, P.heading_dir(pose, np.array([-0.3, B.SIDE_SIGN[free], 0.2])))
    elif stance_kind == "concentration":  # the free hand on its own knee
        target = B.leg(shape, pose, free, B.trunk(shape, pose)).mid + np.array([0.03 * shape.scale, 0.0, 0.06 * shape.scale])
        B.reach_arm(shape, pose, free, target, P.heading_dir(pose, np.array([-0.3, B.SIDE_SIGN[free], 0.2])))
    return _motion(pose, track, {"mode": mode, "stance": stance_kind, "seated": stance_kind in ("seated", "concentration"),
                                 "hammer": bool(hammer), "lean_deg": round(lean / DEG, 1)}, CURL_CAMERA)


def _elbow_on_thigh(shape: BodyShape, pose: Pose, side: str, flex: np.ndarray, along: float) -> None:
    """Concentration curl: the upper arm reaches down to the inner thigh and stays there; the forearm
    curls up from hanging toward the opposite shoulder."""
    tr = B.trunk(shape, pose)
    m = B.SIDE_SIGN[side]
    g = B.leg(shape, pose, side, tr)
    contact = g.base + along * (g.mid - g.base) + P.heading_dir(pose, np.array([0.0, -m * 0.06 * shape.scale,
                                                                               0.07 * shape.scale]))
    shoulder = B.arm(shape, pose, side, tr).base
    u = B._unit(contact - shoulder)
    elbow = shoulder + shape.upper_arm * u
    ahead = P.heading_dir(pose, np.array([0.2, -m * 0.5, 1.0]))  # up and across toward the other shoulder
    v = B._unit(ahead - np.sum(ahead * u, axis=1, keepdims=True) * u)
    wrist = elbow + shape.forearm * (np.cos(flex)[:, None] * u + np.sin(flex)[:, None] * v)
    B.reach_arm(shape, pose, side, wrist, -v)


# -- pull-up ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PullupStyle:
    # a set often starts from a dead hang with a slow, grinding first rep
    tempo: Tempo = Tempo(period=(1.8, 5.0), hold_out_prob=0.2, hold_out=(0.2, 1.0), gap=(0.1, 1.2),
                         first_slow_prob=0.4, first_slow=(1.3, 1.8))
    grips: tuple[str, ...] = ("wide", "narrow", "chin")
    grip_p: tuple[float, ...] = (0.5, 0.2, 0.3)
    # wide: wrists ~1.3-1.8 torso lengths apart (a torso is ~1.45 shoulder widths)
    grip_width_shoulders: dict[str, Range] = field(default_factory=lambda: {
        "wide": (1.8, 2.7), "narrow": (0.9, 1.3), "chin": (0.8, 1.2)})
    kip_prob: float = 0.2
    kip_swing_deg: Range = (10.0, 25.0)
    kip_kick_deg: Range = (10.0, 30.0)
    bent_legs_prob: float = 0.45
    hip_deg: dict[bool, Range] = field(default_factory=lambda: {True: (15.0, 40.0), False: (0.0, 12.0)})
    knee_deg: dict[bool, Range] = field(default_factory=lambda: {True: (60.0, 100.0), False: (0.0, 20.0)})
    toes_point_deg: Range = (10.0, 35.0)
    wrist_below_bar_m: float = 0.04
    bar_forward_m: float = 0.02  # the bar sits just in front of the shoulders
    top_below_bar_m: Range = (0.10, 0.25)  # shoulder joints below the bar at the top (chin at the bar)
    lean_back_deg: Range = (0.0, 15.0)  # chest toward the bar at the top
    look_up_deg: Range = (0.0, 25.0)
    clearance_m: Range = (0.05, 0.35)  # toes above the floor at the lowest point


PULLUP = PullupStyle()
# Cameras: often framed on the upper body (legs out of frame), often low (on the floor, from behind).
PULLUP_CAMERA = {"crop_legs": 0.4, "mount_prob": 0.4, "mount_height_m": (0.1, 1.6)}


def pullup(t: np.ndarray, rng: np.random.Generator, shape: BodyShape, opts: MotionOptions) -> Motion:
    """Hanging from an overhead bar, the elbows flex and the body rises until the chin nears the bar;
    wide or narrow overhand grip, or chin-up; some kipping swing."""
    st = PULLUP
    n = len(t)
    track = schedule(t, rng, st.tempo, opts.lead_in, opts.lead_out)
    grip = _choice(rng, st.grips, p=st.grip_p)
    kipping = rng.random() < st.kip_prob
    width = shape.shoulder_width * _u(rng, st.grip_width_shoulders[grip])
    bent_legs = bool(rng.random() < st.bent_legs_prob)
    bar_z = 0.0  # positions relative to the bar; the whole rig is lifted off the floor at the end
    wrist_z = bar_z - st.wrist_below_bar_m * shape.scale
    lat = max(width - shape.shoulder_width, 0.0) / 2
    z_low = wrist_z - np.sqrt((P.STRAIGHT_REACH * shape.arm) ** 2 - lat ** 2)
    z_high = bar_z - _u(rng, st.top_below_bar_m) * shape.scale
    level = track.level * track.amp
    z_s = z_low + level * (z_high - z_low)
    if kipping:
        pitch = _rad(rng, st.kip_swing_deg) * np.sin(2 * np.pi * track.phase)
    else:
        pitch = -_rad(rng, st.lean_back_deg) * level + P.wobble(t, rng, 2 * DEG, (0.1, 0.4))
    pose = Pose.zeros(n)
    pose["pitch"] = pitch
    pose["x"] = -shape.torso * np.sin(pitch)
    pose["z"] = z_s - shape.torso * np.cos(pitch)
    pose["neck_flex"] = -level * _rad(rng, st.look_up_deg)
    hip = _rad(rng, st.hip_deg[bent_legs])
    knee = _rad(rng, st.knee_deg[bent_legs])
    kick = _rad(rng, st.kip_kick_deg) * np.sin(2 * np.pi * track.phase + 0.5) if kipping else 0.0
    palm = np.array([-1.0 if grip == "chin" else 1.0, 0.0, 0.0])  # chin-ups face the palms back
    for side in B.SIDES:
        pose.update({f"{side}_hip_plane": 0.0, f"{side}_hip_elev": hip + kick, f"{side}_knee": knee,
                     f"{side}_ankle": -_rad(rng, st.toes_point_deg)})
        m = B.SIDE_SIGN[side]
        tgt = np.array([st.bar_forward_m * shape.scale, m * width / 2, wrist_z])
        pole = np.array([1.0, 0.3 * m, -0.5]) if grip == "chin" else np.array([0.2, m, -0.5])
        B.reach_arm(shape, pose, side, tgt, pole)
        B.point_hand(shape, pose, side, np.array([0.2, 0.0, 1.0]), palm)
    # hang the bar so the toes clear the floor at the lowest point
    lm = B.landmarks(shape, pose)
    feet = [B.LM[f"{s}_{p}"] for s in ("left", "right") for p in ("foot_index", "heel")]
    pose["z"] = pose["z"] + _u(rng, st.clearance_m) - float(np.min(lm[:, feet, 2]))
    return _motion(pose, track, {"grip": grip, "kipping": bool(kipping), "bent_legs": bent_legs,
                                 "grip_m": round(width, 3)}, PULLUP_CAMERA)
