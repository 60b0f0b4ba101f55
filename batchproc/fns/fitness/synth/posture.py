"""Posture: the building blocks every movement shares, so each movement states only what is its own.

Standing on planted feet, relaxed or purposeful arm positions (hands on hips, behind the head, a bar on
the back ...), a body held up on hands and feet (push-up, plank, burpee, yoga), smooth random drift
for idle motion, and keyframed transitions between held poses. Positions are in a movement's own
frame: the body starts near the origin facing +x on a floor at z = 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import body as B
from .body import BodyShape, Pose
from .tempo import ease, fork

DEG = np.pi / 180.0
STAND_KNEE_DEG = 4.0  # nobody stands with knees locked straight
RELAXED_ARM = {"sh_plane": 90 * DEG, "sh_elev": 7 * DEG, "sh_rot": 0.0, "elbow": 10 * DEG, "pron": 80 * DEG,
               "wrist": 5 * DEG}
STRAIGHT_REACH = 0.99  # share of a limb's length spanned when "straight" (elbow ~165 degrees)


@dataclass(frozen=True)
class MotionOptions:
    """How a movement sits in its sequence: ``lead_in`` / ``lead_out`` guarantee that many seconds at
    rest at either end (sets inside a session start and finish cleanly); None allows mid-rep cuts."""

    lead_in: float | None = None
    lead_out: float | None = None


@dataclass
class Motion:
    """A movement performed over the sample times: the pose per frame and the ground truth."""

    pose: Pose
    rep_times: list[float] = field(default_factory=list)
    rep_starts: list[float] = field(default_factory=list)
    style: dict[str, object] = field(default_factory=dict)  # the variant drawn (for inspection, tests)
    camera: dict[str, object] = field(default_factory=dict)  # hints for the camera (``camera.sample_camera``)


MovementFn = Callable[[np.ndarray, np.random.Generator, BodyShape, MotionOptions], Motion]


# -- smooth random signals -------------------------------------------------------------------------

def wobble(t: np.ndarray, rng: np.random.Generator, amp: float, freq: tuple[float, float] = (0.1, 0.5),
           terms: int = 3) -> np.ndarray:
    """A smooth random signal of roughly +-``amp``: a few sinusoids with random frequencies and phases."""
    rng = fork(rng)
    f = rng.uniform(*freq, size=terms)
    ph = rng.uniform(0, 2 * np.pi, size=terms)
    w = rng.uniform(0.5, 1.0, size=terms)
    w = w / w.sum()
    return amp * np.sum(w[:, None] * np.sin(2 * np.pi * f[:, None] * np.asarray(t)[None, :] + ph[:, None]), axis=0)


def keyframes(t: np.ndarray, key_t, key_v) -> np.ndarray:
    """Values eased between keys: ``key_v[k]`` held at ``key_t[k]``, smooth in between, held beyond."""
    key_t = np.asarray(key_t, dtype=np.float64)
    key_v = np.asarray(key_v, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if len(key_t) == 1:
        return np.broadcast_to(key_v[0], (len(t),) + key_v.shape[1:]).copy()
    k = np.clip(np.searchsorted(key_t, t, side="right") - 1, 0, len(key_t) - 2)
    span = np.maximum(key_t[k + 1] - key_t[k], 1e-9)
    w = ease((t - key_t[k]) / span)
    w = w.reshape(w.shape + (1,) * (key_v.ndim - 1))
    return key_v[k] + w * (key_v[k + 1] - key_v[k])


def hold_keys(rng: np.random.Generator, t_end: float, hold: tuple[float, float], move: tuple[float, float]
              ) -> list[tuple[float, float]]:
    """(arrive, leave) times of a series of held poses covering [0, t_end]: each held for ``hold`` s,
    with ``move`` s of transition between them."""
    rng = fork(rng)
    out = []
    cur = -float(rng.uniform(0.0, hold[1]))
    while cur < t_end:
        h = float(rng.uniform(*hold))
        out.append((cur, cur + h))
        cur += h + float(rng.uniform(*move))
    return out


def mix(poses: list[Pose], weights: np.ndarray) -> Pose:
    """Weighted mix of pose tracks (weights (K, N), summing to 1 per frame); angles mix on the circle
    around the first track."""
    ref = poses[0].q
    acc = np.zeros_like(ref)
    for p, w in zip(poses, weights):
        acc += np.asarray(w)[:, None] * B.wrap_angles(p.q - ref)
    return Pose(ref + acc)


def hold_weights(t: np.ndarray, holds: list[tuple[float, float]], choice: list[int], k: int) -> np.ndarray:
    """(k, N) one-hot weights of which of ``k`` options is held in each hold, eased between holds."""
    rows = np.eye(k)[np.asarray(choice, dtype=int)]
    key_t = np.array([x for h in holds for x in h])
    key_v = np.repeat(rows, 2, axis=0)
    return keyframes(t, key_t, key_v).T


def copy_channels(dst: Pose, src: Pose, keys: tuple[str, ...], sides: tuple[str, ...] = B.SIDES, weight=None) -> Pose:
    """Copy per-side channels (e.g. ``ARM_KEYS``) from ``src`` into ``dst``, blended by ``weight``."""
    for side in sides:
        for k in keys:
            name = f"{side}_{k}"
            if weight is None:
                dst[name] = src[name]
            else:  # all per-side channels are angles: blend the shorter way round
                d = (src[name] - dst[name] + np.pi) % (2 * np.pi) - np.pi
                dst[name] = dst[name] + np.asarray(weight) * d
    return dst


def pose_keyframes(t: np.ndarray, holds: list[tuple[float, float]], poses: list[np.ndarray]) -> Pose:
    """A pose track that holds each of ``poses`` (full pose rows) over its (arrive, leave) interval
    and eases between them; angles take the shorter way round."""
    key_t, key_v = [], []
    for (a, b), q in zip(holds, poses):
        key_t += [a, b]
        key_v += [q, q]
    return Pose(pose_keys(t, key_t, np.array(key_v)))


def pose_keys(t: np.ndarray, key_t, rows: np.ndarray) -> np.ndarray:
    """Pose rows eased between keys like ``keyframes``, taking angles the shorter way round and
    moving shoulders and hips along their limbs' directions (``body.lerp_pose``)."""
    key_t = np.asarray(key_t, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if len(key_t) == 1:
        return np.repeat(rows[:1], len(t), axis=0)
    k = np.clip(np.searchsorted(key_t, t, side="right") - 1, 0, len(key_t) - 2)
    w = ease((t - key_t[k]) / np.maximum(key_t[k + 1] - key_t[k], 1e-9))
    step = B.wrap_angles(rows[1:] - rows[:-1])
    return B.lerp_pose(rows[k], step[k], w)


# -- standing --------------------------------------------------------------------------------------

def stand_height(shape: BodyShape, half_stance=0.0, knee_deg: float = STAND_KNEE_DEG):
    """Hip-midpoint height standing with the ankles ``half_stance`` (m, scalar or array) out from the
    hips' width."""
    k = knee_deg * DEG
    reach = np.sqrt(shape.thigh ** 2 + shape.shank ** 2 + 2 * shape.thigh * shape.shank * np.cos(k))
    h = shape.ankle_height + np.sqrt(np.maximum(reach ** 2 - np.square(half_stance), 0.25 * reach ** 2))
    return float(h) if np.ndim(h) == 0 else h


def relax_arms(pose: Pose, sides: tuple[str, ...] = B.SIDES) -> Pose:
    for s in sides:
        pose.update({f"{s}_{k}": v for k, v in RELAXED_ARM.items()})
    return pose


def standing(shape: BodyShape, n: int, stance: float | None = None) -> Pose:
    """Upright at the origin facing +x, arms relaxed; the legs still to be planted (``plant``)."""
    pose = Pose.zeros(n)
    extra = 0.0 if stance is None else max(stance - shape.hip_width, 0.0) / 2
    pose["z"] = stand_height(shape, extra)
    return relax_arms(pose)


def heading_frame(pose: Pose, local) -> np.ndarray:
    """Points (N, 3) or (3,) given in the body's heading frame (x forward along the yaw, z up, origin
    under the root on the floor) -> scene."""
    n = len(pose)
    local = np.broadcast_to(np.asarray(local, dtype=np.float64), (n, 3))
    yaw = pose["yaw"]
    c, s = np.cos(yaw), np.sin(yaw)
    out = np.empty((n, 3))
    out[:, 0] = pose["x"] + c * local[:, 0] - s * local[:, 1]
    out[:, 1] = pose["y"] + s * local[:, 0] + c * local[:, 1]
    out[:, 2] = local[:, 2]
    return out


def heading_dir(pose: Pose, local) -> np.ndarray:
    """Directions given in the heading frame -> scene."""
    n = len(pose)
    local = np.broadcast_to(np.asarray(local, dtype=np.float64), (n, 3))
    return B.apply(B.rot_z(pose["yaw"]), local)


def stance_feet(shape: BodyShape, stance: float, forward: float = 0.0) -> dict[str, np.ndarray]:
    """Ankle positions in the heading frame for feet ``stance`` apart (between ankle centres)."""
    return {s: np.array([forward, B.SIDE_SIGN[s] * stance / 2, shape.ankle_height]) for s in B.SIDES}


def knee_pole(toe_out: float, side: str, down: float = 0.0) -> np.ndarray:
    """Heading-frame direction a knee points to with the toes turned out by ``toe_out`` (rad)."""
    return np.array([np.cos(toe_out), B.SIDE_SIGN[side] * np.sin(toe_out), -down])


def plant(shape: BodyShape, pose: Pose, feet: dict[str, np.ndarray], toe_out: float = 0.0, flat=1.0,
          scene: bool = False, poles: dict[str, np.ndarray] | None = None) -> Pose:
    """Legs reach the ankle targets (heading frame unless ``scene``), knees over the toes, soles level."""
    for side in B.SIDES:
        target = feet[side] if scene else heading_frame(pose, feet[side])
        pole = poles[side] if poles is not None else knee_pole(toe_out, side)
        B.reach_leg(shape, pose, side, target, heading_dir(pose, pole))
    B.flatten_feet(shape, pose, flat)
    return pose


# -- arm postures ----------------------------------------------------------------------------------

def posture_targets(shape: BodyShape, name: str, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Wrist target and elbow direction for a named arm posture, in the trunk frame (relative to the
    shoulder midpoint), for a 1.75 m body scaled to this one."""
    m, s = B.SIDE_SIGN[side], shape.scale
    hip_side = shape.hip_width / 2
    table = {
        "hips": ((-0.03, m * (hip_side + 0.08), -shape.torso + 0.10), (-0.6, m, 0.0)),
        "crossed": ((0.13 * s, -m * 0.10 * s, -0.08 * s), (0.3, m, -1.0)),
        "behind_head": ((-0.07 * s, m * 0.07 * s, shape.neck + 0.02 * s), (0.3, m, 0.2)),
        "bar": ((-0.08 * s, m * (shape.shoulder_width / 2 + 0.22 * s), 0.06 * s), (-0.4, 0.3 * m, -1.0)),
        "clasped": ((0.26 * s, m * 0.03 * s, -0.14 * s), (-0.2, m, -1.0)),
        "goblet": ((0.22 * s, m * 0.05 * s, -0.05 * s), (-0.1, 0.4 * m, -1.0)),
        "phone": ((0.28 * s, m * 0.05 * s, -0.22 * s), (-0.3, 0.6 * m, -1.0)),
        "face": ((0.12 * s, m * 0.03 * s, shape.neck - 0.06 * s), (0.2, m, -1.0)),
        "guard": ((0.22 * s, m * 0.09 * s, 0.07 * s), (0.1, 0.5 * m, -1.0)),
        "pockets": ((0.03, m * (hip_side + 0.10), -shape.torso + 0.03), (-0.3, m, 0.0)),
        "chest": ((0.15 * s, m * 0.12 * s, -0.12 * s), (-0.2, m, -1.0)),
        "temples": ((0.04 * s, m * 0.11 * s, shape.neck + 0.01 * s), (0.2, m, 0.0)),
        "neck": ((-0.08 * s, m * 0.04 * s, shape.neck - 0.07 * s), (0.2, m, 0.3)),
        "rack": ((0.16 * s, m * 0.14 * s, 0.02 * s), (0.3, 0.3 * m, -1.0)),
        "prayer": ((0.20 * s, m * 0.015 * s, -0.13 * s), (-0.3, m, -0.4)),
    }
    tgt, pole = table[name]
    return np.array(tgt, dtype=np.float64), np.array(pole, dtype=np.float64)


ARM_KEYS = ("sh_plane", "sh_elev", "sh_rot", "elbow", "pron", "wrist")
LEG_KEYS = ("hip_plane", "hip_elev", "hip_rot", "knee", "ankle")
ARM_POSTURES = ("hang", "hips", "crossed", "behind_head", "bar", "clasped", "goblet", "phone", "face", "guard",
                "pockets", "chest", "temples", "neck", "rack", "prayer", "forward", "t_pose", "overhead")
_ANGLE_POSTURES = {
    "hang": RELAXED_ARM,
    "forward": {"sh_plane": 0.0, "sh_elev": 88 * DEG, "sh_rot": 0.0, "elbow": 8 * DEG, "pron": 90 * DEG, "wrist": 0.0},
    "t_pose": {"sh_plane": 90 * DEG, "sh_elev": 88 * DEG, "sh_rot": 0.0, "elbow": 8 * DEG, "pron": 150 * DEG, "wrist": 0.0},
    "overhead": {"sh_plane": 60 * DEG, "sh_elev": 168 * DEG, "sh_rot": 0.0, "elbow": 10 * DEG, "pron": 90 * DEG,
                 "wrist": 0.0},
}


def arm_reach_trunk(shape: BodyShape, side: str, target, pole) -> dict[str, float]:
    """Arm channel values (one side) that put the wrist at ``target`` in the trunk frame (relative
    to the shoulder midpoint), elbow toward ``pole``; palm facing in."""
    p = Pose.zeros(1)
    B.reach_arm(shape, p, side, np.asarray(target, float)[None], np.asarray(pole, float)[None], frame="trunk")
    out = {f"{side}_{k}": float(p[f"{side}_{k}"][0]) for k in ("sh_plane", "sh_elev", "sh_rot", "elbow")}
    out[f"{side}_pron"] = 90 * DEG
    out[f"{side}_wrist"] = 0.0
    return out


def arm_posture(shape: BodyShape, name: str, side: str) -> dict[str, float]:
    """Arm channel values (one side) for a named posture; the same whatever the trunk does."""
    if name in _ANGLE_POSTURES:
        return {f"{side}_{k}": v for k, v in _ANGLE_POSTURES[name].items()}
    return arm_reach_trunk(shape, side, *posture_targets(shape, name, side))


def set_arms(shape: BodyShape, pose: Pose, name: str, sides: tuple[str, ...] = B.SIDES, weight=None) -> Pose:
    """Put the arms in a named posture, blended in by ``weight`` (N,) if given."""
    for side in sides:
        for k, v in arm_posture(shape, name, side).items():
            pose[k] = v if weight is None else pose[k] + np.asarray(weight) * (v - pose[k])
    return pose


# -- held up on hands (or forearms) and toes (or knees) ----------------------------------------------

@dataclass(frozen=True)
class Support:
    """A prone body held up off the floor: push-up, plank, all fours."""

    hands_x: float  # wrists (or, on the forearms, the wrists) in the heading frame
    hands_z: float  # wrist height (floor, or a raised bench)
    hand_width: float  # between the wrists
    pivot: str = "toes"  # "toes" or "knees"
    forearms: bool = False
    flare: float = 45 * DEG  # elbows: 0 tucked back along the body, 90 straight out to the sides
    feet_width: float = 0.2
    shin_lift: float = 0.0  # on the knees: shins raised off the floor (rad)
    feet_z: float = 0.0  # the feet raised on a bench (decline), m


# Support geometry for a 1.75 m body: ankle height standing on the toes with the feet vertical, knee
# joint height kneeling, elbow joint height resting on the forearm, hands a little ahead of the shoulders.
TOES_ANKLE_Z_M = 0.16
KNEE_ON_FLOOR_Z_M = 0.05
ELBOW_ON_FLOOR_Z_M = 0.06
WRIST_ON_FLOOR_Z_M = 0.05
HANDS_AHEAD_M = 0.03
FOREARM_FLAT = 0.95  # share of the forearm's length it spans lying on the floor


def pivot_height(shape: BodyShape, pivot: str) -> float:
    """Height of the body's lower support point: the ankle over vertical feet, or the knee on the floor."""
    return (TOES_ANKLE_Z_M if pivot == "toes" else KNEE_ON_FLOOR_Z_M) * shape.scale


def _pivot_length(shape: BodyShape, pivot: str) -> float:
    return shape.leg if pivot == "toes" else shape.thigh


def support_top(shape: BodyShape, sup: Support) -> float:
    """Shoulder-midpoint height with the arms straight (or resting on the forearms)."""
    if sup.forearms:
        return ELBOW_ON_FLOOR_Z_M * shape.scale + shape.upper_arm
    lat = max(sup.hand_width - shape.shoulder_width, 0.0) / 2
    return sup.hands_z + float(np.sqrt(max((STRAIGHT_REACH * shape.arm) ** 2 - lat ** 2, 0.01)))


def support(shape: BodyShape, sup: Support, z_shoulder: np.ndarray, hip_bend: np.ndarray,
            pivot_x: float | None = None) -> tuple[Pose, float]:
    """A prone pose with the shoulder midpoint at ``z_shoulder`` (N,), the body bent at the hips by
    ``hip_bend`` (rad, + pike, - sag) and the pivot (toes/knees) fixed on the floor.

    The pivot's x is chosen so that with the first frame's shoulders the hands sit under them, unless
    given; returns the pose and the pivot x."""
    z_s = np.asarray(z_shoulder, dtype=np.float64)
    bend = np.broadcast_to(np.asarray(hip_bend, dtype=np.float64), z_s.shape)
    n = len(z_s)
    a, b = _pivot_length(shape, sup.pivot), shape.torso
    pz = pivot_height(shape, sup.pivot) + sup.feet_z
    dist = np.sqrt(a * a + b * b + 2 * a * b * np.cos(bend))  # pivot -> shoulders
    rise = np.clip(z_s - pz, -0.95 * dist, 0.95 * dist)
    run = np.sqrt(dist ** 2 - rise ** 2)
    if pivot_x is None:
        ahead = FOREARM_FLAT * shape.forearm if sup.forearms else HANDS_AHEAD_M * shape.scale
        pivot_x = float(sup.hands_x - ahead - run[0])
    gamma = np.arctan2(rise, run)
    delta = np.arcsin(np.clip(b * np.sin(bend) / dist, -1.0, 1.0))  # angle at the pivot
    hip = np.stack([pivot_x + a * np.cos(gamma + delta), np.zeros(n), pz + a * np.sin(gamma + delta)], axis=1)
    sh = np.stack([pivot_x + run, np.zeros(n), z_s], axis=1)
    up = sh - hip
    pose = Pose.zeros(n)
    pose["x"], pose["y"], pose["z"] = hip[:, 0], hip[:, 1], hip[:, 2]
    pose["pitch"] = np.arctan2(up[:, 0], up[:, 2])
    # legs: ankles at the pivot (toes) or knees on the floor with the shins behind
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        if sup.pivot == "toes":
            tgt = np.array([pivot_x, m * sup.feet_width / 2, pz])
        else:
            tgt = np.array([pivot_x - shape.shank * np.cos(sup.shin_lift), m * sup.feet_width / 2,
                            pz + shape.shank * np.sin(sup.shin_lift)])
        B.reach_leg(shape, pose, side, tgt, np.array([0.0, 0.0, -1.0]))
    # arms: wrists on the floor (straight arms) or forearms flat with the elbows under the shoulders
    for side in B.SIDES:
        m = B.SIDE_SIGN[side]
        if sup.forearms:
            tgt = np.stack([sh[:, 0] + FOREARM_FLAT * shape.forearm, np.full(n, m * sup.hand_width / 2),
                            np.full(n, WRIST_ON_FLOOR_Z_M * shape.scale)], axis=1)
            pole = np.array([-0.3, 0.0, -1.0])
        else:
            tgt = np.array([sup.hands_x, m * sup.hand_width / 2, sup.hands_z])
            pole = np.array([-np.cos(sup.flare), m * np.sin(sup.flare), 0.8])
        B.reach_arm(shape, pose, side, tgt, pole)
        B.point_hand(shape, pose, side, np.array([1.0, 0.2 * m, 0.0]), np.array([0.0, 0.0, -1.0]))
    return pose, pivot_x
