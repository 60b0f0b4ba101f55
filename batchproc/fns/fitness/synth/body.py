"""Body: a procedural human skeleton posed by joint angles, and the 33 MediaPipe Pose landmarks it
puts in space.

Why joint angles: an exercise *is* a pattern of joint angles over time (a squat bends knees and hips,
a curl bends elbows), so movements are written as angle trajectories, and every body size, camera
and noise level reuses them. Why inverse kinematics as well: many movements are defined by contacts
(hands stay on the floor in a push-up and on the bar in a pull-up, feet stay planted in a squat);
two-bone IK turns a contact point into the same angles.

Frames: the scene is z-up with the floor at z = 0. A body at yaw 0 faces +x ("forward") and +y is its
own left. Every array carries a leading time axis of N frames, so one call poses a whole sequence.

Joint conventions (radians; the right side mirrors the left, so the same value means the same
anatomical motion on both sides):

* root ``x, y, z``: the hip midpoint (m); ``yaw`` about the vertical, ``pitch`` tips the body forward
  (+pi/2 lies face down, -pi/2 lies on the back), ``roll`` tips it toward its own left (left hip down;
  +pi/2 lies on the left side).
* ``spine_flex/bend/twist`` (trunk on pelvis) and ``neck_flex/turn/tilt`` (head on trunk): flexion
  forward, bend and tilt toward the left, twist and turn toward the left.
* shoulders and hips are ball joints in swing-twist form: ``elev`` is the angle away from hanging
  straight down, ``plane`` the direction of that swing about the body's long axis (0 forward, +pi/2
  out to the side), ``rot`` the twist about the limb (+ = external rotation).
* ``elbow`` and ``knee``: flexion, 0 straight. ``pron``: forearm pronation (0 palm forward, pi/2 palm
  facing the thigh). ``wrist``: flexion toward the palm. ``ankle``: dorsiflexion (toes up).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(LANDMARK_NAMES)
LM = {name: i for i, name in enumerate(LANDMARK_NAMES)}
# Each landmark's mirror image (left <-> right); the centre points map to themselves.
MIRROR = np.array([LM[n.replace("left", "#").replace("right", "left").replace("#", "right")] for n in LANDMARK_NAMES])
SIDES = ("l", "r")
SIDE_SIGN = {"l": 1.0, "r": -1.0}

ROOT_CHANNELS = ("x", "y", "z", "yaw", "pitch", "roll")
_AXIAL = ("spine_flex", "spine_bend", "spine_twist", "neck_flex", "neck_turn", "neck_tilt")
_LIMB = ("sh_plane", "sh_elev", "sh_rot", "elbow", "pron", "wrist", "hip_plane", "hip_elev", "hip_rot", "knee", "ankle")
CHANNELS = ROOT_CHANNELS + _AXIAL + tuple(f"{s}_{c}" for s in SIDES for c in _LIMB)
CHANNEL_INDEX = {name: i for i, name in enumerate(CHANNELS)}
# Channels that are lengths (m); the rest are angles, which blend along the shorter arc.
LINEAR_CHANNELS = ("x", "y", "z")
ANGLE_MASK = np.array([c not in LINEAR_CHANNELS for c in CHANNELS])

# Proportions of body height (anthropometric means, Drillis & Contini / Winter): the hip joint sits at
# ~0.53 H, the shoulder at ~0.82 H, the ears at ~0.93 H.
REFERENCE_HEIGHT_M = 1.75
HEIGHT_RANGE_M = (1.5, 1.95)
SEGMENT_JITTER = 0.10  # each segment's ratio varies by up to +-10 %
RATIOS = {
    "torso": 0.290,  # hip midpoint -> shoulder midpoint
    "neck": 0.112,  # shoulder midpoint -> midpoint of the ears
    "shoulder_width": 0.200,  # between the shoulder joints
    "hip_width": 0.118,  # between the hip landmarks
    "upper_arm": 0.172,
    "forearm": 0.150,
    "thigh": 0.245,
    "shank": 0.246,
    "ankle_height": 0.043,
}
# Shoulders ride up when the arms go overhead (scapular elevation), by up to this many metres.
SHRUG_M = 0.04
EPS = 1e-9

# Face, hand and foot points in their segment's frame (m for a 1.75 m body), left side.
# Head frame: origin at the midpoint of the ears, x forward, y left, z up.
_NOSE = (0.105, 0.0, -0.025)
_FACE = {
    "left_eye_inner": (0.090, 0.016, 0.006), "left_eye": (0.085, 0.033, 0.008),
    "left_eye_outer": (0.077, 0.048, 0.006), "left_ear": (-0.005, 0.075, 0.0),
    "mouth_left": (0.090, 0.024, -0.060),
}
_NECK_FORWARD_M = 0.015  # the ears sit slightly in front of the shoulder line
# Hand frame (anatomical position: the hand hangs along -z, palm facing +x, thumb side +y).
_HAND = {"index": (0.010, 0.026, -0.090), "pinky": (0.010, -0.030, -0.080), "thumb": (0.030, 0.045, -0.045)}
# Foot frame (neutral ankle: x along the foot, z along the shank): MediaPipe's heel and toe tip.
_FOOT = {"heel": (-0.055, 0.0, -0.045), "foot_index": (0.170, 0.010, -0.065)}


@dataclass(frozen=True)
class BodyShape:
    """One person's segment lengths (m). ``scale`` sizes the face, hands and feet."""

    height: float
    torso: float
    neck: float
    shoulder_width: float
    hip_width: float
    upper_arm: float
    forearm: float
    thigh: float
    shank: float
    ankle_height: float
    scale: float

    @property
    def leg(self) -> float:
        return self.thigh + self.shank

    @property
    def arm(self) -> float:
        return self.upper_arm + self.forearm


