"""Camera: where a random viewer stands, and the perspective projection into normalised image
coordinates the way MediaPipe reports them.

Why random per sequence: real workout videos are filmed from anywhere (front, side, behind, at 3/4),
from the floor or a shelf, hand-held or fixed, in landscape or portrait, close up (feet, head or legs
cut off) or far away; a classifier trained on one viewpoint fails on the others. The camera is framed on the body's actual
extent over the sequence, so the body fills a chosen share of the frame and stays in it; when the body
travels (walking) the camera pans to follow.

Frames: the scene is z-up; the camera frame is x right, y down, z forward (along the line of sight).
An azimuth of 0 puts the camera in front of the body's starting heading (+x), 90 on its left side.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .body import LM, rot_x, rot_y, rot_z

VIEWS = ("front", "side", "rear", "three_quarter")
VIEW_AZIMUTHS_DEG = {"front": (0.0,), "side": (90.0, -90.0), "rear": (180.0,),
                     "three_quarter": (45.0, -45.0, 135.0, -135.0)}
VIEW_SPREAD_DEG = 12.0  # a forced view varies this much about its nominal azimuth
ASPECTS = (16 / 9, 9 / 16, 4 / 3, 1.0)
ASPECT_WEIGHTS = (0.35, 0.3, 0.2, 0.15)
# Vertical focal length in image heights (f_px / height_px): ~70 to ~28 degrees of vertical view.
FOCAL_RANGE = {"landscape": (0.75, 2.0), "portrait": (0.55, 1.3)}
ELEVATION_DEG = (-10.0, 35.0)
# Sometimes the camera stands at a physical height instead (on the floor, a shelf, held overhead): its
# elevation then follows from where the body is (a floor-level camera looks along a push-up, one at
# chest height looks down at a crunch and up at a pull-up).
MOUNT_PROB = 0.3
MOUNT_HEIGHT_M = (0.05, 2.1)
MOUNT_ELEVATION_DEG = (-40.0, 65.0)
SHAKE_PROB = 0.2  # a hand-held camera wobbles ...
SHAKE_DEG = (0.2, 1.2)  # ... by this much (rotation, each axis) ...
SHAKE_HZ = (0.3, 2.5)  # ... at these frequencies
ROLL_DEG = 5.0
FILL = (0.30, 0.95)  # share of the frame height the body covers
MAX_WIDTH_FILL = 0.92  # ... and at most this share of the width
CROP_PROB = 0.16
CROP_HEAD_SHARE = 0.45  # of crops, those that cut the head (else the feet)
CROP_FILL = {"feet": (1.05, 1.5), "head": (1.03, 1.3)}  # a cropped body is this much taller than the frame
# (a head crop takes off little more than the head: without it MediaPipe rarely finds the body)
CROP_LEGS_PROB = 0.04  # framed on the upper body: the frame's bottom edge just below the hips ...
CROP_LEGS_CUT = (0.1, 0.6)  # ... this share of the way from the hips to the knees
CROP_MARGIN = (0.02, 0.10)  # the kept end (head or feet) sits this far inside the frame
PAN_ZOOM_PROB = 0.25
ZOOM_CHANGE = 0.2  # focal length drifts by up to +-20 % over the sequence
PAN_DEG = 5.0  # and the view by up to 5 degrees
TRACK_TRAVEL_M = 1.2  # a body that travels further than this is followed by a panning camera
TRACK_SMOOTH_S = 1.0
FRAMING_PASSES = 5
BISECT_STEPS = 40
BISECT_TOLERANCE = 1.02  # the nearest workable distance is found to within 2 %
FRAMING_FRAMES = 40  # frames the framing search looks at
MIN_DEPTH_M = 0.4  # no landmark nearer the lens than this
MAX_DISTANCE_M = 200.0
SWEEP_FILL = 0.98  # uncropped, everything the body sweeps through stays inside this share of the frame
FRAMING_STEP = (0.3, 3.0)  # one framing pass changes the distance by at most this factor
MIN_DISTANCE_M = 0.8



@dataclass
class Camera:
    """A (possibly moving) pinhole camera. Per frame: ``position`` (N, 3) scene, ``rotation``
    (N, 3, 3) scene -> camera (rows: right, down, forward), ``focal`` (N,) in image heights,
    ``centre`` (N, 2) principal point in normalised image coordinates."""

    aspect: float
    position: np.ndarray
    rotation: np.ndarray
    focal: np.ndarray
    centre: np.ndarray
    view: str
    azimuth_deg: float
    elevation_deg: float
    roll_deg: float
    cropped: str | None  # "feet", "head" or "legs" cut off, or None
    shake: np.ndarray | None = None  # (N, 3) small rotations (rad) of a hand-held camera

    def to_camera(self, pts: np.ndarray) -> np.ndarray:
        """(N, K, 3) scene points -> camera frame (m; x right, y down, z forward)."""
        return self.rotate(pts - self.position[:, None, :])

    def rotate(self, vecs: np.ndarray) -> np.ndarray:
        """(N, K, 3) scene directions -> camera axes (no translation)."""
        return vecs @ self.rotation.transpose(0, 2, 1)

    def project(self, cam_pts: np.ndarray) -> np.ndarray:
        """(N, K, 3) camera-frame points -> (N, K, 2) normalised image x (by width), y (by height)."""
        depth = np.maximum(cam_pts[..., 2], 1e-3)
        f = self.focal[:, None]
        x = self.centre[:, 0:1] + f * cam_pts[..., 0] / depth / self.aspect
        y = self.centre[:, 1:2] + f * cam_pts[..., 1] / depth
        return np.stack([x, y], axis=-1)


def _look_at(position: np.ndarray, target: np.ndarray, roll: float) -> np.ndarray:
    """(N, 3, 3) rotations looking from ``position`` to ``target`` with the scene's up on top."""
    fwd = target - position
    fwd = fwd / np.linalg.norm(fwd, axis=1, keepdims=True)
    right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
    right = right / np.maximum(np.linalg.norm(right, axis=1, keepdims=True), 1e-9)
    down = np.cross(fwd, right)
    c, s = np.cos(roll), np.sin(roll)
    r2 = c * right + s * down
    d2 = -s * right + c * down
    return np.stack([r2, d2, fwd], axis=1)


