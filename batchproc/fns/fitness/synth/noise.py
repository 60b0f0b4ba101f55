"""Detector: what MediaPipe Pose would report for a body whose true landmarks are known.

Why: a classifier trained on perfect landmarks meets MediaPipe's errors for the first time in use and
fails on them. So the generator reproduces the errors that matter: per-frame jitter and slow drift,
weak monocular depth (compressed and noisy), low visibility for the far side of the body and for points
out of frame (whose positions MediaPipe still guesses), bursts where the far-side limbs swap left and
right or collapse onto the near side, runs of frames with no detection, and single-frame glitches.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body import LM, MIRROR, N_LANDMARKS
from .camera import Camera, hip_depth_z

# Error sizes are per axis; a landmark's displacement is about sqrt(3) (world) or sqrt(2) (image) times
# larger: ~0.3-1 % of the frame in the image, ~1-3 cm in the world.
IMAGE_SIGMA = (0.002, 0.006)  # per-frame jitter, share of the frame
DRIFT_SIGMA = (0.001, 0.004)  # slow error, share of the frame
DRIFT_S = (0.3, 1.5)  # its correlation time (s)
WORLD_SIGMA_M = (0.006, 0.018)
WORLD_DRIFT_M = (0.003, 0.012)
WORLD_DEPTH_NOISE = 1.5  # world z (depth) is the weak axis
DEPTH_FACTOR = (0.5, 1.0)  # image z: monocular depth is weak, and compressed
WORLD_DEPTH_FACTOR = (0.8, 1.0)  # world z: the 3-D model was trained with depth and compresses less
DEPTH_NOISE = (2.5, 5.0)  # z noise relative to x/y noise
WORLD_SCALE = (0.92, 1.08)  # the model's error on the body's absolute size
LIMB_NOISE = 1.3  # hands and feet are harder to place
OCCLUDED_NOISE = 0.7  # extra jitter of a fully occluded point (relative)
OUT_OF_FRAME_NOISE = 4.0  # extra jitter per frame-width outside the frame
# Points outside the frame are guesses that wander slowly (legs under a cropped frame swing about):
WANDER_IMAGE = (0.03, 0.10)  # share of the frame ...
WANDER_WORLD_M = (0.05, 0.15)  # ... and metres, at full strength
WANDER_RAMP = 0.08  # full strength this far (share of the frame) outside
WANDER_S = (0.4, 1.5)  # correlation time
VIS_BASE = (0.88, 0.99)
VIS_BASE_LIMBS = (0.80, 0.95)
VIS_OCCLUDED_DROP = (0.30, 0.65)  # how much a fully occluded point's visibility drops
VIS_JITTER = 0.04
VIS_OUT_OF_FRAME = (0.2, 0.5)  # visibility outside the frame: from just outside to far outside
VIS_OUT_FALLOFF = 0.10  # share of the frame over which it falls
OCCLUSION_DEPTH = (0.3, 0.9)  # far side starts to hide / is hidden at this depth behind its mirror point
# (in shoulder widths: seen from 3/4 the far shoulder is ~0.7 widths deeper and still mostly visible)
FACE_AWAY_M = 0.06  # face points hidden once the nose is this far behind the ears
SWAP_PROB, SWAP_RATE = 0.6, (0.02, 0.12)  # share of sequences with swap bursts, bursts per second
SWAP_LEN_S = (0.2, 1.0)
COLLAPSE_SHARE = 0.4  # of bursts, those that collapse the far limbs onto the near ones
COLLAPSE_OFFSET, COLLAPSE_OFFSET_WORLD = 0.01, 0.03  # how near the collapsed limb lands (image, m)
DROPOUT_PROB, DROPOUT_RATE = 0.4, (0.01, 0.06)
DROPOUT_LEN_S = (0.1, 1.0)
GLITCH_PROB, GLITCH_RATE = 0.5, (0.01, 0.06)
GLITCH_IMAGE, GLITCH_WORLD_M = 0.08, 0.2
MIN_IN_FRAME = 0.4  # below this share of landmarks in frame, nobody is detected

_LIMBS = {
    "l_arm": [11, 13, 15, 17, 19, 21], "r_arm": [12, 14, 16, 18, 20, 22],
    "l_leg": [23, 25, 27, 29, 31], "r_leg": [24, 26, 28, 30, 32],
}
_EXTREMITIES = [15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32]
_FACE_FRONT = [0, 1, 2, 3, 4, 5, 6, 9, 10]


@dataclass(frozen=True)
class DetectorNoise:
    """One sequence's error levels."""

    image_sigma: float
    drift_sigma: float
    drift_s: float
    world_sigma: float
    world_drift: float
    depth_factor: float
    world_depth_factor: float
    depth_noise: float
    world_scale: float
    occluded_drop: float
    wander_image: float
    wander_world: float
    wander_s: float
    swap_rate: float
    dropout_rate: float
    glitch_rate: float