def sample_body(rng: np.random.Generator) -> BodyShape:
    """A random adult: height uniform in ``HEIGHT_RANGE_M``, each segment ratio within +-10 %."""
    height = float(rng.uniform(*HEIGHT_RANGE_M))
    seg = {k: height * r * float(rng.uniform(1 - SEGMENT_JITTER, 1 + SEGMENT_JITTER)) for k, r in RATIOS.items()}
    return BodyShape(height=height, scale=height / REFERENCE_HEIGHT_M * float(rng.uniform(0.95, 1.05)), **seg)


class Pose:
    """Joint angles and root placement over N frames: a (N, len(CHANNELS)) array with named columns.

    A plain array so that movements can be blended, keyframed and concatenated with arithmetic."""

    def __init__(self, q: np.ndarray):
        self.q = np.asarray(q, dtype=np.float64)

    @classmethod
    def zeros(cls, n: int) -> "Pose":
        return cls(np.zeros((n, len(CHANNELS))))

    def __len__(self) -> int:
        return self.q.shape[0]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.q[:, CHANNEL_INDEX[name]]

    def __setitem__(self, name: str, value) -> None:
        self.q[:, CHANNEL_INDEX[name]] = value

    def copy(self) -> "Pose":
        return Pose(self.q.copy())

    def update(self, values: dict[str, object]) -> "Pose":
        for k, v in values.items():
            self[k] = v
        return self


# Ball joints whose (plane, elev) blend through the limb's direction: near elev = 0 the plane is
# arbitrary (any value poses the limb the same), so blending the two angles separately can swing the
# limb through a wild path.
_SWING = [(CHANNEL_INDEX[f"{s}_{j}_plane"], CHANNEL_INDEX[f"{s}_{j}_elev"]) for s in SIDES for j in ("sh", "hip")]


def wrap_angles(q: np.ndarray) -> np.ndarray:
    """Angle channels of pose rows (..., C) wrapped into [-pi, pi); lengths untouched."""
    out = np.array(q, dtype=np.float64, copy=True)
    out[..., ANGLE_MASK] = (out[..., ANGLE_MASK] + np.pi) % (2 * np.pi) - np.pi
    return out


