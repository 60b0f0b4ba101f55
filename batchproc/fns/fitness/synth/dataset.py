"""Dataset: labelled MediaPipe-like pose sequences, generated from a seed.

Why: the exercise classifier may only be trained on data the project makes itself. A sequence is a
random body (``body``) performing a movement (``movements``) seen by a random camera (``camera``)
through a MediaPipe-like detector (``noise``), in exactly the arrays the analysis consumes:

* ``poses`` (N, 33, 4) float32: x, y normalised by image width and height (y down), z depth relative
  to the hip midpoint in the units of x (smaller = closer), visibility.
* ``world`` (N, 33, 3) float32: metres, origin at the hip midpoint, camera axes (x right, y down,
  z away from the camera), as MediaPipe's ``pose_world_landmarks``.
* ``detected`` (N,) bool: where False, both are NaN. ``times`` (N,) float64 s from 0. ``aspect``.

Everything follows from the seed: independent streams for the body, the movement, the camera and the
detector, so forcing a ``view`` changes where the camera stands and nothing about the movement.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import body as B
from .body import BodyShape, Pose, sample_body
from .camera import sample_camera
from .movements import EXERCISES, MOVEMENTS, NON_EXERCISES, REST, check_label, perform
from .noise import detect, sample_noise
from .posture import MotionOptions

__all__ = ["MOVEMENTS", "EXERCISES", "NON_EXERCISES", "SynthSequence", "generate_sequence", "generate_session"]

DURATION_S = (10.0, 30.0)  # a sequence's length when not given
SESSION_SET_S = (12.0, 30.0)  # a set's length inside a session
SESSION_BLEND_S = 1.2  # the body moves from one activity to the next over this long
SESSION_LEAD_S = SESSION_BLEND_S + 0.5  # sets start and end at rest, clear of the blends
SESSION_TURN_PROB = 0.5  # chance the body faces a new way for the next activity
_STREAMS = ("body", "motion", "camera", "noise", "plan")


@dataclass
class SynthSequence:
    """One generated sequence and its ground truth."""

    times: np.ndarray
    poses: np.ndarray
    world: np.ndarray
    detected: np.ndarray
    aspect: float
    label: str
    rep_times: list[float] = field(default_factory=list)  # completion of each complete rep (exercises)
    rep_starts: list[float] = field(default_factory=list)  # start of each of those reps (0 if before the clip)
    segments: list[tuple[str, float, float, int]] = field(default_factory=list)  # (label, start, end, reps)
    meta: dict[str, object] = field(default_factory=dict)  # camera, body and style drawn (for inspection)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    kids = np.random.SeedSequence(int(seed)).spawn(len(_STREAMS))
    return {name: np.random.default_rng(k) for name, k in zip(_STREAMS, kids)}


def _times(duration_s: float, fps: float) -> np.ndarray:
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    n = max(1, int(round(duration_s * fps)))
    return np.arange(n, dtype=np.float64) / fps


def _render(label: str, times: np.ndarray, fps: float, shape: BodyShape, pose: Pose, streams: dict,
            view: str | None, rep_times: list[float], rep_starts: list[float],
            segments: list[tuple[str, float, float, int]], style: dict, hints: dict | None = None) -> SynthSequence:
    pts = B.landmarks(shape, pose)
    cam = sample_camera(streams["camera"], pts, fps, view, hints)
    poses, world, detected = detect(streams["noise"], sample_noise(streams["noise"]), cam, pts, fps)
    meta = {"view": cam.view, "azimuth_deg": round(cam.azimuth_deg, 1), "elevation_deg": round(cam.elevation_deg, 1),
            "cropped": cam.cropped, "shake": cam.shake is not None, "height_m": round(shape.height, 3), "style": style}
    return SynthSequence(times, poses, world, detected, float(cam.aspect), label, list(rep_times), list(rep_starts),
                         segments, meta)


def generate_sequence(label: str, seed: int, duration_s: float | None = None, fps: float = 10.0,
                      view: str | None = None) -> SynthSequence:
    """One movement, ``duration_s`` long (random 10-30 s if None), sampled at ``fps`` from t = 0;
    ``view`` forces the camera to the "front", "side", "rear" or "three_quarter" of the body."""
    check_label(label)
    streams = _streams(seed)
    duration = float(duration_s) if duration_s is not None else float(streams["plan"].uniform(*DURATION_S))
    times = _times(duration, fps)
    shape = sample_body(streams["body"])
    motion = perform(label, times, streams["motion"], shape)
    segments = [(label, 0.0, len(times) / fps, len(motion.rep_times))]
    return _render(label, times, fps, shape, motion.pose, streams, view, motion.rep_times, motion.rep_starts,
                   segments, motion.style, motion.camera)


def generate_session(labels: list[str], seed: int, fps: float = 10.0, rest_s: tuple[float, float] = (2.0, 6.0)
                     ) -> SynthSequence:
    """Several movements in a row by one person, with rests (standing or walking about) between;
    label "session", one segment per part ("rest" for the rests), covering the timeline in order."""
    for label in labels:
        check_label(label)
    streams = _streams(seed)
    plan = streams["plan"]
    shape = sample_body(streams["body"])
    parts: list[tuple[str, float]] = []
    for i, label in enumerate(labels):
        if i:
            parts.append((REST, float(plan.uniform(*rest_s))))
        parts.append((label, float(plan.uniform(*SESSION_SET_S))))
    bounds = np.round(np.cumsum([0.0] + [d for _, d in parts]) * fps).astype(int)
    times = _times(max(bounds[-1], 1) / fps, fps)
    q = np.zeros((len(times), len(B.CHANNELS)))
    rep_times: list[float] = []
    rep_starts: list[float] = []
    segments: list[tuple[str, float, float, int]] = []
    styles = []
    prev: np.ndarray | None = None
    for (label, _), a, b in zip(parts, bounds[:-1], bounds[1:]):
        if b <= a:
            continue
        local = times[a:b] - times[a]
        opts = MotionOptions(SESSION_LEAD_S, SESSION_LEAD_S) if label in EXERCISES else MotionOptions()
        motion = perform(label, local, streams["motion"], shape, opts)
        part = _place(motion.pose.q, prev, plan)
        if prev is not None:  # move from where the last part left off
            part = _ease_in(prev, part, local)
        q[a:b] = part
        prev = part[-1]
        rep_times += [times[a] + r for r in motion.rep_times]
        rep_starts += [times[a] + r for r in motion.rep_starts]
        segments.append((label, float(a / fps), float(b / fps), len(motion.rep_times)))
        styles.append(motion.style)
    return _render("session", times, fps, shape, Pose(q), streams, None, rep_times, rep_starts, segments,
                   {"parts": styles})


def _ease_in(prev: np.ndarray, part: np.ndarray, local_t: np.ndarray) -> np.ndarray:
    """The first ``SESSION_BLEND_S`` of a part, eased from the pose the last part ended in. Angles
    start from the shorter way round and then follow the part continuously (a part that is itself
    turning through 180 degrees meanwhile must not flip)."""
    d = part - prev[None]
    first = B.wrap_angles(d[0])
    d[:, B.ANGLE_MASK] = first[B.ANGLE_MASK] + np.unwrap(d[:, B.ANGLE_MASK] - d[:1, B.ANGLE_MASK], axis=0)
    w = 0.5 - 0.5 * np.cos(np.pi * np.clip(local_t / SESSION_BLEND_S, 0.0, 1.0))
    return B.lerp_pose(prev[None], d, w)


def _place(q: np.ndarray, prev: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Move a part (generated at the origin facing +x) to where the previous part ended, facing the
    same way or, sometimes, a new one."""
    q = q.copy()
    turn = float(rng.uniform(-np.pi, np.pi)) if rng.random() < SESSION_TURN_PROB else 0.0
    if prev is None:
        return q
    ix, iy, iyaw = (B.CHANNEL_INDEX[c] for c in ("x", "y", "yaw"))
    rot = prev[iyaw] + turn - q[0, iyaw]
    c, s = np.cos(rot), np.sin(rot)
    dx, dy = q[:, ix] - q[0, ix], q[:, iy] - q[0, iy]
    q[:, ix] = prev[ix] + c * dx - s * dy
    q[:, iy] = prev[iy] + s * dx + c * dy
    q[:, iyaw] = q[:, iyaw] + rot
    return q

