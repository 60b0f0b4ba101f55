"""MediaPipe Pose behind a small interface, and the choice of the main subject.

Only ``model_complexity=1`` works offline: mediapipe 0.10.21 bundles ``pose_landmark_full.tflite``
in its wheel, while complexity 0 (lite) and 2 (heavy) are downloaded on first use, and runs have no
network. Asking for 0 or 2 fails at once with a message that says so (unless someone has put the
model file into the mediapipe package by hand, in which case it is used).

The model runs in tracking mode (``static_image_mode=False``): after the first detection it follows
the same person from frame to frame through its region of interest, which is what keeps the main
subject when two people are in frame. :func:`main_subject_mask` then removes the frames where the
tracker lost that person and re-detected someone else (a jump of the body centre that no cut
explains); both are pure functions over arrays.
"""
from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

N_LANDMARKS = 33
OFFLINE_COMPLEXITY = 1
_MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


class PoseModelUnavailable(RuntimeError):
    """The requested pose model is not installed and cannot be downloaded offline."""


def model_path(complexity: int) -> str:
    import mediapipe

    root = os.path.dirname(mediapipe.__file__)
    return os.path.join(root, "modules", "pose_landmark", _MODEL_FILES[complexity])


def check_complexity(complexity: int) -> int:
    """Validate ``model_complexity``; raise a clear error where the model would need a download."""
    try:
        c = int(complexity)
    except (TypeError, ValueError):
        raise ValueError(f"model_complexity must be 0, 1 or 2, got {complexity!r}") from None
    if c not in _MODEL_FILES:
        raise ValueError(f"model_complexity must be 0, 1 or 2, got {complexity!r}")
    if c != OFFLINE_COMPLEXITY and not os.path.exists(model_path(c)):
        name = {0: "lite", 2: "heavy"}[c]
        raise PoseModelUnavailable(
            f"model_complexity={c} needs the '{name}' pose model ({_MODEL_FILES[c]}), which mediapipe 0.10.21 "
            f"does not bundle: it would be downloaded at run time, and runs are offline. Use model_complexity=1 "
            f"(the bundled 'full' model), or place {_MODEL_FILES[c]} at {model_path(c)} beforehand."
        )
    return c