def lerp_pose(a: np.ndarray, delta: np.ndarray, w) -> np.ndarray:
    """Pose rows part way (``w`` in 0..1, (...,)) from ``a`` along ``delta`` (the change to the target,
    angles already taken the intended way round); ball joints move along the limb's direction."""
    a, delta = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(delta, np.float64))
    w = np.broadcast_to(np.asarray(w, np.float64), a.shape[:-1])
    b = a + delta
    out = a + w[..., None] * delta
    for ip, ie in _SWING:
        ua = _direction(a[..., ip], a[..., ie])
        ub = _direction(b[..., ip], b[..., ie])
        u = (1.0 - w)[..., None] * ua + w[..., None] * ub
        norm = np.linalg.norm(u, axis=-1)
        ok = norm > 1e-6  # (opposite directions: keep the plain blend)
        u = u / np.maximum(norm, 1e-9)[..., None]
        elev = np.arccos(np.clip(-u[..., 2], -1.0, 1.0))
        plane = np.arctan2(u[..., 1], u[..., 0])
        # keep the plane on the same turn as the plain blend, and leave it alone where it means nothing
        plane = out[..., ip] + (plane - out[..., ip] + np.pi) % (2 * np.pi) - np.pi
        out[..., ie] = np.where(ok, elev, out[..., ie])
        out[..., ip] = np.where(ok & (np.sin(elev) > 1e-3), plane, out[..., ip])
    return out


def _direction(plane: np.ndarray, elev: np.ndarray) -> np.ndarray:
    return np.stack([np.sin(elev) * np.cos(plane), np.sin(elev) * np.sin(plane), -np.cos(elev)], axis=-1)


# -- rotations ---------------------------------------------------------------------------------------

def _rot(axis: int, a) -> np.ndarray:
    """Rotation matrices about a coordinate axis, for an array of angles: shape a.shape + (3, 3)."""
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    r = np.zeros(a.shape + (3, 3))
    i, j = ((1, 2), (2, 0), (0, 1))[axis]
    r[..., axis, axis] = 1.0
    r[..., i, i] = c
    r[..., j, j] = c
    r[..., i, j] = -s
    r[..., j, i] = s
    return r


def rot_x(a) -> np.ndarray:
    return _rot(0, a)


def rot_y(a) -> np.ndarray:
    return _rot(1, a)


def rot_z(a) -> np.ndarray:
    return _rot(2, a)


def apply(r: np.ndarray, v) -> np.ndarray:
    """Rotate vectors: (N, 3, 3) x (N, 3) or (3,) -> (N, 3)."""
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 1:
        return r @ v
    return np.einsum("nij,nj->ni", r, v)


def _swing(plane, elev, twist) -> np.ndarray:
    """Ball joint: swing the limb (hanging along -z) by ``elev`` in the direction ``plane``, then twist."""
    return rot_z(plane) @ rot_y(-np.asarray(elev)) @ rot_z(np.asarray(twist) - np.asarray(plane))


def _axial(flex, bend, twist) -> np.ndarray:
    """Spine or neck: twist about the long axis, flexion forward, bend toward the left."""
    return rot_z(twist) @ rot_y(flex) @ rot_x(-np.asarray(bend))


def root_rotation(pose: Pose) -> np.ndarray:
    """(N, 3, 3) pelvis orientation (body axes -> scene)."""
    return rot_z(pose["yaw"]) @ rot_y(pose["pitch"]) @ rot_x(-pose["roll"])


# -- forward kinematics --------------------------------------------------------------------------------

@dataclass
class Trunk:
    """Where the limbs hang from: pelvis and trunk frames and their origins (scene, per frame)."""

    root: np.ndarray  # (N, 3) hip midpoint
    pelvis: np.ndarray  # (N, 3, 3)
    neck: np.ndarray  # (N, 3) shoulder midpoint
    chest: np.ndarray  # (N, 3, 3) trunk frame


def trunk(shape: BodyShape, pose: Pose) -> Trunk:
    root = pose.q[:, :3].copy()
    pelvis = root_rotation(pose)
    chest = pelvis @ _axial(pose["spine_flex"], pose["spine_bend"], pose["spine_twist"])
    neck = root + apply(chest, np.array([0.0, 0.0, shape.torso]))
    return Trunk(root, pelvis, neck, chest)


