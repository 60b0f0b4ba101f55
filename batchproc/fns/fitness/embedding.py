"""A view-normalised, mirror-symmetric pose embedding: landmarks in, one row of numbers per frame out.

Why this shape: the classifier is trained on bodies the project generates (``synth``) and must then
work on footage from any camera, so every number here is something that does not change when the
camera walks around the person or when the person turns the other way:

* joint angles (knee, hip, elbow, shoulder) from the 3-D world landmarks: the same from any azimuth;
* inclinations of body segments against the vertical (the world landmarks' y axis is the image's
  vertical, which gravity follows for an upright camera): lying, sitting and standing differ there;
* heights along the vertical and spreads across it, in torso lengths (distance-independent).

Mirror symmetry: left and right are never kept apart. Each bilateral measurement becomes the pair
(smaller, larger), so a left-leg lunge and a right-leg lunge, or curls with either arm, give the
same embedding; and alternating movements (one arm, then the other) show one dip of the smaller
value per side, which is what the rep counter wants to see.

All columns are scaled to comparable units (a right angle is 1.0, a torso length is 1.0), so
distances and principal components over the embedding weigh a joint swinging 90 degrees like a hand
rising one torso length.
"""
from __future__ import annotations

import warnings

import numpy as np

from .features import (L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, NOSE, R_ANKLE, R_ELBOW, R_HIP,
                       R_KNEE, R_SHOULDER, R_WRIST)

ANGLE_UNIT_DEG = 90.0  # a right angle is one unit
DOWN = np.array([0.0, 1.0, 0.0])  # image and world y point down

# (name, (proximal, vertex, distal) left, same right): angles at the vertex
_JOINT_ANGLES = (
    ("knee", (L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE)),
    ("hip", (L_SHOULDER, L_HIP, L_KNEE), (R_SHOULDER, R_HIP, R_KNEE)),
    ("elbow", (L_SHOULDER, L_ELBOW, L_WRIST), (R_SHOULDER, R_ELBOW, R_WRIST)),
    ("shoulder", (L_ELBOW, L_SHOULDER, L_HIP), (R_ELBOW, R_SHOULDER, R_HIP)),
)
# (name, (from, to) left, right): the segment's angle from straight down (0 hanging, 180 pointing up)
_SEGMENTS = (
    ("upper_arm", (L_SHOULDER, L_ELBOW), (R_SHOULDER, R_ELBOW)),
    ("forearm", (L_ELBOW, L_WRIST), (R_ELBOW, R_WRIST)),
    ("thigh", (L_HIP, L_KNEE), (R_HIP, R_KNEE)),
    ("shin", (L_KNEE, L_ANKLE), (R_KNEE, R_ANKLE)),
)


def _names() -> tuple[str, ...]:
    out: list[str] = []
    for name, _, _ in _JOINT_ANGLES + _SEGMENTS:
        out += [f"{name}_lo", f"{name}_hi"]
    out += ["torso_incline", "wrist_above_shoulder_lo", "wrist_above_shoulder_hi", "wrist_above_hip_lo",
            "wrist_above_hip_hi", "hip_above_ankle", "nose_above_hip", "ankle_spread", "wrist_spread",
            "foot_stagger"]
    return tuple(out)


EMBEDDING_NAMES: tuple[str, ...] = _names()
COLUMN = {name: i for i, name in enumerate(EMBEDDING_NAMES)}
# columns that measure how extended the body is (large = joints straight): the rest position of
# every counted exercise is its more extended end (standing, arms straight, lying back)
EXTENSION_COLUMNS = tuple(COLUMN[n] for n in ("knee_lo", "knee_hi", "hip_lo", "hip_hi", "elbow_lo", "elbow_hi"))


def body_points(poses: np.ndarray, world: np.ndarray | None, aspect: float = 1.0) -> np.ndarray:
    """(N, 33, 3) points to measure on: the world landmarks (metres), or where a frame has none, the
    image landmarks with x scaled by the aspect ratio and MediaPipe's relative depth as z."""
    poses = np.asarray(poses, dtype=np.float64)
    img = np.concatenate([poses[..., 0:1] * aspect, poses[..., 1:2], poses[..., 2:3] * aspect], axis=-1)
    if world is None:
        return img
    w = np.asarray(world, dtype=np.float64)
    missing = ~np.isfinite(w).all(axis=(1, 2))
    return np.where(missing[:, None, None], img, w)