class PoseModel:
    """One MediaPipe Pose graph. ``process(rgb)`` -> ((33, 4) image landmarks x, y, z, visibility,
    (33, 3) world landmarks in metres) or ``None`` when nobody is found.

    MediaPipe's own landmark smoothing is off: it assumes 30 fps, while the analysis samples at its
    own rate; the stages smooth with the real timestamps instead.
    """

    def __init__(self, model_complexity: int = 1, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        self.complexity = check_complexity(model_complexity)
        import mediapipe as mp

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=self.complexity,
            smooth_landmarks=False,
            enable_segmentation=False,
            min_detection_confidence=float(min_detection_confidence),
            min_tracking_confidence=float(min_tracking_confidence),
        )
        self.lock = threading.Lock()

    def reset(self) -> None:
        """Forget the tracked person (call at the start of every video and at every jump in time)."""
        self._pose.reset()

    def process(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        res = self._pose.process(rgb)
        if res.pose_landmarks is None:
            return None
        lm = np.array([(p.x, p.y, p.z, p.visibility) for p in res.pose_landmarks.landmark], dtype=np.float32)
        if res.pose_world_landmarks is not None:
            world = np.array([(p.x, p.y, p.z) for p in res.pose_world_landmarks.landmark], dtype=np.float32)
        else:  # pragma: no cover - MediaPipe always returns both together
            world = np.full((N_LANDMARKS, 3), np.nan, np.float32)
        return lm, world

    def close(self) -> None:
        try:
            self._pose.close()
        except Exception:  # noqa: BLE001 - closing twice is harmless
            pass


def get_model(lane: int = 0, model_complexity: int = 1, min_detection_confidence: float = 0.5,
              min_tracking_confidence: float = 0.5) -> PoseModel:
    """The worker's pose model for a pose lane, built once per worker process (see ``worker_resource``)."""
    from ...resources import worker_resource

    key = f"fitness.pose.c{model_complexity}.d{min_detection_confidence}.t{min_tracking_confidence}.lane{lane}"
    return worker_resource(key, lambda: PoseModel(model_complexity, min_detection_confidence, min_tracking_confidence))


# -- the main subject ----------------------------------------------------------------------------

def body_center_scale(poses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the centre of the torso (mean of shoulders and hips, image coordinates) and a body
    scale (the larger of torso length and shoulder width). NaN where there is no pose."""
    poses = np.asarray(poses, dtype=np.float64)
    torso = poses[:, [11, 12, 23, 24], :2]
    center = torso.mean(axis=1)
    sh = torso[:, :2].mean(axis=1)
    hp = torso[:, 2:].mean(axis=1)
    length = np.linalg.norm(sh - hp, axis=1)
    width = np.linalg.norm(torso[:, 0] - torso[:, 1], axis=1)
    return center, np.maximum(length, width)


def main_subject_mask(poses: np.ndarray, detected: np.ndarray, times: np.ndarray,
                      cuts: np.ndarray | None = None, max_speed: float = 6.0,
                      max_scale_ratio: float = 1.6) -> np.ndarray:
    """Keep the frames that belong to the main subject.

    The sequence of detections is split into tracks wherever the body centre moves faster than
    ``max_speed`` body scales per second, or the body scale changes by more than ``max_scale_ratio``
    between neighbouring detections, unless a scene cut (times in ``cuts``) lies between them (after
    a cut the same person may appear anywhere). Tracks are then grouped into identities: a track that
    starts right after another one ends without a cut, at a different place, is a different person
    (the tracker jumped); the identity with the longest total time is the main subject, and frames of
    the others are dropped. Returns the new detection mask.
    """
    detected = np.asarray(detected, dtype=bool).copy()
    n = len(detected)
    if n == 0 or detected.sum() < 2:
        return detected
    times = np.asarray(times, dtype=np.float64)
    cuts = np.asarray(cuts if cuts is not None else [], dtype=np.float64)
    center, scale = body_center_scale(poses)
    idx = np.flatnonzero(detected)
    # 1. tracks of continuous motion
    track = np.zeros(len(idx), dtype=int)
    cut_before = np.zeros(len(idx), dtype=bool)
    for k in range(1, len(idx)):
        a, b = idx[k - 1], idx[k]
        dt = max(times[b] - times[a], 1e-3)
        s = max(min(scale[a], scale[b]), 1e-3)
        speed = np.linalg.norm(center[b] - center[a]) / s / dt
        ratio = max(scale[a], scale[b]) / s
        has_cut = bool(((cuts > times[a]) & (cuts <= times[b])).any())
        cut_before[k] = has_cut
        gap = dt > 2.0  # a long loss of tracking: position may legitimately change
        new = (speed > max_speed and np.linalg.norm(center[b] - center[a]) > 0.5 * s) or ratio > max_scale_ratio
        track[k] = track[k - 1] + int(has_cut or gap or new)
    n_tracks = track[-1] + 1
    if n_tracks == 1:
        return detected
    # 2. identities: a jump without a cut (or gap) starts a different person; after a cut, the
    # identity with the closest position/scale continues (the camera may also have moved).
    ident = np.zeros(n_tracks, dtype=int)
    ident_pos: dict[int, tuple[np.ndarray, float]] = {}
    first = {t: np.flatnonzero(track == t)[0] for t in range(n_tracks)}
    last = {t: np.flatnonzero(track == t)[-1] for t in range(n_tracks)}
    ident_pos[0] = (center[idx[last[0]]], scale[idx[last[0]]])
    next_id = 1
    for t in range(1, n_tracks):
        k0 = first[t]
        c, s = center[idx[k0]], scale[idx[k0]]
        if cut_before[k0] or times[idx[k0]] - times[idx[k0 - 1]] > 2.0:
            ident[t] = ident[t - 1]  # new shot / long gap: assume the subject carries on
        else:
            # the tracker jumped: is this someone we saw before (close to a known identity)?
            best, best_d = None, np.inf
            for i, (pc, ps) in ident_pos.items():
                if i == ident[t - 1]:
                    continue
                d = np.linalg.norm(c - pc) / max(min(s, ps), 1e-3)
                if d < best_d:
                    best, best_d = i, d
            if best is not None and best_d < 1.0:
                ident[t] = best
            else:
                ident[t] = next_id
                next_id += 1
        ident_pos[ident[t]] = (center[idx[last[t]]], scale[idx[last[t]]])
    if next_id == 1:
        return detected
    frame_ident = ident[track]
    dur = np.zeros(next_id)
    for k in range(len(idx)):
        dt = times[idx[k + 1]] - times[idx[k]] if k + 1 < len(idx) else 0.0
        dur[frame_ident[k]] += min(dt, 1.0)
    main = int(np.argmax(dur))
    detected[idx[frame_ident != main]] = False
    return detected


def average_visibility(poses: np.ndarray, detected: np.ndarray) -> float:
    d = np.asarray(detected, dtype=bool)
    if not d.any():
        return 0.0
    return float(np.nanmean(np.asarray(poses)[d, :, 3]))


def empty_poses(n: int) -> dict[str, Any]:
    return {"poses": np.full((n, N_LANDMARKS, 4), np.nan, np.float32),
            "world": np.full((n, N_LANDMARKS, 3), np.nan, np.float32)}


def estimate(frames, model: PoseModel, on_frame=None) -> dict[str, np.ndarray]:
    """Run the model over ``frames`` (objects with ``index``, ``t``, ``image``), in order.

    Returns ``indices`` (int64), ``times`` (float64), ``poses`` (N, 33, 4 float32: x, y in [0, 1] of
    the image, z, visibility), ``world`` (N, 33, 3 metres, hip-centred) and ``detected`` (bool);
    frames without a person hold NaN. ``on_frame(t, lm_or_None)`` is called after each frame (the
    adaptive rate controller listens there).
    """
    idx: list[int] = []
    ts: list[float] = []
    lms: list[np.ndarray] = []
    wls: list[np.ndarray] = []
    det: list[bool] = []
    nan_lm = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    nan_w = np.full((N_LANDMARKS, 3), np.nan, np.float32)
    for fr in frames:
        out = model.process(fr.image)
        idx.append(int(fr.index))
        ts.append(float(fr.t))
        if out is None:
            lms.append(nan_lm)
            wls.append(nan_w)
            det.append(False)
        else:
            lms.append(out[0])
            wls.append(out[1])
            det.append(True)
        if on_frame is not None:
            on_frame(float(fr.t), out[0] if out is not None else None)
    n = len(idx)
    return {
        "indices": np.asarray(idx, dtype=np.int64),
        "times": np.asarray(ts, dtype=np.float64),
        "poses": np.stack(lms) if n else np.zeros((0, N_LANDMARKS, 4), np.float32),
        "world": np.stack(wls) if n else np.zeros((0, N_LANDMARKS, 3), np.float32),
        "detected": np.asarray(det, dtype=bool),
    }