def _limb_args(pose: Pose, side: str, joint: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = SIDE_SIGN[side]
    return m * pose[f"{side}_{joint}_plane"], pose[f"{side}_{joint}_elev"], m * pose[f"{side}_{joint}_rot"]


def shoulder_offset(shape: BodyShape, side: str, elev: np.ndarray) -> np.ndarray:
    """(N, 3) shoulder joint in the trunk frame, relative to the shoulder midpoint."""
    elev = np.asarray(elev, dtype=np.float64)
    off = np.zeros(elev.shape + (3,))
    off[..., 1] = SIDE_SIGN[side] * shape.shoulder_width / 2
    off[..., 2] = SHRUG_M * shape.scale * np.clip((elev - np.pi / 2) / (np.pi / 2), 0.0, 1.0)
    return off


def hip_offset(shape: BodyShape, side: str) -> np.ndarray:
    return np.array([0.0, SIDE_SIGN[side] * shape.hip_width / 2, 0.0])


@dataclass
class Limb:
    """One arm or leg in the scene: joints (N, 3) and the distal segments' frames (N, 3, 3)."""

    base: np.ndarray  # shoulder / hip
    mid: np.ndarray  # elbow / knee
    end: np.ndarray  # wrist / ankle
    end_frame: np.ndarray  # forearm / shank
    tip_frame: np.ndarray  # hand / foot


def arm(shape: BodyShape, pose: Pose, side: str, tr: Trunk) -> Limb:
    m = SIDE_SIGN[side]
    plane, elev, twist = _limb_args(pose, side, "sh")
    base = tr.neck + apply(tr.chest, shoulder_offset(shape, side, elev))
    upper = tr.chest @ _swing(plane, elev, twist)
    mid = base + apply(upper, np.array([0.0, 0.0, -shape.upper_arm]))
    fore = upper @ rot_y(-pose[f"{side}_elbow"])
    end = mid + apply(fore, np.array([0.0, 0.0, -shape.forearm]))
    hand = fore @ rot_z(-m * pose[f"{side}_pron"]) @ rot_y(-pose[f"{side}_wrist"])
    return Limb(base, mid, end, fore, hand)


def leg(shape: BodyShape, pose: Pose, side: str, tr: Trunk) -> Limb:
    plane, elev, twist = _limb_args(pose, side, "hip")
    base = tr.root + apply(tr.pelvis, hip_offset(shape, side))
    thigh = tr.pelvis @ _swing(plane, elev, twist)
    mid = base + apply(thigh, np.array([0.0, 0.0, -shape.thigh]))
    shin = thigh @ rot_y(pose[f"{side}_knee"])
    end = mid + apply(shin, np.array([0.0, 0.0, -shape.shank]))
    foot = shin @ rot_y(-pose[f"{side}_ankle"])
    return Limb(base, mid, end, shin, foot)


def head_frame(pose: Pose, tr: Trunk) -> np.ndarray:
    return tr.chest @ _axial(pose["neck_flex"], pose["neck_tilt"], pose["neck_turn"])


def _points(origin: np.ndarray, frame: np.ndarray, offset, mirror: float, scale: float) -> np.ndarray:
    off = np.asarray(offset, dtype=np.float64) * scale
    off = off * np.array([1.0, mirror, 1.0])
    return origin + apply(frame, off)


def landmarks(shape: BodyShape, pose: Pose) -> np.ndarray:
    """(N, 33, 3) MediaPipe landmarks in the scene (m, z up) for a posed body."""
    tr = trunk(shape, pose)
    n = len(pose)
    out = np.empty((n, N_LANDMARKS, 3))
    head = head_frame(pose, tr)
    centre = tr.neck + apply(head, np.array([_NECK_FORWARD_M * shape.scale, 0.0, shape.neck]))
    out[:, LM["nose"]] = _points(centre, head, _NOSE, 1.0, shape.scale)
    for side in SIDES:
        m = SIDE_SIGN[side]
        word = "left" if side == "l" else "right"
        for name, off in _FACE.items():
            out[:, LM[name.replace("left", word)]] = _points(centre, head, off, m, shape.scale)
        _put_limb(out, word, arm(shape, pose, side, tr), ("shoulder", "elbow", "wrist"), _HAND, m, shape.scale)
        _put_limb(out, word, leg(shape, pose, side, tr), ("hip", "knee", "ankle"), _FOOT, m, shape.scale)
    return out


def _put_limb(out: np.ndarray, word: str, limb: Limb, joints: tuple[str, str, str], tips: dict, mirror: float,
              scale: float) -> None:
    """Write one limb's three joints and its hand or foot points into the landmark array."""
    for name, p in zip(joints, (limb.base, limb.mid, limb.end)):
        out[:, LM[f"{word}_{name}"]] = p
    for name, off in tips.items():
        out[:, LM[f"{word}_{name}"]] = _points(limb.end, limb.tip_frame, off, mirror, scale)


# -- inverse kinematics --------------------------------------------------------------------------------

def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), EPS)