def sample_noise(rng: np.random.Generator) -> DetectorNoise:
    def u(r):
        return float(rng.uniform(*r))

    levels = dict(image_sigma=u(IMAGE_SIGMA), drift_sigma=u(DRIFT_SIGMA), drift_s=u(DRIFT_S),
                  world_sigma=u(WORLD_SIGMA_M), world_drift=u(WORLD_DRIFT_M), depth_factor=u(DEPTH_FACTOR),
                  world_depth_factor=u(WORLD_DEPTH_FACTOR),
                  depth_noise=u(DEPTH_NOISE), world_scale=u(WORLD_SCALE), occluded_drop=u(VIS_OCCLUDED_DROP),
                  wander_image=u(WANDER_IMAGE), wander_world=u(WANDER_WORLD_M), wander_s=u(WANDER_S))
    rates = {}
    for name, prob, rate in (("swap_rate", SWAP_PROB, SWAP_RATE), ("dropout_rate", DROPOUT_PROB, DROPOUT_RATE),
                             ("glitch_rate", GLITCH_PROB, GLITCH_RATE)):
        draw = rng.random()
        r = u(rate)
        rates[name] = r if draw < prob else 0.0
    return DetectorNoise(**levels, **rates)


def coloured(rng: np.random.Generator, shape: tuple[int, ...], corr_frames: float) -> np.ndarray:
    """Slowly varying Gaussian noise along axis 0: independent unit-variance values every
    ``corr_frames`` frames, eased in between (variance 1 at the knots, 0.5 midway)."""
    n = shape[0]
    if corr_frames < 1.0 or n < 2:
        return rng.standard_normal(shape)
    knots = rng.standard_normal((int(np.ceil(n / corr_frames)) + 2,) + tuple(shape[1:]))
    pos = (np.arange(n) + rng.uniform(0.0, corr_frames)) / corr_frames
    k = pos.astype(int)
    w = (0.5 - 0.5 * np.cos(np.pi * (pos - k))).reshape((n,) + (1,) * (len(shape) - 1))
    return knots[k] + w * (knots[k + 1] - knots[k])