def _smooth(x: np.ndarray, frames: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 (edges held)."""
    if frames <= 0 or len(x) < 3:
        return x.copy()
    half = int(3 * frames)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / frames) ** 2)
    k /= k.sum()
    pad = np.concatenate([np.repeat(x[:1], half, 0), x, np.repeat(x[-1:], half, 0)])
    return np.stack([np.convolve(pad[:, j], k, mode="valid") for j in range(x.shape[1])], axis=1)


def _shake(rng: np.random.Generator, n: int, fps: float, amp_deg: float) -> np.ndarray:
    """(N, 3) smooth small rotation angles (rad) about the camera's axes: a hand holding the camera."""
    t = np.arange(n) / fps
    f = rng.uniform(*SHAKE_HZ, size=(3, 3))
    ph = rng.uniform(0.0, 2 * np.pi, size=(3, 3))
    w = rng.uniform(0.3, 1.0, size=(3, 3))
    w = w / w.sum(axis=1, keepdims=True)
    out = np.sum(w[:, :, None] * np.sin(2 * np.pi * f[:, :, None] * t[None, None] + ph[:, :, None]), axis=1)
    return np.radians(amp_deg) * out.T


def sample_camera(rng: np.random.Generator, pts: np.ndarray, fps: float, view: str | None = None,
                  hints: dict | None = None) -> Camera:
    """A random camera framed on the body landmarks ``pts`` (N, 33, 3, scene) over the sequence.

    ``hints`` (from the movement) raise the odds of set-ups typical for it: "mount_prob" and
    "mount_height_m" (a camera standing at a physical height), "crop_legs" (framed on the upper body),
    "crop" (any crop), "shake" (hand-held). Every set-up stays possible for every movement.
    The draws do not depend on ``view`` except the azimuth, so forcing a view changes only where the
    camera stands."""
    if view is not None and view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS} or None, got {view!r}")
    hints = hints or {}
    n = len(pts)
    aspect = float(ASPECTS[int(rng.choice(len(ASPECTS), p=ASPECT_WEIGHTS))])
    focal0 = float(rng.uniform(*FOCAL_RANGE["portrait" if aspect < 1 else "landscape"]))
    az_free = float(rng.uniform(-180.0, 180.0))
    az_pick = int(rng.integers(0, 4))
    az_jitter = float(rng.uniform(-VIEW_SPREAD_DEG, VIEW_SPREAD_DEG))
    elev = float(rng.uniform(*ELEVATION_DEG))
    roll = float(rng.uniform(-ROLL_DEG, ROLL_DEG))
    fill = float(rng.uniform(*FILL))
    crop_draw, crop_size, crop_margin = rng.random(), float(rng.random()), float(rng.uniform(*CROP_MARGIN))
    legs_draw, legs_cut = rng.random(), float(rng.uniform(*CROP_LEGS_CUT))
    mount_draw = rng.random()
    mount_h = float(rng.uniform(*hints.get("mount_height_m", MOUNT_HEIGHT_M)))
    shake_draw, shake_amp = rng.random(), float(rng.uniform(*SHAKE_DEG))
    shake_rng = rng.spawn(1)[0]
    crop = None
    crop_prob = float(hints.get("crop", CROP_PROB))
    if legs_draw < float(hints.get("crop_legs", CROP_LEGS_PROB)):
        crop = "legs"
    elif crop_draw < crop_prob:
        crop = "head" if crop_draw < CROP_HEAD_SHARE * crop_prob else "feet"
    crop_fill = CROP_FILL[crop][0] + crop_size * (CROP_FILL[crop][1] - CROP_FILL[crop][0]) if crop in CROP_FILL else 1.0
    moving = rng.random() < PAN_ZOOM_PROB
    zoom_end = 1.0 + float(rng.uniform(-ZOOM_CHANGE, ZOOM_CHANGE)) if moving else 1.0
    pan_end = float(rng.uniform(-PAN_DEG, PAN_DEG)) if moving else 0.0
    shake = _shake(shake_rng, n, fps, shake_amp) if shake_draw < float(hints.get("shake", SHAKE_PROB)) and n else None
    mounted = mount_draw < float(hints.get("mount_prob", MOUNT_PROB))
    if view is None:
        azimuth = az_free
        view_name = _nearest_view(azimuth)
    else:
        options = VIEW_AZIMUTHS_DEG[view]
        azimuth = options[az_pick % len(options)] + az_jitter
        view_name = view

    # aim: the middle of the body's extent (followed with a lag when the body travels)
    lo, hi = pts.min(axis=1), pts.max(axis=1)
    centre = (lo + hi) / 2
    travel = np.ptp(centre[:, :2], axis=0).max() if n else 0.0
    if travel > TRACK_TRAVEL_M:
        target = _smooth(centre, TRACK_SMOOTH_S * fps)
    else:
        target = np.repeat(((pts.reshape(-1, 3).min(0) + pts.reshape(-1, 3).max(0)) / 2)[None], n, axis=0)
    focal = focal0 * np.linspace(1.0, zoom_end, n) if n else np.zeros(0)
    want = crop_fill if crop in CROP_FILL else fill
    anchor = target.mean(axis=0)
    dist = _frame(anchor, target, pts, azimuth, elev, roll, pan_end, focal, aspect, want, bool(crop), shake)
    if mounted:  # the elevation at which a camera this high sees the body from that far
        elev = float(np.clip(np.degrees(np.arctan2(mount_h - anchor[2], dist)), *MOUNT_ELEVATION_DEG))
        dist = _frame(anchor, target, pts, azimuth, elev, roll, pan_end, focal, aspect, want, bool(crop), shake)
    cam = _camera(anchor, target, _direction(azimuth, elev), dist, roll, pan_end, focal, aspect, shake)
    img = cam.project(cam.to_camera(pts))
    if crop == "legs":  # zoom in on the upper body: the bottom edge between the hips and the knees
        hips = np.median((img[:, 23, 1] + img[:, 24, 1]) / 2)
        knees = np.median((img[:, 25, 1] + img[:, 26, 1]) / 2)
        top = np.median(img[:, :25, 1].min(axis=1))
        cut = hips + legs_cut * max(knees - hips, 0.0)
        zoom = (1.0 - 2 * crop_margin) / max(cut - top, 1e-3)
        cam.focal = cam.focal * zoom
        img = cam.project(cam.to_camera(pts))
        mid_x = np.median((img[:, 11, 0] + img[:, 12, 0] + img[:, 23, 0] + img[:, 24, 0]) / 4)
        cam.centre = cam.centre + np.array([0.5 - mid_x, crop_margin - np.median(img[:, :25, 1].min(axis=1))])
    elif crop == "feet":  # keep the top of the head a margin below the top edge
        cam.centre = cam.centre + np.array([0.0, crop_margin - np.median(img[..., 1].min(axis=1))])
    elif crop == "head":
        cam.centre = cam.centre + np.array([0.0, (1.0 - crop_margin) - np.median(img[..., 1].max(axis=1))])
    else:  # centre the swept extent
        cam.centre = cam.centre + np.array([0.5 - (img[..., 0].min() + img[..., 0].max()) / 2,
                                            0.5 - (img[..., 1].min() + img[..., 1].max()) / 2])
    cam.view, cam.azimuth_deg, cam.elevation_deg, cam.roll_deg, cam.cropped = view_name, azimuth, elev, roll, crop
    return cam