def _two_bone(base: np.ndarray, target: np.ndarray, pole: np.ndarray, l1: float, l2: float, knee_like: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Swing-twist angles (plane, elev, twist, flexion) that put the end of a two-bone limb rooted at
    ``base`` on ``target`` (or as near as the limb reaches), its middle joint bulging toward ``pole``.
    All inputs in the parent's frame, left-side convention. Elbows bend toward the limb's +x, knees
    toward its -x."""
    v = target - base
    dist = np.linalg.norm(v, axis=-1)
    t_hat = _unit(v)
    d = np.clip(dist, abs(l1 - l2) + 1e-4, (l1 + l2) * (1 - 1e-5))
    pole = np.broadcast_to(np.asarray(pole, dtype=np.float64), v.shape)
    n = pole - np.sum(pole * t_hat, axis=-1, keepdims=True) * t_hat
    # a pole along the limb says nothing: fall back to "forward", then "left"
    fallback = np.where(np.abs(t_hat[..., :1]) < 0.9, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    fb = fallback - np.sum(fallback * t_hat, axis=-1, keepdims=True) * t_hat
    n = np.where(np.linalg.norm(n, axis=-1, keepdims=True) > 1e-6, n, fb)
    n_hat = _unit(n)
    cos_a = np.clip((l1 ** 2 + d ** 2 - l2 ** 2) / (2 * l1 * d), -1.0, 1.0)
    alpha = np.arccos(cos_a)[..., None]
    u = np.cos(alpha) * t_hat + np.sin(alpha) * n_hat  # upper segment direction
    mid = base + l1 * u
    w = _unit(base + d[..., None] * t_hat - mid)  # lower segment direction
    flex = np.arccos(np.clip(np.sum(u * w, axis=-1), -1.0, 1.0))
    elev = np.arccos(np.clip(-u[..., 2], -1.0, 1.0))
    plane = np.arctan2(u[..., 1], u[..., 0])
    bend = w - np.sum(w * u, axis=-1, keepdims=True) * u
    straight = -(n_hat - np.sum(n_hat * u, axis=-1, keepdims=True) * u)
    bend = np.where(flex[..., None] > 1e-3, bend, straight)
    s = _swing(plane, elev, np.zeros_like(plane))
    g = np.einsum("nji,nj->ni", s, _unit(bend))  # into the swung limb's frame
    twist = np.arctan2(-g[..., 1], -g[..., 0]) if knee_like else np.arctan2(g[..., 1], g[..., 0])
    return plane, elev, twist, flex


def _to_left(v: np.ndarray, side: str) -> np.ndarray:
    return v * np.array([1.0, SIDE_SIGN[side], 1.0])


def _as_frames(v, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(v, dtype=np.float64), (n, 3)).copy()


IK_SHRUG_PASSES = 4


def _local_goal(shape: BodyShape, pose: Pose, side: str, target, pole, frame: str, arm_limb: bool
                ) -> tuple[np.ndarray, np.ndarray]:
    """An IK goal (target point, pole direction) moved into the limb's parent frame (trunk for an arm,
    pelvis for a leg) and mirrored into the left side's convention."""
    n = len(pose)
    target, pole = _as_frames(target, n), _as_frames(pole, n)
    if frame == "scene":
        tr = trunk(shape, pose)
        rot, origin = (tr.chest, tr.neck) if arm_limb else (tr.pelvis, tr.root)
        target = np.einsum("nji,nj->ni", rot, target - origin)
        pole = np.einsum("nji,nj->ni", rot, pole)
    return _to_left(target, side), _to_left(pole, side)