def _angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    cos = np.sum(u * v, axis=-1) / np.maximum(nu * nv, 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.fmin(a, b), np.fmax(a, b)


def pose_embedding(poses: np.ndarray, world: np.ndarray | None = None, aspect: float = 1.0,
                   min_visibility: float | None = None) -> np.ndarray:
    """(N, len(EMBEDDING_NAMES)) embedding; NaN rows where there is no pose.

    With ``min_visibility``, a measurement whose landmarks the model barely sees is left out (NaN):
    out of frame or hidden behind the body, MediaPipe guesses a limb, and a guess is not evidence
    (legs out of frame in a pull-up clip swing wildly). Of a left/right pair the seen side then
    stands for both."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return _embedding(poses, world, aspect, min_visibility)


def _embedding(poses: np.ndarray, world: np.ndarray | None, aspect: float, min_visibility: float | None) -> np.ndarray:
    p = body_points(poses, world, aspect)
    n = p.shape[0]
    vis = np.asarray(poses, dtype=np.float64)[..., 3]

    def seen(x: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
        if min_visibility is None:
            return x
        return np.where(np.min(vis[:, list(ids)], axis=1) >= min_visibility, x, np.nan)

    cols: list[np.ndarray] = []
    for _, left, right in _JOINT_ANGLES:
        a_l = seen(_angle(p[:, left[0]] - p[:, left[1]], p[:, left[2]] - p[:, left[1]]), left)
        a_r = seen(_angle(p[:, right[0]] - p[:, right[1]], p[:, right[2]] - p[:, right[1]]), right)
        cols += [c / ANGLE_UNIT_DEG for c in _pair(a_l, a_r)]
    down = np.broadcast_to(DOWN, (n, 3))
    for _, left, right in _SEGMENTS:
        a_l = seen(_angle(p[:, left[1]] - p[:, left[0]], down), left)
        a_r = seen(_angle(p[:, right[1]] - p[:, right[0]], down), right)
        cols += [c / ANGLE_UNIT_DEG for c in _pair(a_l, a_r)]
    sh = p[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1)
    hip = p[:, [L_HIP, R_HIP]].mean(axis=1)
    torso = np.maximum(np.linalg.norm(sh - hip, axis=1), 1e-6)
    cols.append(_angle(sh - hip, -down) / ANGLE_UNIT_DEG)

    def up_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """How far a is above b, in torso lengths."""
        return (b[:, 1] - a[:, 1]) / torso

    cols += list(_pair(seen(up_of(p[:, L_WRIST], sh), (L_WRIST,)), seen(up_of(p[:, R_WRIST], sh), (R_WRIST,))))
    cols += list(_pair(seen(up_of(p[:, L_WRIST], hip), (L_WRIST,)), seen(up_of(p[:, R_WRIST], hip), (R_WRIST,))))
    cols.append(seen(up_of(hip, p[:, [L_ANKLE, R_ANKLE]].mean(axis=1)), (L_ANKLE, R_ANKLE)))
    cols.append(up_of(p[:, NOSE], hip))

    def horizontal(d: np.ndarray) -> np.ndarray:
        return np.linalg.norm(d[:, [0, 2]], axis=1) / torso

    cols.append(seen(horizontal(p[:, L_ANKLE] - p[:, R_ANKLE]), (L_ANKLE, R_ANKLE)))
    cols.append(seen(horizontal(p[:, L_WRIST] - p[:, R_WRIST]), (L_WRIST, R_WRIST)))
    # front-back split of the feet: their separation along the direction the hips face
    hip_axis = p[:, R_HIP] - p[:, L_HIP]
    facing = np.cross(hip_axis, DOWN)
    facing /= np.maximum(np.linalg.norm(facing, axis=1), 1e-9)[:, None]
    cols.append(seen(np.abs(np.sum((p[:, L_ANKLE] - p[:, R_ANKLE]) * facing, axis=1)) / torso, (L_ANKLE, R_ANKLE)))
    out = np.stack(cols, axis=1)
    out[~np.isfinite(p).all(axis=(1, 2))] = np.nan
    return out


def mirror(points: np.ndarray) -> np.ndarray:
    """The same body with the person's left and right exchanged and x negated (for hip-centred world
    landmarks): a pose and its mirror image have the same embedding, which the tests check."""
    swap = np.arange(33)
    pairs = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10)] + [(a, a + 1) for a in range(11, 33, 2)]
    for a, b in pairs:
        swap[a], swap[b] = b, a
    out = np.asarray(points, dtype=np.float64)[:, swap].copy()
    out[..., 0] = -out[..., 0]
    return out
