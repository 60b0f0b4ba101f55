"""Features: landmarks in, named per-frame numbers out (a pure function, no video needed).

Angles come from MediaPipe's world landmarks (metres, 3-D), which makes them largely independent of
where the camera stands: a knee bent to 90 degrees reads about 90 degrees from the front and from
the side. Where the world landmarks are missing (synthetic inputs), the image landmarks with the
image aspect ratio stand in. Left and right are merged weighted by visibility, so the side of the
body turned away from the camera counts less.

Orientation features use the image, because gravity points down the image for an upright camera:
torso inclination (0 upright, 90 horizontal, 180 upside down), whether the body lies horizontally,
wrist and hip heights in torso lengths.
"""
from __future__ import annotations

import numpy as np

# MediaPipe Pose landmark indices
NOSE = 0
L_SHOULDER, R_SHOULDER = 11, 12
L_ELBOW, R_ELBOW = 13, 14
L_WRIST, R_WRIST = 15, 16
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28

FEATURE_NAMES = (
    "knee_angle", "knee_angle_min", "knee_angle_l", "knee_angle_r",
    "hip_angle", "hip_angle_l", "hip_angle_r", "hip_asym",
    "elbow_angle", "elbow_angle_min", "elbow_angle_l", "elbow_angle_r",
    "shoulder_angle", "shoulder_angle_l", "shoulder_angle_r",
    "torso_incline", "torso_incline_3d", "trunk_lying", "body_aspect", "wrist_height", "wrist_height_max", "elbow_height",
    "hip_height", "shoulder_y", "hip_y", "wrist_y", "ankle_spread", "wrist_spread",
    "foot_stagger", "torso_length", "visibility", "legs_visibility", "arms_visibility",
)


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees for arrays of points (..., D)."""
    u = a - b
    v = c - b
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    cos = np.sum(u * v, axis=-1) / np.maximum(nu * nv, 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _merge(left: np.ndarray, right: np.ndarray, wl: np.ndarray, wr: np.ndarray) -> np.ndarray:
    """Visibility-weighted mean of a left and a right measurement (NaN-safe)."""
    wl = np.where(np.isfinite(left), np.clip(wl, 1e-3, None), 0.0)
    wr = np.where(np.isfinite(right), np.clip(wr, 1e-3, None), 0.0)
    tot = wl + wr
    out = (np.nan_to_num(left) * wl + np.nan_to_num(right) * wr) / np.where(tot > 0, tot, 1.0)
    return np.where(tot > 0, out, np.nan)


def image_points(poses: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """(N, 33, 2) image coordinates with x scaled by the aspect ratio (width / height), so distances
    are in units of the image height in both directions. y points down."""
    p = np.asarray(poses, dtype=np.float64)[..., :2].copy()
    p[..., 0] *= aspect
    return p


def normalized_coords(poses: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """(N, 33, 2) coordinates centred on the mid-hip and scaled by the torso length (ML-friendly)."""
    p = image_points(poses, aspect)
    hip = p[:, [L_HIP, R_HIP]].mean(axis=1)
    return (p - hip[:, None]) / body_scale(p)[:, None, None]


def body_scale(img: np.ndarray) -> np.ndarray:
    """Per frame, a body length that survives foreshortening: the trunk's length, or the shoulders'
    width scaled to it when the trunk points at the camera (a trunk is ~1.3 shoulder widths)."""
    sh = img[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1)
    hip = img[:, [L_HIP, R_HIP]].mean(axis=1)
    torso = np.linalg.norm(sh - hip, axis=1)
    sh_w = np.linalg.norm(img[:, L_SHOULDER] - img[:, R_SHOULDER], axis=1)
    return np.maximum(np.fmax(torso, 1.3 * sh_w), 1e-6)


def compute_features(poses: np.ndarray, world: np.ndarray | None = None, aspect: float = 1.0,
                     min_visibility: float = 0.5) -> dict[str, np.ndarray]:
    """Per-frame features from (N, 33, 4) image landmarks (+ optional (N, 33, 3) world landmarks).

    All outputs are (N,) float64 arrays named as in ``FEATURE_NAMES``; NaN where there is no pose.
    """
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return _compute_features(poses, world, aspect, min_visibility)


def _compute_features(poses: np.ndarray, world: np.ndarray | None, aspect: float,
                      min_visibility: float) -> dict[str, np.ndarray]:
    poses = np.asarray(poses, dtype=np.float64)
    n = poses.shape[0]
    if n == 0:
        return {k: np.zeros(0) for k in FEATURE_NAMES}
    vis = poses[..., 3]
    img = image_points(poses, aspect)
    if world is not None:
        w = np.asarray(world, dtype=np.float64)
        # frames whose world landmarks are missing fall back to the image (z from the image model)
        fallback = ~np.isfinite(w).all(axis=(1, 2))
        img3 = np.concatenate([img, poses[..., 2:3] * aspect], axis=-1)
        pts = np.where(fallback[:, None, None], img3, w)
    else:
        pts = np.concatenate([img, poses[..., 2:3] * aspect], axis=-1)

    def ang(a, b, c):
        # an angle whose joints the model can barely see is a guess: leave it out
        out = _angle(pts[:, a], pts[:, b], pts[:, c])
        return np.where(np.min(vis[:, [a, b, c]], axis=1) >= min_visibility, out, np.nan)

    def v(*ids):
        return np.min(vis[:, list(ids)], axis=1)

    out: dict[str, np.ndarray] = {}
    # Each joint angle: left, right, and both merged by visibility (the side facing the camera wins).
    joints = {
        "knee": ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE)),
        "hip": ((L_SHOULDER, L_HIP, L_KNEE), (R_SHOULDER, R_HIP, R_KNEE)),
        "elbow": ((L_SHOULDER, L_ELBOW, L_WRIST), (R_SHOULDER, R_ELBOW, R_WRIST)),
        "shoulder": ((L_ELBOW, L_SHOULDER, L_HIP), (R_ELBOW, R_SHOULDER, R_HIP)),
    }
    for name, (left, right) in joints.items():
        a_l, a_r = ang(*left), ang(*right)
        out[f"{name}_angle_l"], out[f"{name}_angle_r"] = a_l, a_r
        out[f"{name}_angle"] = _merge(a_l, a_r, v(*left), v(*right))
    out["knee_angle_min"] = np.fmin(out["knee_angle_l"], out["knee_angle_r"])
    out["elbow_angle_min"] = np.fmin(out["elbow_angle_l"], out["elbow_angle_r"])
    out["hip_asym"] = np.abs(out["hip_angle_l"] - out["hip_angle_r"])

    sh = img[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1)
    hip = img[:, [L_HIP, R_HIP]].mean(axis=1)
    ank = img[:, [L_ANKLE, R_ANKLE]].mean(axis=1)
    d = sh - hip
    torso = np.linalg.norm(d, axis=1)
    sh_w = np.linalg.norm(img[:, L_SHOULDER] - img[:, R_SHOULDER], axis=1)
    ts = body_scale(img)  # heights in a body length that survives foreshortening
    out["torso_length"] = torso
    # inclination of hip->shoulder from image "up" (y down): 0 upright, 90 horizontal, 180 inverted
    incline_img = np.degrees(np.arccos(np.clip(-d[:, 1] / np.maximum(torso, 1e-6), -1.0, 1.0)))
    # When the trunk points at the camera (a push-up filmed head-on), the image foreshortens it and
    # it looks upright; the 3-D landmarks still see it lying. Foreshortening shows as a trunk that is
    # short next to the shoulders' width (about 1.3 : 1 when seen square on). ``trunk_lying`` blends
    # in the 3-D inclination as that ratio drops; it only serves to recognise lying positions
    # (push-up, plank), since the 3-D estimate is unreliable for upright bodies seen from close by.
    d3 = pts[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1) - pts[:, [L_HIP, R_HIP]].mean(axis=1)
    incline_3d = np.degrees(np.arccos(np.clip(-d3[:, 1] / np.maximum(np.linalg.norm(d3, axis=1), 1e-6), -1.0, 1.0)))
    ratio = torso / np.maximum(sh_w, 1e-6)
    w3 = np.clip((0.9 - ratio) / 0.4, 0.0, 1.0)
    out["torso_incline"] = incline_img
    out["torso_incline_3d"] = incline_3d
    out["trunk_lying"] = np.where(np.isfinite(incline_3d), np.fmax(incline_img, w3 * incline_3d), incline_img)
    body = img[:, [NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE]]
    span = np.nanmax(body, axis=1) - np.nanmin(body, axis=1) if n else np.zeros((0, 2))
    out["body_aspect"] = span[:, 0] / np.maximum(span[:, 1], 1e-6)  # > 1: lying, < 1: upright
    wr = img[:, [L_WRIST, R_WRIST], 1]
    out["wrist_y"] = (np.nanmean(wr, axis=1) - hip[:, 1]) / ts
    # heights in torso lengths, positive = above the shoulders
    out["wrist_height"] = (sh[:, 1] - np.nanmean(wr, axis=1)) / ts
    out["wrist_height_max"] = (sh[:, 1] - np.nanmin(wr, axis=1)) / ts
    out["elbow_height"] = (sh[:, 1] - np.nanmean(img[:, [L_ELBOW, R_ELBOW], 1], axis=1)) / ts
    # leg positions only where the feet are seen (out of frame, the model guesses them)
    feet_seen = np.min(vis[:, [L_ANKLE, R_ANKLE]], axis=1) >= min_visibility
    out["hip_height"] = np.where(feet_seen, (ank[:, 1] - hip[:, 1]) / ts, np.nan)  # hips above the ankles
    out["shoulder_y"] = sh[:, 1] / ts
    out["hip_y"] = hip[:, 1] / ts
    hip_w = np.linalg.norm(pts[:, L_HIP] - pts[:, R_HIP], axis=1)
    torso3 = np.linalg.norm(pts[:, [L_SHOULDER, R_SHOULDER]].mean(axis=1) - pts[:, [L_HIP, R_HIP]].mean(axis=1), axis=1)
    t3 = np.maximum(torso3, 1e-6)
    out["ankle_spread"] = np.where(feet_seen, np.linalg.norm(pts[:, L_ANKLE] - pts[:, R_ANKLE], axis=1) / t3, np.nan)
    out["wrist_spread"] = np.linalg.norm(pts[:, L_WRIST] - pts[:, R_WRIST], axis=1) / t3
    # front-back split of the feet: ankle separation across the line of the hips (lunges)
    hip_axis = pts[:, R_HIP] - pts[:, L_HIP]
    hip_axis = hip_axis / np.maximum(hip_w, 1e-6)[:, None]
    sep = pts[:, L_ANKLE] - pts[:, R_ANKLE]
    along = np.sum(sep * hip_axis, axis=1)[:, None] * hip_axis
    out["foot_stagger"] = np.where(feet_seen, np.linalg.norm(sep - along, axis=1) / t3, np.nan)
    out["visibility"] = np.nanmean(vis, axis=1)
    out["legs_visibility"] = np.nanmean(vis[:, [L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE]], axis=1)
    out["arms_visibility"] = np.nanmean(vis[:, [L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST]], axis=1)
    return out


# -- signal helpers shared by the stages ---------------------------------------------------------

def shot_ids(times: np.ndarray, cuts: np.ndarray | None) -> np.ndarray:
    """Which shot (between scene cuts) each time belongs to: 0, 1, 2, ..."""
    times = np.asarray(times, dtype=np.float64)
    if cuts is None or len(cuts) == 0:
        return np.zeros(len(times), dtype=int)
    return np.searchsorted(np.sort(np.asarray(cuts, dtype=np.float64)), times, side="right")


def fill_gaps(t: np.ndarray, x: np.ndarray, max_gap: float = 1.0) -> np.ndarray:
    """Linear interpolation over NaN runs no longer than ``max_gap`` seconds; longer runs stay NaN."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64).copy()
    ok = np.isfinite(x)
    if ok.sum() < 2 or ok.all():
        return x
    good = np.flatnonzero(ok)
    interp = np.interp(t, t[good], x[good])
    # distance (in time) between the good samples around each gap
    nxt = np.searchsorted(good, np.arange(len(x)))
    prv = nxt - 1
    inside = (~ok) & (prv >= 0) & (nxt < len(good))
    span = np.full(len(x), np.inf)
    span[inside] = t[good[np.clip(nxt[inside], 0, len(good) - 1)]] - t[good[np.clip(prv[inside], 0, len(good) - 1)]]
    fill = inside & (span <= max_gap)
    x[fill] = interp[fill]
    return x


