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
        """Forget the tracked person (call at the start of every video and at every jump in time).

        Everything the graph carries is dropped, its packet clock included, so what follows a reset
        does not depend on what the model saw before it (results are reproducible whichever lane
        analyses a chunk)."""
        self._pose.reset()
        if hasattr(self._pose, "_simulated_timestamp"):
            self._pose._simulated_timestamp = 0  # the graph was restarted: its clock may start again

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
                      cuts: np.ndarray | None = None, max_jump: float = 1.2,
                      max_scale_ratio: float = 1.6, max_step_s: float = 0.6,
                      min_visibility: float = 0.6) -> np.ndarray:
    """Keep the frames that belong to the main subject.

    The tracker follows one person, but when it loses them it re-detects whoever is most prominent,
    possibly someone else. Such a switch shows as a jump between neighbouring samples (at most
    ``max_step_s`` apart) that no body moves through: the torso centre shifts sideways by more than
    ``max_jump`` body scales (vertical motion is left alone: pull-ups and jumps move the whole body
    up and down quickly), between two confident detections (mean visibility >= ``min_visibility``,
    so a glitch under occlusion is not taken for another person).

    Within one shot (scene cuts and long losses start a new shot: after a cut the same person may be
    anywhere), the detections are split into tracks at such jumps and tracks are grouped into
    identities by position. The identity with the most time in the shot is the main subject; another
    identity's frames are dropped only where the main subject is seen both before and after them (the
    tracker went to someone else and came back), which is unambiguous. Returns the new mask.
    """
    detected = np.asarray(detected, dtype=bool).copy()
    if len(detected) == 0 or detected.sum() < 3:
        return detected
    times = np.asarray(times, dtype=np.float64)
    cuts = np.asarray(cuts if cuts is not None else [], dtype=np.float64)
    poses = np.asarray(poses)
    center, scale = body_center_scale(poses)
    vis = np.ones(len(poses))
    if poses.shape[-1] > 3:
        vis[detected] = np.mean(poses[detected][:, [11, 12, 23, 24], 3], axis=1)
    idx = np.flatnonzero(detected)
    shot = np.zeros(len(idx), dtype=int)
    track = np.zeros(len(idx), dtype=int)
    for k in range(1, len(idx)):
        a, b = idx[k - 1], idx[k]
        dt = times[b] - times[a]
        s = max(min(scale[a], scale[b]), 1e-3)
        new_shot = bool(((cuts > times[a]) & (cuts <= times[b])).any()) or dt > 2.0
        confident = vis[a] >= min_visibility and vis[b] >= min_visibility
        jump = (dt <= max_step_s and confident and max(scale[a], scale[b]) / s <= max_scale_ratio
                and abs(center[b, 0] - center[a, 0]) > max_jump * s)
        shot[k] = shot[k - 1] + int(new_shot)
        track[k] = track[k - 1] + int(new_shot or jump)
    for sh in np.unique(shot):
        ks = np.flatnonzero(shot == sh)
        tracks = list(dict.fromkeys(track[ks]))
        if len(tracks) < 3:
            continue  # a single jump (A then B) is ambiguous: keep everything
        # identities by position: a track joins the identity whose last position is within reach
        ident: dict[int, int] = {}
        last_pos: dict[int, tuple[np.ndarray, float]] = {}
        for tr in tracks:
            kk = ks[track[ks] == tr]
            c0, s0 = center[idx[kk[0]]], scale[idx[kk[0]]]
            best, best_d = None, np.inf
            for i, (pc, ps) in last_pos.items():
                d = abs(c0[0] - pc[0]) / max(min(s0, ps), 1e-3)
                if d < best_d:
                    best, best_d = i, d
            ident[tr] = best if best is not None and best_d <= max_jump else len(last_pos)
            last_pos[ident[tr]] = (center[idx[kk[-1]]], scale[idx[kk[-1]]])
        if len(last_pos) < 2:
            continue
        dur: dict[int, float] = {}
        for tr in tracks:
            kk = ks[track[ks] == tr]
            dur[ident[tr]] = dur.get(ident[tr], 0.0) + float(times[idx[kk[-1]]] - times[idx[kk[0]]]) + 1e-3
        main = max(dur, key=dur.get)
        order = [ident[tr] for tr in tracks]
        for j, tr in enumerate(tracks):
            if ident[tr] != main and main in order[:j] and main in order[j + 1:]:
                detected[idx[ks[track[ks] == tr]]] = False
    return detected


def average_visibility(poses: np.ndarray, detected: np.ndarray) -> float:
    d = np.asarray(detected, dtype=bool)
    if not d.any():
        return 0.0
    return float(np.nanmean(np.asarray(poses)[d, :, 3]))


def empty_poses(n: int) -> dict[str, Any]:
    return {"poses": np.full((n, N_LANDMARKS, 4), np.nan, np.float32),
            "world": np.full((n, N_LANDMARKS, 3), np.nan, np.float32)}


def implausible(lm: np.ndarray, max_incline: float = 135.0) -> bool:
    """A pose no exercise here produces: the shoulders well below the hips (trunk inverted beyond
    ``max_incline`` degrees from upright), which in practice is the model tracking an upside-down
    fit of a body it cannot see well (a close shot with the head out of frame)."""
    sh = lm[[11, 12], :2].mean(axis=0)
    hp = lm[[23, 24], :2].mean(axis=0)
    d = sh - hp
    n = float(np.hypot(d[0], d[1]))
    if not np.isfinite(n) or n < 1e-6:
        return False
    return float(np.degrees(np.arccos(np.clip(-d[1] / n, -1.0, 1.0)))) > max_incline


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
    resets = 0
    for fr in frames:
        if getattr(fr, "cut", False):
            model.reset()  # a new shot: the tracked region means nothing any more
        out = model.process(fr.image)
        if out is not None and implausible(out[0]):
            # Tracking locked onto a wrong (upside-down) body: MediaPipe keeps the region of interest
            # of the previous landmarks, so one bad detection persists. Drop it and restart tracking,
            # so the next frame runs the person detector afresh.
            model.reset()
            resets += 1
            out = None
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
        "tracker_resets": np.asarray([resets], dtype=np.int64),
    }