def reach_arm(shape: BodyShape, pose: Pose, side: str, target, pole, frame: str = "scene") -> None:
    """Set one arm's angles so the wrist reaches ``target`` (N, 3) with the elbow pointing toward
    ``pole``. ``frame`` "scene": both in the scene; "trunk": in the trunk frame, target relative to the
    shoulder midpoint. The trunk (root + spine) must already be posed."""
    t_left, p_left = _local_goal(shape, pose, side, target, pole, frame, arm_limb=True)
    # the shrug moves the shoulder with the elevation being solved: a few passes settle it
    elev = pose[f"{side}_sh_elev"]
    for _ in range(IK_SHRUG_PASSES):
        base = _to_left(shoulder_offset(shape, side, elev), side)
        plane, elev, twist, flex = _two_bone(base, t_left, p_left, shape.upper_arm, shape.forearm, knee_like=False)
    pose.update({f"{side}_sh_plane": plane, f"{side}_sh_elev": elev, f"{side}_sh_rot": twist, f"{side}_elbow": flex})


def reach_leg(shape: BodyShape, pose: Pose, side: str, target, pole, frame: str = "scene") -> None:
    """Set one leg's angles so the ankle reaches ``target`` with the knee pointing toward ``pole``
    (scene, or the pelvis frame relative to the hip midpoint)."""
    t_left, p_left = _local_goal(shape, pose, side, target, pole, frame, arm_limb=False)
    base = _to_left(np.broadcast_to(hip_offset(shape, side), (len(pose), 3)), side)
    plane, elev, twist, flex = _two_bone(base, t_left, p_left, shape.thigh, shape.shank, knee_like=True)
    pose.update({f"{side}_hip_plane": plane, f"{side}_hip_elev": elev, f"{side}_hip_rot": twist, f"{side}_knee": flex})


# Feet can only tilt so far at the ankle.
ANKLE_LIMITS = (np.radians(-50.0), np.radians(45.0))


def flatten_feet(shape: BodyShape, pose: Pose, weight=1.0, sides: tuple[str, ...] = SIDES) -> None:
    """Turn the ankles so the soles lie level (feet flat on the floor), blended by ``weight``."""
    tr = trunk(shape, pose)
    for side in sides:
        shin = leg(shape, pose, side, tr).end_frame
        # the foot's forward axis is shin @ (cos a, 0, sin a); level means no vertical component
        a = np.arctan2(-shin[:, 2, 0], np.maximum(shin[:, 2, 2], 1e-3))
        a = np.clip(a, *ANKLE_LIMITS)
        key = f"{side}_ankle"
        pose[key] = pose[key] + np.asarray(weight) * (a - pose[key])


def point_hand(shape: BodyShape, pose: Pose, side: str, fingers, palm) -> None:
    """Turn forearm and wrist so the fingers point along ``fingers`` with the palm toward ``palm``
    (scene directions, (3,) or (N, 3)); the arm must already be posed."""
    n = len(pose)
    tr = trunk(shape, pose)
    fore = arm(shape, pose, side, tr).end_frame
    f = _to_left(np.einsum("nji,nj->ni", fore, _unit(_as_frames(fingers, n))), side)
    p = _to_left(np.einsum("nji,nj->ni", fore, _unit(_as_frames(palm, n))), side)
    # fingers = Rz(-pron) Ry(-w) (0, 0, -1): two solutions, (w, pron) and (-w, pron + pi)
    w = np.arccos(np.clip(-f[:, 2], -1.0, 1.0))
    pron = -np.arctan2(f[:, 1], f[:, 0])
    palm_a = apply(rot_z(-pron) @ rot_y(-w), np.array([1.0, 0.0, 0.0]))
    flip = np.sum(palm_a * p, axis=1) < 0
    w = np.where(flip, -w, w)
    pron = np.where(flip, pron + np.pi, pron)
    pron = (pron + np.pi / 2) % (2 * np.pi) - np.pi / 2  # keep near the anatomical range
    pose[f"{side}_wrist"] = np.clip(w, -np.radians(85), np.radians(85))
    pose[f"{side}_pron"] = pron