def _direction(azimuth_deg: float, elev_deg: float) -> np.ndarray:
    a, e = np.radians(azimuth_deg), np.radians(elev_deg)
    return np.array([np.cos(a) * np.cos(e), np.sin(a) * np.cos(e), np.sin(e)])


def _frame(anchor: np.ndarray, target: np.ndarray, pts: np.ndarray, azimuth: float, elev: float, roll: float,
           pan_end: float, focal: np.ndarray, aspect: float, want: float, crop: bool,
           shake: np.ndarray | None) -> float:
    """The camera distance at which the body fills ``want`` of the frame height (uncropped: with all
    it sweeps through inside the frame), never nearer than the lens allows."""
    n = len(pts)
    direction = _direction(azimuth, elev)
    every = max(1, n // FRAMING_FRAMES)  # framing looks at a subsample of frames, then checks them all

    def fits(d: float, step: int) -> bool:
        c = _camera(anchor, target[::step], direction, d, roll, pan_end, focal[::step], aspect,
                    None if shake is None else shake[::step])
        cp = c.to_camera(pts[::step])
        if cp[..., 2].min() < MIN_DEPTH_M:
            return False
        img = c.project(cp)
        return crop or (np.ptp(img[..., 0]) <= SWEEP_FILL and np.ptp(img[..., 1]) <= SWEEP_FILL)

    # the nearest distance at which the body stays in front of the camera (and, uncropped, in frame)
    lo, hi = MIN_DISTANCE_M, MAX_DISTANCE_M
    if fits(lo, every):
        hi = lo
    for _ in range(BISECT_STEPS):
        if hi / lo < BISECT_TOLERANCE:
            break
        mid = np.sqrt(lo * hi)
        lo, hi = (lo, mid) if fits(mid, every) else (mid, hi)
    nearest = hi
    # the distance at which the body fills ``want`` of the frame height (extent ~ 1 / distance)
    dist = max(nearest, 3.0)
    for _ in range(FRAMING_PASSES):
        c = _camera(anchor, target[::every], direction, dist, roll, pan_end, focal[::every], aspect,
                    None if shake is None else shake[::every])
        img = c.project(c.to_camera(pts[::every]))
        height = np.median(np.ptp(img[..., 1], axis=1))
        width = np.median(np.ptp(img[..., 0], axis=1))
        scale = max(height / want, width / MAX_WIDTH_FILL)
        dist = max(dist * float(np.clip(scale, *FRAMING_STEP)), nearest)
    while not fits(dist, 1) and dist < MAX_DISTANCE_M:  # frames between the sampled ones
        dist *= BISECT_TOLERANCE
    return dist


def _camera(anchor: np.ndarray, target: np.ndarray, direction: np.ndarray, dist: float, roll: float,
            pan_end: float, focal: np.ndarray, aspect: float, shake: np.ndarray | None = None) -> Camera:
    n = len(target)
    position = np.repeat((anchor + dist * direction)[None], n, axis=0)
    aim = target.copy()
    if pan_end:
        pan = np.radians(np.linspace(0.0, pan_end, n))
        rel = aim - position
        c, s = np.cos(pan), np.sin(pan)
        aim = position + np.stack([c * rel[:, 0] - s * rel[:, 1], s * rel[:, 0] + c * rel[:, 1], rel[:, 2]], axis=1)
    rot = _look_at(position, aim, np.radians(roll))
    if shake is not None:  # small turns about the camera's own axes (tilt, pan, roll)
        rot = _small_rotation(shake) @ rot
    return Camera(aspect, position, rot, focal.copy(), np.full((n, 2), 0.5), "", 0.0, 0.0, 0.0, None, shake)


def _small_rotation(a: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations by small angles (N, 3) about the x, y and z axes."""
    return rot_x(a[:, 0]) @ rot_y(a[:, 1]) @ rot_z(a[:, 2])


def _nearest_view(azimuth_deg: float) -> str:
    a = abs((azimuth_deg + 180.0) % 360.0 - 180.0)  # 0 front .. 180 rear
    if a < 22.5:
        return "front"
    if a > 157.5:
        return "rear"
    if 67.5 <= a <= 112.5:
        return "side"
    return "three_quarter"


def hip_depth_z(cam_pts: np.ndarray, focal: np.ndarray, aspect: float) -> np.ndarray:
    """MediaPipe's image z: depth relative to the hip midpoint, in the units of image x (width)."""
    hip = (cam_pts[:, LM["left_hip"], 2] + cam_pts[:, LM["right_hip"], 2]) / 2
    return (cam_pts[..., 2] - hip[:, None]) * focal[:, None] / (np.maximum(hip, 1e-3)[:, None] * aspect)