def gaussian_smooth(t: np.ndarray, x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing in *time* (irregular samples allowed), NaN-aware."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if sigma <= 0 or len(x) < 3:
        return x.copy()
    ok = np.isfinite(x)
    out = np.full(len(x), np.nan)
    xv = np.where(ok, x, 0.0)
    w_ok = ok.astype(np.float64)
    # windowed sums with a kernel evaluated on the neighbours within 3 sigma
    lo = np.searchsorted(t, t - 3 * sigma)
    hi = np.searchsorted(t, t + 3 * sigma, side="right")
    for i in range(len(x)):
        if not ok[i]:
            continue
        sl = slice(lo[i], hi[i])
        k = np.exp(-0.5 * ((t[sl] - t[i]) / sigma) ** 2) * w_ok[sl]
        s = k.sum()
        if s > 0:
            out[i] = float(np.dot(k, xv[sl]) / s)
    return out


def median_filter(x: np.ndarray, k: int = 3) -> np.ndarray:
    """Running median over ``k`` samples (odd), NaN-aware; removes single-frame landmark glitches."""
    x = np.asarray(x, dtype=np.float64)
    if k < 3 or len(x) < k:
        return x.copy()
    h = k // 2
    pad = np.concatenate([np.full(h, np.nan), x, np.full(h, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, k)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(win, axis=1)
    return np.where(np.isfinite(x), med, np.nan)