def _visibility_and_occlusion(rng: np.random.Generator, noise: DetectorNoise, cam_pts: np.ndarray,
                              img: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visibility (N, 33), how hidden each point is (0 seen .. 1 behind the body), how far outside the
    frame (share of the frame)."""
    n = len(cam_pts)
    depth = cam_pts[..., 2]
    sh_w = np.linalg.norm(cam_pts[:, LM["left_shoulder"]] - cam_pts[:, LM["right_shoulder"]], axis=1)
    width = np.maximum(np.median(sh_w), 0.1)
    start, full = OCCLUSION_DEPTH
    occ = np.clip(((depth - depth[:, MIRROR]) / width - start) / (full - start), 0.0, 1.0)
    ears = (depth[:, LM["left_ear"]] + depth[:, LM["right_ear"]]) / 2
    away = np.clip((depth[:, LM["nose"]] - ears) / FACE_AWAY_M, 0.0, 1.0)
    occ[:, _FACE_FRONT] = np.maximum(occ[:, _FACE_FRONT], away[:, None])
    out = np.maximum.reduce([-img[..., 0], img[..., 0] - 1.0, -img[..., 1], img[..., 1] - 1.0, np.zeros(img.shape[:2])])
    base = rng.uniform(*VIS_BASE, size=N_LANDMARKS)
    base[_EXTREMITIES] = rng.uniform(*VIS_BASE_LIMBS, size=len(_EXTREMITIES))
    vis = base[None] - noise.occluded_drop * occ + VIS_JITTER * coloured(rng, (n, N_LANDMARKS), 0.3 * fps)
    lo, hi = VIS_OUT_OF_FRAME
    vis = np.minimum(vis, np.where(out > 0, lo + (hi - lo) * np.exp(-out / VIS_OUT_FALLOFF), 1.0))
    return np.clip(vis, 0.0, 1.0), occ, out


def _events(rng: np.random.Generator, rate: float, n: int, fps: float, length_s: tuple[float, float]
            ) -> list[tuple[int, int]]:
    """Random [start, stop) frame runs: Poisson count at ``rate`` per second."""
    count = int(rng.poisson(rate * n / fps)) if rate > 0 and n else 0
    out = []
    for _ in range(count):
        a = int(rng.integers(0, n))
        length = max(1, int(round(float(rng.uniform(*length_s)) * fps)))
        out.append((a, min(n, a + length)))
    return out


def detect(rng: np.random.Generator, noise: DetectorNoise, cam: Camera, pts: np.ndarray, fps: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe-like output for true scene landmarks ``pts`` (N, 33, 3) seen by ``cam``:
    ``poses`` (N, 33, 4) float32, ``world`` (N, 33, 3) float32, ``detected`` (N,) bool."""
    n = len(pts)
    cam_pts = cam.to_camera(pts)
    img = cam.project(cam_pts)
    z_img = hip_depth_z(cam_pts, cam.focal, cam.aspect)
    hips = (pts[:, LM["left_hip"]] + pts[:, LM["right_hip"]]) / 2
    world = cam.rotate(pts - hips[:, None]) * noise.world_scale
    vis, occ, out = _visibility_and_occlusion(rng, noise, cam_pts, img, fps)

    # jitter: white + slow drift, larger for hidden, out-of-frame and extremity points
    gain = (1.0 + OCCLUDED_NOISE * occ) * (1.0 + OUT_OF_FRAME_NOISE * out)
    gain[:, _EXTREMITIES] *= LIMB_NOISE
    corr = noise.drift_s * fps
    jit = noise.image_sigma * rng.standard_normal((n, N_LANDMARKS, 3)) + noise.drift_sigma * coloured(
        rng, (n, N_LANDMARKS, 3), corr)
    jit = jit * gain[..., None]
    img = img + jit[..., :2] / np.array([cam.aspect, 1.0])
    z_img = noise.depth_factor * z_img + noise.depth_noise * jit[..., 2] / cam.aspect
    wj = noise.world_sigma * rng.standard_normal((n, N_LANDMARKS, 3)) + noise.world_drift * coloured(
        rng, (n, N_LANDMARKS, 3), corr)
    wj = wj * gain[..., None]
    wj[..., 2] *= WORLD_DEPTH_NOISE
    world[..., 2] *= noise.world_depth_factor
    world = world + wj
    if (out > 0).any():  # guesses for points outside the frame wander
        strength = np.clip(out / WANDER_RAMP, 0.0, 1.0)[..., None]
        wander = coloured(rng, (n, N_LANDMARKS, 3), noise.wander_s * fps) * strength
        img = img + noise.wander_image * wander[..., :2] / np.array([cam.aspect, 1.0])
        world = world + noise.wander_world * wander
    poses = np.concatenate([img, z_img[..., None], vis[..., None]], axis=-1)

    _swap_bursts(rng, noise, poses, world, occ, n, fps)
    _glitches(rng, noise, poses, world, n, fps)

    # MediaPipe's conventions: world origin and image depth origin at the hip midpoint
    world = world - (world[:, LM["left_hip"]] + world[:, LM["right_hip"]])[:, None] / 2
    poses[..., 2] -= ((poses[:, LM["left_hip"], 2] + poses[:, LM["right_hip"], 2]) / 2)[:, None]

    detected = np.ones(n, dtype=bool)
    for a, b in _events(rng, noise.dropout_rate, n, fps, DROPOUT_LEN_S):
        detected[a:b] = False
    detected &= np.mean(out == 0, axis=1) >= MIN_IN_FRAME
    poses[~detected] = np.nan
    world[~detected] = np.nan
    return poses.astype(np.float32), world.astype(np.float32), detected


def _swap_bursts(rng: np.random.Generator, noise: DetectorNoise, poses: np.ndarray, world: np.ndarray,
                 occ: np.ndarray, n: int, fps: float) -> None:
    """In place: short runs where the far-side limbs swap sides or collapse onto the near side."""
    for a, b in _events(rng, noise.swap_rate, n, fps, SWAP_LEN_S):
        group = ("arm", "leg", "both")[int(rng.integers(0, 3))]
        collapse = rng.random() < COLLAPSE_SHARE
        parts = ("arm", "leg") if group == "both" else (group,)
        for part in parts:
            left, right = _LIMBS[f"l_{part}"], _LIMBS[f"r_{part}"]
            if collapse:
                left_far = occ[a:b, left].mean() >= occ[a:b, right].mean()
                far, near = (left, right) if left_far else (right, left)
                offset = rng.normal(0.0, COLLAPSE_OFFSET, size=3)
                poses[a:b, far, :3] = poses[a:b][:, near, :3] + offset  # visibility stays the far side's
                world[a:b, far] = world[a:b][:, near] + COLLAPSE_OFFSET_WORLD / COLLAPSE_OFFSET * offset
            else:
                both = left + right
                swapped = right + left
                poses[a:b, both] = poses[a:b][:, swapped]
                world[a:b, both] = world[a:b][:, swapped]


def _glitches(rng: np.random.Generator, noise: DetectorNoise, poses: np.ndarray, world: np.ndarray, n: int,
              fps: float) -> None:
    """In place: single frames where one limb (or the whole body) jumps."""
    for a, _ in _events(rng, noise.glitch_rate, n, fps, (0.0, 0.0)):
        key = ("l_arm", "r_arm", "l_leg", "r_leg", "all")[int(rng.integers(0, 5))]
        idx = list(range(N_LANDMARKS)) if key == "all" else _LIMBS[key]
        poses[a, idx, :2] += rng.normal(0.0, GLITCH_IMAGE, size=2)
        world[a, idx] += rng.normal(0.0, GLITCH_WORLD_M, size=3)
