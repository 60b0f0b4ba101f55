#!/usr/bin/env python3
"""Generate small synthetic videos with exact ground truth, for batchproc's tests and demos.

Why synthetic: real clips are large, licensed and come without exact ground truth. Every clip
here is rendered from a fixed recipe, so a test knows exactly which frame it decoded (counter
clips carry their frame number as a barcode), where the scene cuts are, and how many
repetitions an exercise clip holds and when each one ends.

Usage::

    python data_samples/generate.py [--out DIR] [--only basic|fitness|all] [--force]

writes ``DIR/videos/*.mp4``, the broken inputs in ``DIR/videos/broken/``, the manifest
``DIR/videos.csv`` and, for the fitness set, ``DIR/fitness.csv``. A clip that already exists
with the right codec, size, rate and frame count is kept (``--force`` rewrites it).

The script needs only the standard library, numpy, OpenCV and PyAV, so tests load it by path
(``importlib.util.spec_from_file_location``) and call the ``make_*`` functions to render
fixtures into a temporary directory.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import math
import os
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

SEED = 20240611

# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoTruth:
    """What a generated clip is known to contain, for comparing decoders and samplers against."""

    path: Path
    num_frames: int
    fps: Fraction  # exact: frame i has timestamp i / fps
    width: int
    height: int
    codec: str  # FFmpeg decoder name: "h264" or "hevc"
    gop: int
    bframes: int
    keyframes: tuple[int, ...]  # scene-cut keyframes are disabled, so exactly every gop frames

    @property
    def duration_s(self) -> float:
        return float(self.num_frames / self.fps)

    def timestamp(self, index: int) -> Fraction:
        """Presentation time of frame ``index`` in seconds (exact)."""
        return index / self.fps


@dataclass(frozen=True)
class SceneTruth(VideoTruth):
    """A clip made of flat scenes joined by hard cuts."""

    cut_frames: tuple[int, ...]  # index of the first frame of every scene but the first


@dataclass(frozen=True)
class Segment:
    """One stretch of a workout clip: an exercise, or idle / rest / transition (reps == 0)."""

    label: str
    start_s: float
    end_s: float
    reps: int
    rep_times_s: tuple[float, ...]  # when each repetition is completed (back at the start position)


@dataclass(frozen=True)
class WorkoutTruth(VideoTruth):
    """A rendered person exercising, with the exact repetition schedule."""

    exercise: str  # "squat", "pushup", "jumping_jack", or "session" for the mixed clip
    reps: int
    rep_times_s: tuple[float, ...]
    rep_frames: tuple[int, ...]  # the frame nearest to each completion time
    segments: tuple[Segment, ...]  # cover the whole clip, in order


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------

_ENCODERS = {"h264": "libx264", "hevc": "libx265"}


def _as_rate(fps: int | float | str | Fraction) -> Fraction:
    """Frame rates stay exact fractions (30000/1001 is not 29.97) so timestamps are exact."""
    rate = Fraction(fps).limit_denominator(1001)
    if rate <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    return rate


def _video_truth(path: str | os.PathLike, num_frames: int, fps: int | float | str | Fraction,
                 size: tuple[int, int], gop: int, codec: str, bframes: int) -> dict[str, Any]:
    """Checked keyword arguments shared by every truth class."""
    width, height = size
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, got {codec!r}")
    if width % 2 or height % 2 or width < 16 or height < 16:
        raise ValueError(f"size must be even and at least 16x16 for yuv420p, got {size}")
    if num_frames < 1 or gop < 1 or bframes < 0:
        raise ValueError("num_frames and gop must be >= 1 and bframes >= 0")
    return dict(path=Path(path), num_frames=num_frames, fps=_as_rate(fps), width=width, height=height,
                codec=codec, gop=gop, bframes=bframes, keyframes=tuple(range(0, num_frames, gop)))


def _is_current(truth: VideoTruth) -> bool:
    """Whether truth.path already holds this clip (codec, size, rate, frame count), so a rerun can skip it."""
    if not truth.path.is_file():
        return False
    try:
        with av.open(str(truth.path)) as container:
            stream = container.streams.video[0]
            return (stream.codec_context.name == truth.codec and stream.width == truth.width
                    and stream.height == truth.height and stream.frames == truth.num_frames
                    and stream.average_rate == truth.fps)
    except (av.error.FFmpegError, IndexError):
        return False


def _encode(truth: VideoTruth, frames: Iterable[np.ndarray], crf: int) -> None:
    """Encode RGB frames into an MP4 at truth.path with pts = frame index in a 1/fps time base.

    Scene-cut detection is off so keyframes fall exactly every GOP, and the thread count is
    fixed because x264's output depends on it: the same recipe gives the same bytes. The file
    is written under a temporary name and renamed, so an interrupted run never leaves a
    half-written clip that a rerun would mistake for a finished one.
    """
    truth.path.parent.mkdir(parents=True, exist_ok=True)
    partial_path = truth.path.with_name(f".{truth.path.name}.partial")
    if truth.codec == "h264":
        options = {"preset": "veryfast", "crf": str(crf), "bf": str(truth.bframes), "threads": "2",
                   "x264-params": "scenecut=0"}
    else:
        options = {"preset": "fast", "crf": str(crf),
                   "x265-params": f"log-level=error:scenecut=0:open-gop=0:bframes={truth.bframes}:pools=2"}
    time_base = 1 / truth.fps
    count = 0
    with av.open(str(partial_path), mode="w", format="mp4") as container:
        stream = container.add_stream(_ENCODERS[truth.codec], rate=truth.fps, options=options)
        stream.width, stream.height, stream.pix_fmt = truth.width, truth.height, "yuv420p"
        stream.codec_context.gop_size = truth.gop
        stream.codec_context.time_base = time_base
        for count, rgb in enumerate(frames, start=1):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = count - 1, time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    if count != truth.num_frames:
        partial_path.unlink()
        raise RuntimeError(f"{truth.path.name}: recipe produced {count} frames, expected {truth.num_frames}")
    os.replace(partial_path, truth.path)


# --------------------------------------------------------------------------------------------
# Counter clips: the frame number as text and as a barcode
# --------------------------------------------------------------------------------------------

BARCODE_BITS = 16
_BARCODE_HEIGHT = 1 / 8  # of the frame height


def _barcode_cells(width: int, height: int) -> list[tuple[slice, slice]]:
    """The central part of each barcode block (most significant bit first).

    Only the middle half of each block is read: its edges are where compression blurs black
    into white. The geometry is relative to the frame, so any frame size decodes.
    """
    strip = max(4, round(height * _BARCODE_HEIGHT))
    rows = slice(strip // 4, strip - strip // 4)
    cells = []
    for bit in range(BARCODE_BITS):
        left, right = round(bit * width / BARCODE_BITS), round((bit + 1) * width / BARCODE_BITS)
        margin = (right - left) // 4
        cells.append((rows, slice(left + margin, right - margin)))
    return cells


def read_frame_number(rgb_frame: np.ndarray) -> int:
    """The frame index a counter clip drew into this decoded frame (RGB or grey, any size).

    Raises ValueError when a block is neither clearly black nor clearly white - a frame that is
    not from a counter clip, or a damaged decode - so a test never silently reads garbage.
    """
    grey = rgb_frame.mean(axis=2) if rgb_frame.ndim == 3 else rgb_frame.astype(np.float64)
    height, width = grey.shape
    value = 0
    for rows, cols in _barcode_cells(width, height):
        level = float(grey[rows, cols].mean())
        if 64 < level < 192:
            raise ValueError(f"no clean barcode in this frame (block level {level:.0f})")
        value = (value << 1) | (level >= 128)
    return value


def _counter_frame(index: int, width: int, height: int, text_scale: float) -> np.ndarray:
    """Smoothly changing background, the barcode strip on top and the number drawn large."""
    phase = 2 * math.pi * index / 120
    background = [round(128 + 80 * math.sin(phase + shift)) for shift in (0.0, 2.1, 4.2)]
    img = np.empty((height, width, 3), np.uint8)
    img[:] = background
    strip = max(4, round(height * _BARCODE_HEIGHT))
    for bit in range(BARCODE_BITS):
        left, right = round(bit * width / BARCODE_BITS), round((bit + 1) * width / BARCODE_BITS)
        on = (index >> (BARCODE_BITS - 1 - bit)) & 1
        img[:strip, left:right] = 255 if on else 0
    text = str(index)
    thickness = max(1, round(2 * text_scale))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, text_scale, thickness)
    origin = ((width - tw) // 2, strip + (height - strip + th) // 2)
    cv2.putText(img, text, origin, cv2.FONT_HERSHEY_SIMPLEX, text_scale, (0, 0, 0), thickness + 3, cv2.LINE_AA)
    cv2.putText(img, text, origin, cv2.FONT_HERSHEY_SIMPLEX, text_scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return img


def make_counter_video(path: str | os.PathLike, num_frames: int = 90, fps: int | float | str | Fraction = 30,
                       size: tuple[int, int] = (320, 240), gop: int = 30, codec: str = "h264",
                       bframes: int = 2, force: bool = False) -> VideoTruth:
    """A clip whose frame i shows the number i, drawn and as a 16-bit barcode (read_frame_number).

    Lets a test check that a decoder, a seek or a sampler returned exactly the frames it claims.
    """
    if num_frames > 1 << BARCODE_BITS:
        raise ValueError(f"the barcode holds at most {1 << BARCODE_BITS} frames")
    truth = VideoTruth(**_video_truth(path, num_frames, fps, size, gop, codec, bframes))
    if force or not _is_current(truth):
        width, height = size
        widest = "8" * len(str(num_frames - 1))
        (tw, th), _ = cv2.getTextSize(widest, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)
        scale = min(0.8 * width / tw, 0.45 * height / th)
        _encode(truth, (_counter_frame(i, width, height, scale) for i in range(num_frames)), crf=18)
    return truth


# --------------------------------------------------------------------------------------------
# Scene cuts and a static clip, for adaptive sampling
# --------------------------------------------------------------------------------------------


def _scene_painters(width: int, height: int) -> list[Callable[[int], np.ndarray]]:
    """Five looks that differ strongly in colour and texture, each with slight motion (t = frame in scene)."""
    yy, xx = np.mgrid[0:height, 0:width]
    noise = cv2.GaussianBlur(np.random.default_rng(SEED).integers(0, 256, (height * 2, width), np.uint8), (0, 0), 2)

    def red_disc(t: int) -> np.ndarray:
        img = np.full((height, width, 3), (190, 40, 40), np.uint8)
        cv2.circle(img, (width // 4 + 2 * t, height // 2), height // 5, (250, 240, 230), -1, cv2.LINE_AA)
        return img

    def stripes(t: int) -> np.ndarray:
        on = ((xx + t) // 16) % 2 == 1
        return np.where(on[..., None], np.uint8([240, 210, 40]), np.uint8([30, 50, 160]))

    def checker(t: int) -> np.ndarray:
        on = (((xx + t) // 24) + ((yy + t) // 24)) % 2 == 1
        return np.where(on[..., None], np.uint8([60, 200, 80]), np.uint8([10, 70, 30]))

    def grain(t: int) -> np.ndarray:
        return np.repeat(noise[t % height:t % height + height, :, None], 3, axis=2)

    def gradient(t: int) -> np.ndarray:
        ramp = (xx / max(width - 1, 1))[..., None]
        img = (np.float32([220, 40, 200]) * (1 - ramp) + np.float32([40, 220, 230]) * ramp).astype(np.uint8)
        cv2.rectangle(img, (width // 3, height // 3 + t), (width // 2, height // 2 + t), (20, 20, 20), -1)
        return img

    return [red_disc, stripes, checker, grain, gradient]


def make_scene_cut_video(path: str | os.PathLike, scenes: Sequence[int] = (40, 30, 50, 35, 45),
                         fps: int | float | str | Fraction = 30, size: tuple[int, int] = (320, 240),
                         gop: int = 60, codec: str = "h264", bframes: int = 2, force: bool = False) -> SceneTruth:
    """Scenes of the given lengths (frames) joined by hard cuts; each scene barely moves.

    Scene-cut keyframes are off, so the cuts fall inside GOPs: a sampler cannot find them just
    by looking at keyframes.
    """
    if not scenes or min(scenes) < 1:
        raise ValueError("scenes must be a non-empty list of positive frame counts")
    starts = np.cumsum([0, *scenes])
    truth = SceneTruth(**_video_truth(path, int(starts[-1]), fps, size, gop, codec, bframes),
                       cut_frames=tuple(int(s) for s in starts[1:-1]))
    if force or not _is_current(truth):
        painters = _scene_painters(*size)
        frames = (painters[k % len(painters)](t) for k, length in enumerate(scenes) for t in range(length))
        _encode(truth, frames, crf=23)
    return truth


def make_static_video(path: str | os.PathLike, num_frames: int = 90, fps: int | float | str | Fraction = 30,
                      size: tuple[int, int] = (320, 240), noise_std: float = 1.0, gop: int = 30,
                      codec: str = "h264", bframes: int = 2, force: bool = False) -> VideoTruth:
    """One constant picture plus faint per-frame noise: adaptive sampling's minimum case."""
    truth = VideoTruth(**_video_truth(path, num_frames, fps, size, gop, codec, bframes))
    if force or not _is_current(truth):
        width, height = size
        ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
        picture = np.float32([70, 110, 150]) * (1 - ramp) + np.float32([200, 170, 120]) * ramp
        picture = np.repeat(picture, height, axis=0)
        cv2.circle(picture, (width // 3, height // 2), height // 4, (230, 230, 90), -1, cv2.LINE_AA)
        cv2.rectangle(picture, (width // 2, height // 4), (width * 5 // 6, height * 3 // 4), (40, 60, 40), -1)
        rng = np.random.default_rng(SEED)
        frames = (np.clip(picture + rng.normal(0, noise_std, picture.shape), 0, 255).astype(np.uint8)
                  for _ in range(num_frames))
        _encode(truth, frames, crf=23)
    return truth


# --------------------------------------------------------------------------------------------
# Broken inputs
# --------------------------------------------------------------------------------------------


def _top_level_boxes(data: bytes) -> dict[str, tuple[int, int]]:
    """Offset and size of each top-level MP4 box (ftyp, mdat, moov, ...)."""
    boxes, pos = {}, 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes[kind.decode("latin-1")] = (pos, size)
        pos += size
    return boxes


def _write_bytes(path: Path, data: bytes, force: bool) -> None:
    """Write data unless the file already holds exactly it (reruns leave files untouched)."""
    if not force and path.is_file() and path.read_bytes() == data:
        return
    partial_path = path.with_name(f".{path.name}.partial")
    partial_path.write_bytes(data)
    os.replace(partial_path, path)


def make_broken_files(directory: str | os.PathLike, force: bool = False) -> dict[str, Path]:
    """Inputs that must fail cleanly, keyed by name (zero_bytes, not_a_video, truncated, corrupt, a_directory).

    truncated.mp4 keeps the first 40% of a valid clip whose moov box is at the end, so the index
    is gone; corrupt.mp4 keeps the boxes intact but overwrites the middle third of the coded
    frames (mdat) with random bytes, so the file opens and then fails or garbles while decoding.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = make_counter_video(Path(tmp) / "source.mp4", num_frames=60, gop=30)
        data = source.path.read_bytes()
    boxes = _top_level_boxes(data)
    (mdat_at, mdat_size), (moov_at, _) = boxes["mdat"], boxes["moov"]
    cut = len(data) * 2 // 5
    if moov_at < cut:
        raise RuntimeError("the muxer put moov before the cut; truncated.mp4 would still be playable")
    payload_start, payload = mdat_at + 8, mdat_size - 8
    noise_at, noise_len = payload_start + payload // 3, payload // 3
    corrupt = bytearray(data)
    corrupt[noise_at:noise_at + noise_len] = np.random.default_rng(SEED).integers(0, 256, noise_len, np.uint8).tobytes()
    files = {name: directory / f"{name}.mp4" for name in ("zero_bytes", "not_a_video", "truncated", "corrupt", "a_directory")}
    _write_bytes(files["zero_bytes"], b"", force)
    _write_bytes(files["not_a_video"], b"This is a text file with an .mp4 name, not a video.\n", force)
    _write_bytes(files["truncated"], data[:cut], force)
    _write_bytes(files["corrupt"], bytes(corrupt), force)
    files["a_directory"].mkdir(exist_ok=True)
    return files


# --------------------------------------------------------------------------------------------
# A rendered person: joint angles -> forward kinematics -> shaded ellipsoids -> pixels
#
# World units are body heights; X points right on screen, Y up, Z towards the camera; the
# floor is Y = 0. Each body part is an ellipsoid, ray-cast orthographically with a depth
# buffer and lit from the upper front, which gives correct occlusion and a rounded look from
# any heading. Proportions follow standard anthropometric tables.
# --------------------------------------------------------------------------------------------

_TORSO = 0.288  # hip joints' midpoint to the shoulder line
_NECK = 0.045
_HIP_HALF, _SHOULDER_HALF = 0.055, 0.115
_THIGH, _SHANK = 0.245, 0.246
_UPPER_ARM, _FOREARM = 0.186, 0.146
_SOLE, _HEEL, _TOE = 0.046, 0.039, 0.115  # ankle above the sole; heel behind, toe ahead of the ankle
_HEAD = (0.05, 0.065, 0.058)  # half width, half height, half depth

_SKIN, _HAIR, _SHIRT, _SHORTS, _SHOE = (226, 178, 142), (58, 40, 28), (44, 98, 178), (42, 44, 58), (236, 236, 232)
_LIPS, _EYE_WHITE, _IRIS = (168, 78, 80), (248, 248, 248), (60, 40, 30)
_WALL_TOP, _WALL_BOTTOM, _BASEBOARD = (218, 212, 200), (196, 189, 176), (235, 232, 226)
_FLOOR_FAR, _FLOOR_NEAR = (138, 106, 78), (166, 130, 96)
# Light from the upper left front, in pixel axes (right, down, towards the viewer).
_LIGHT = (np.array([-0.35, -0.55, 0.76]) / np.linalg.norm([-0.35, -0.55, 0.76])).astype(np.float32)


@dataclass(frozen=True)
class _Side:
    """Joint angles (degrees) of one body side. Flexion swings a limb forward, abduction outward."""

    hip_flex: float = 0.0
    hip_abd: float = 0.0
    knee: float = 0.0  # flexion: the shank swings back
    ankle: float = 0.0  # plantar flexion: toes down
    shoulder_flex: float = 0.0
    shoulder_abd: float = 0.0
    elbow: float = 0.0
    wrist: float = 0.0  # the hand swings forward relative to the forearm


@dataclass(frozen=True)
class _Pose:
    """Everything that places the figure: root position, heading, torso lean and joint angles."""

    root: tuple[float, float, float]  # midpoint of the hip joints, world coordinates
    yaw: float  # heading: 0 faces the camera, 90 faces screen-right
    pitch: float  # torso lean forward from vertical
    neck: float  # head tilt forward relative to the torso
    left: _Side
    right: _Side


def _lerp(a: Any, b: Any, t: float) -> Any:
    """Blend two poses (or their parts) field by field; used for transitions between motions."""
    if isinstance(a, (int, float)):
        return a + (b - a) * t
    if isinstance(a, tuple):
        return tuple(_lerp(x, y, t) for x, y in zip(a, b, strict=True))
    return type(a)(**{f.name: _lerp(getattr(a, f.name), getattr(b, f.name), t) for f in fields(a)})


def _ease(t: float) -> float:
    """0 -> 1 with zero speed at both ends, the way a body starts and stops a movement."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


def _rot_x(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rot_z(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _vec(x: float, y: float, z: float) -> np.ndarray:
    return np.array([x, y, z], dtype=np.float64)


@dataclass(frozen=True)
class _Skeleton:
    """Joint positions and the orientation of each part (columns: the part's left, up, forward axes)."""

    points: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]

    def mid(self, name: str) -> np.ndarray:
        return (self.points[f"{name}_l"] + self.points[f"{name}_r"]) / 2


def _forward_kinematics(pose: _Pose) -> _Skeleton:
    """Chain the joint rotations from the pelvis outwards. Person's left is +x of the body frame."""
    torso = _rot_y(pose.yaw) @ _rot_x(pose.pitch)
    head = torso @ _rot_x(pose.neck)
    pelvis = np.asarray(pose.root, dtype=np.float64)
    shoulder_line = pelvis + torso @ _vec(0, _TORSO, 0)
    neck_top = shoulder_line + torso @ _vec(0, _NECK, -0.005)
    points = {"pelvis": pelvis, "shoulder_line": shoulder_line, "neck_top": neck_top,
              "head": neck_top + head @ _vec(0, 0.068, 0.012)}
    frames = {"torso": torso, "head": head}
    for tag, sign, side in (("l", 1.0, pose.left), ("r", -1.0, pose.right)):
        thigh = torso @ _rot_x(-side.hip_flex) @ _rot_z(sign * side.hip_abd)
        shank = thigh @ _rot_x(side.knee)
        foot = shank @ _rot_x(side.ankle)
        upper_arm = torso @ _rot_x(-side.shoulder_flex) @ _rot_z(sign * side.shoulder_abd)
        forearm = upper_arm @ _rot_x(-side.elbow)
        hand = forearm @ _rot_x(-side.wrist)
        hip = pelvis + torso @ _vec(sign * _HIP_HALF, 0, 0)
        knee = hip + thigh @ _vec(0, -_THIGH, 0)
        ankle = knee + shank @ _vec(0, -_SHANK, 0)
        shoulder = shoulder_line + torso @ _vec(sign * _SHOULDER_HALF, -0.02, 0)
        elbow = shoulder + upper_arm @ _vec(0, -_UPPER_ARM, 0)
        wrist = elbow + forearm @ _vec(0, -_FOREARM, 0)
        points.update({f"hip_{tag}": hip, f"knee_{tag}": knee, f"ankle_{tag}": ankle,
                       f"toe_{tag}": ankle + foot @ _vec(0, -_SOLE / 2, _TOE),
                       f"shoulder_{tag}": shoulder, f"elbow_{tag}": elbow, f"wrist_{tag}": wrist})
        frames.update({f"thigh_{tag}": thigh, f"shank_{tag}": shank, f"foot_{tag}": foot,
                       f"upper_arm_{tag}": upper_arm, f"forearm_{tag}": forearm, f"hand_{tag}": hand})
    return _Skeleton(points, frames)


def _contacts(sk: _Skeleton, hands: bool) -> np.ndarray:
    """Points that can rest on the floor: heels, balls and toes of the feet, optionally palms and fingertips."""
    points = []
    for tag in "lr":
        ankle, foot = sk.points[f"ankle_{tag}"], sk.frames[f"foot_{tag}"]
        points += [ankle + foot @ _vec(0, -_SOLE, -_HEEL), ankle + foot @ _vec(0, -_SOLE, 0.75 * _TOE),
                   sk.points[f"toe_{tag}"]]
        if hands:
            wrist, hand = sk.points[f"wrist_{tag}"], sk.frames[f"hand_{tag}"]
            points += [wrist + hand @ _vec(0, -0.048, -0.014), wrist + hand @ _vec(0, -0.098, 0)]
    return np.array(points)


def _place(pose: _Pose, anchor: str, x: float, hands: bool = False) -> _Pose:
    """Move the figure so the anchor (mid 'ankle' or 'toe') is at screen position x and it stands on the floor."""
    sk = _forward_kinematics(replace(pose, root=(0.0, 0.0, 0.0)))
    at = sk.mid(anchor)
    return replace(pose, root=(x - at[0], -_contacts(sk, hands)[:, 1].min(), -at[2]))


def _settle(pose: _Pose) -> _Pose:
    """Drop or lift the figure until its lowest foot or hand touches the floor (used while blending poses)."""
    lowest = _contacts(_forward_kinematics(pose), hands=True)[:, 1].min()
    return replace(pose, root=(pose.root[0], pose.root[1] - lowest, pose.root[2]))


def _squat_pose(depth: float, yaw: float, x: float) -> _Pose:
    """Depth 0 = standing, 1 = knees at ~90 degrees: hips back and down, shins forward, arms raised forward."""
    pitch = 2 + 35 * depth  # torso lean
    thigh = 72 * depth  # thigh angle from vertical (forward)
    shin = -22 * depth  # shank angle from vertical; negative = knee ahead of the ankle
    side = _Side(hip_flex=thigh + pitch, hip_abd=4 + 5 * depth, knee=thigh - shin, ankle=shin,
                 shoulder_flex=3 + 80 * depth + pitch, shoulder_abd=7 * (1 - depth), elbow=10 - 5 * depth)
    return _place(_Pose((0.0, 0.0, 0.0), yaw, pitch, -0.7 * pitch, side, side), "ankle", x)


def _jack_pose(depth: float, yaw: float, x: float) -> _Pose:
    """Depth 0 = feet together and arms down, 1 = legs apart and hands overhead; hops between the two."""
    bend = math.sin(math.pi * depth)
    side = _Side(hip_abd=4 + 14 * depth, knee=4 * bend, shoulder_flex=3, shoulder_abd=7 + 163 * depth, elbow=10 + 8 * bend)
    pose = _place(_Pose((0.0, 0.0, 0.0), yaw, 2.0, 0.0, side, side), "ankle", x)
    hop = 0.035 * math.sin(math.pi * depth)
    return replace(pose, root=(pose.root[0], pose.root[1] + hop, pose.root[2]))


_PLANK_TOP, _PLANK_BOTTOM = 0.335, 0.19  # shoulder joint height above the floor
_HAND_AHEAD = 0.03  # hands slightly ahead of the shoulders


def _two_link_ik(y: float, z: float, first: float, second: float) -> tuple[float, float]:
    """Flexions (degrees) of a two-segment chain that reach (y, z) in its parent's sagittal plane.

    The distal joint bends forward, as an elbow does; an unreachable target is met with a
    straight chain pointing at it.
    """
    reach = min(math.hypot(y, z), first + second - 1e-9)
    direction = math.atan2(z, -y)  # angle from straight down towards forward
    inner = math.acos((first ** 2 + second ** 2 - reach ** 2) / (2 * first * second))
    offset = math.acos((first ** 2 + reach ** 2 - second ** 2) / (2 * first * reach))
    return math.degrees(direction - offset), math.degrees(math.pi - inner)


def _pushup_pose(depth: float, yaw: float, x: float) -> _Pose:
    """Depth 0 = arms straight, 1 = chest near the floor.

    The straight body pivots about the toes (so its angle follows from the shoulder height), and
    the arms are solved by inverse kinematics so the hands stay flat on the floor.
    """
    legs = _Side(hip_flex=2.0, hip_abd=3.0)
    flat = _Pose((0.0, 0.0, 0.0), yaw, 90.0, -25.0, legs, legs)
    sk = _forward_kinematics(flat)
    heading = _rot_y(yaw) @ _vec(0, 0, 1)
    toe_to_shoulder = sk.mid("shoulder") - sk.mid("toe")
    along, up = float(toe_to_shoulder @ heading), float(toe_to_shoulder[1])
    height = _PLANK_TOP + (_PLANK_BOTTOM - _PLANK_TOP) * depth
    # Raising the rigid body by an angle about the toes turns the toe-to-shoulder vector by that
    # angle, so its elevation is atan2(up, along) + angle.
    raise_by = math.asin(height / math.hypot(along, up)) - math.atan2(up, along)
    pose = _place(replace(flat, pitch=90 - math.degrees(raise_by)), "toe", x)
    sk = _forward_kinematics(pose)
    torso = sk.frames["torso"]
    sides = []
    for tag, side in (("l", pose.left), ("r", pose.right)):
        shoulder = sk.points[f"shoulder_{tag}"]
        target = shoulder + _HAND_AHEAD * heading
        target[1] = 0.014  # wrist height with the palm flat on the floor
        local = torso.T @ (target - shoulder)
        flex, elbow = _two_link_ik(local[1], local[2], _UPPER_ARM, _FOREARM)
        wrist = 90 - (flex + elbow - pose.pitch)  # turns the hand to point forward, flat
        sides.append(replace(side, shoulder_flex=flex, elbow=elbow, wrist=wrist))
    return replace(pose, left=sides[0], right=sides[1])


def _crouch_pose(yaw: float, x: float) -> _Pose:
    """Deep crouch reaching for the floor: the middle of getting down into a push-up."""
    side = _Side(hip_flex=130, hip_abd=8, knee=110, ankle=-30, shoulder_flex=75, elbow=10)
    return _place(_Pose((0.0, 0.0, 0.0), yaw, 50.0, -30.0, side, side), "ankle", x, hands=True)


@dataclass(frozen=True)
class _Ellipsoid:
    """One body part: semi-axes `radii` along the columns of the rotation `frame`.

    texture, when given, maps points of the unit sphere (3, n), in the part's own axes, to RGB.
    """

    center: np.ndarray
    frame: np.ndarray
    radii: tuple[float, float, float]
    color: tuple[int, int, int]
    texture: Callable[[np.ndarray], np.ndarray] | None = None


def _limb(start: np.ndarray, end: np.ndarray, frame: np.ndarray, radius: float,
          color: tuple[int, int, int]) -> _Ellipsoid:
    """An ellipsoid along a segment, slightly longer than it so neighbouring parts overlap at joints."""
    half = float(np.linalg.norm(end - start)) / 2 * 1.08
    return _Ellipsoid((start + end) / 2, frame, (radius, half, radius), color)


def _sphere(center: np.ndarray, radius: float, color: tuple[int, int, int]) -> _Ellipsoid:
    return _Ellipsoid(center, np.eye(3), (radius, radius, radius), color)


def _face(q: np.ndarray) -> np.ndarray:
    """Colour of the head at unit-sphere points q (3, n): hair, eyes, brows and mouth on skin."""
    x, y, z = q
    colour = np.empty((3, q.shape[1]), np.float32)
    colour[:] = np.array(_SKIN, dtype=np.float32)[:, None]
    front = z > 0.3
    eye_x = np.abs(x) - 0.36
    regions = [
        ((y > 0.45) | ((z < -0.1) & (y > -0.5)) | ((np.abs(x) > 0.85) & (y > 0.0) & (z < 0.25)), _HAIR),
        (front & ((eye_x / 0.17) ** 2 + ((y - 0.04) / 0.08) ** 2 < 1), _EYE_WHITE),
        (front & (eye_x ** 2 + (y - 0.04) ** 2 < 0.07 ** 2), _IRIS),
        (front & ((eye_x / 0.19) ** 2 + ((y - 0.22) / 0.045) ** 2 < 1), _HAIR),
        (front & ((x / 0.27) ** 2 + ((y + 0.5) / 0.07) ** 2 < 1), _LIPS),
    ]
    for mask, rgb in regions:
        colour[:, mask] = np.array(rgb, dtype=np.float32)[:, None]
    return colour


def _body(sk: _Skeleton) -> list[_Ellipsoid]:
    """The parts of the figure: head with face, neck, torso in a shirt, shorts, skin limbs, shoes."""
    p, f = sk.points, sk.frames
    torso, head = f["torso"], f["head"]
    pelvis = p["pelvis"]

    parts = [
        _Ellipsoid(p["head"], head, _HEAD, _SKIN, _face),
        _Ellipsoid(p["head"] + head @ _vec(0, -0.012, 0.055), head, (0.011, 0.02, 0.014), _SKIN),  # nose
        _Ellipsoid(p["head"] + head @ _vec(0.049, 0.0, -0.004), head, (0.008, 0.02, 0.012), _SKIN),  # ears
        _Ellipsoid(p["head"] + head @ _vec(-0.049, 0.0, -0.004), head, (0.008, 0.02, 0.012), _SKIN),
        _limb(p["shoulder_line"] - torso @ _vec(0, 0.03, 0), p["neck_top"] + head @ _vec(0, 0.03, 0), head, 0.03, _SKIN),
        _Ellipsoid(pelvis + torso @ _vec(0, 0.205, 0), torso, (0.118, 0.1, 0.068), _SHIRT),  # chest
        _Ellipsoid(pelvis + torso @ _vec(0, 0.11, 0), torso, (0.098, 0.1, 0.06), _SHIRT),  # belly
        _Ellipsoid(pelvis + torso @ _vec(0, 0.015, -0.005), torso, (0.1, 0.07, 0.066), _SHORTS),  # hips
    ]
    for tag in "lr":
        shoulder, elbow, wrist = p[f"shoulder_{tag}"], p[f"elbow_{tag}"], p[f"wrist_{tag}"]
        hip, knee, ankle = p[f"hip_{tag}"], p[f"knee_{tag}"], p[f"ankle_{tag}"]
        upper_arm, hand, thigh, foot = f[f"upper_arm_{tag}"], f[f"hand_{tag}"], f[f"thigh_{tag}"], f[f"foot_{tag}"]
        parts += [
            _sphere(shoulder, 0.04, _SHIRT),
            _limb(shoulder, shoulder + 0.45 * (elbow - shoulder), upper_arm, 0.036, _SHIRT),  # sleeve
            _limb(shoulder, elbow, upper_arm, 0.03, _SKIN),
            _sphere(elbow, 0.025, _SKIN),
            _limb(elbow, wrist, f[f"forearm_{tag}"], 0.025, _SKIN),
            _Ellipsoid(wrist + hand @ _vec(0, -0.048, 0), hand, (0.027, 0.05, 0.014), _SKIN),
            _limb(hip, hip + 0.55 * (knee - hip), thigh, 0.06, _SHORTS),
            _limb(hip, knee, thigh, 0.052, _SKIN),
            _sphere(knee, 0.04, _SKIN),
            _limb(knee, ankle, f[f"shank_{tag}"], 0.037, _SKIN),
            _Ellipsoid(ankle + foot @ _vec(0, -0.022, 0.038), foot, (0.034, 0.024, 0.077), _SHOE),
        ]
    return parts


@dataclass(frozen=True)
class _Camera:
    """Orthographic camera: world (body heights) to pixels; depth grows towards the viewer."""

    width: int
    height: int
    scale: float  # pixels per body height
    floor_v: float  # image row of the floor line under the figure

    def to_pixels(self, point: np.ndarray) -> np.ndarray:
        return np.array([self.width / 2 + self.scale * point[0], self.floor_v - self.scale * point[1],
                         self.scale * point[2]])


def _room(cam: _Camera) -> np.ndarray:
    """A plain wall with a baseboard, and a wooden floor seen slightly from above."""
    img = np.empty((cam.height, cam.width, 3), np.uint8)
    edge = int(round(cam.floor_v - 0.09 * cam.scale))
    wall = np.linspace(0, 1, edge)[:, None]
    img[:edge] = (np.array(_WALL_TOP) * (1 - wall) + np.array(_WALL_BOTTOM) * wall)[:, None, :]
    floor = np.linspace(0, 1, cam.height - edge)[:, None]
    img[edge:] = (np.array(_FLOOR_FAR) * (1 - floor) + np.array(_FLOOR_NEAR) * floor)[:, None, :]
    board = max(2, round(0.02 * cam.scale))
    img[edge - board:edge] = _BASEBOARD
    for k in range(1, 6):  # floorboard seams, spreading towards the viewer
        v = edge + round((cam.height - edge) * (k / 6) ** 1.5)
        cv2.line(img, (0, v), (cam.width, v), (120, 92, 66), 1, cv2.LINE_AA)
    return img


def _raster(img: np.ndarray, depth_buf: np.ndarray, part: _Ellipsoid, cam: _Camera) -> None:
    """Ray-cast one ellipsoid into img, keeping the nearest surface per pixel, Lambert-shaded."""
    # Pixel axes (right, down, towards the viewer) from world axes (right, up, towards the camera).
    flip = np.array([cam.scale, -cam.scale, cam.scale])
    axes = flip[:, None] * part.frame * part.radii  # columns: semi-axes in pixels
    inv = part.frame.T / np.array(part.radii)[:, None] / flip  # pixel offsets -> unit-sphere coordinates
    center = cam.to_pixels(part.center)
    half_u, half_v = math.hypot(*axes[0]), math.hypot(*axes[1])
    u0, u1 = max(int(center[0] - half_u), 0), min(int(center[0] + half_u) + 2, cam.width)
    v0, v1 = max(int(center[1] - half_v), 0), min(int(center[1] + half_v) + 2, cam.height)
    if u0 >= u1 or v0 >= v1:
        return
    du = (np.arange(u0, u1) - center[0]).astype(np.float32)[None, :]
    dv = (np.arange(v0, v1) - center[1]).astype(np.float32)[:, None]
    # Along a pixel's ray, q(s) = inv @ (du, dv, s) is on the sphere where
    # aa s^2 + 2 ab s + bb - 1 = 0; the larger root is the surface facing the camera.
    ray = inv[:, 2]
    aa = float(ray @ ray)
    gram = inv[:, :2].T @ inv[:, :2]
    ab = np.float32(ray @ inv[:, 0]) * du + np.float32(ray @ inv[:, 1]) * dv
    bb = (np.float32(gram[0, 0]) * du * du - 1) + np.float32(gram[1, 1]) * dv * dv
    bb += (np.float32(2 * gram[0, 1]) * du) * dv
    disc = ab * ab - np.float32(aa) * bb
    along = (np.sqrt(np.maximum(disc, 0)) - ab) / np.float32(aa)
    depth = along + np.float32(center[2])
    window = depth_buf[v0:v1, u0:u1]
    visible = (disc > 0) & (depth > window)
    if not visible.any():
        return
    # Unit-sphere point and (unnormalised) normal of each visible pixel, written out per
    # component: numpy's BLAS matmul is slow for 3 x n products.
    x, y, z = du.repeat(len(dv), 0)[visible], dv.repeat(len(du[0]), 1)[visible], along[visible]
    m = inv.astype(np.float32)
    q = np.stack([m[i, 0] * x + m[i, 1] * y + m[i, 2] * z for i in range(3)])
    normal = [m[0, i] * q[0] + m[1, i] * q[1] + m[2, i] * q[2] for i in range(3)]
    lit = (_LIGHT[0] * normal[0] + _LIGHT[1] * normal[1] + _LIGHT[2] * normal[2])
    shade = 0.45 + 0.55 * np.maximum(lit / np.sqrt(normal[0] ** 2 + normal[1] ** 2 + normal[2] ** 2), 0)
    colour = part.texture(q) if part.texture else np.array(part.color, dtype=np.float32)[:, None]
    img[v0:v1, u0:u1][visible] = np.clip(colour * shade, 0, 255).T.astype(np.uint8)
    window[visible] = depth[visible]


def _render_figure(pose: _Pose, cam: _Camera, room: np.ndarray) -> np.ndarray:
    """One frame: the room, a soft shadow under the figure, then the figure itself."""
    sk = _forward_kinematics(pose)
    img = room.copy()
    spread = np.array([cam.to_pixels(point)[0] for point in sk.points.values()])
    shadow_rgb = tuple(int(c * 0.72) for c in _FLOOR_NEAR)
    centre = (int(round(spread.mean() * 16)), int(round(cam.floor_v * 16)))
    axes = (int(round(((spread.max() - spread.min()) / 2 + 0.06 * cam.scale) * 16)), int(round(0.025 * cam.scale * 16)))
    cv2.ellipse(img, centre, axes, 0, 0, 360, shadow_rgb, -1, cv2.LINE_AA, shift=4)
    depth_buf = np.full((cam.height, cam.width), -np.inf, np.float32)
    # Nearest parts first: farther ones then fail the depth test early and cost less.
    for part in sorted(_body(sk), key=lambda part: -cam.to_pixels(part.center)[2]):
        _raster(img, depth_buf, part, cam)
    return img


# --------------------------------------------------------------------------------------------
# Workouts: motions over time, with the repetition schedule as ground truth
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RepTiming:
    """Seconds spent going down, holding, coming back up and resting in one repetition."""

    down: float
    hold: float
    up: float
    rest: float

    @property
    def period(self) -> float:
        return self.down + self.hold + self.up + self.rest

    @property
    def completion(self) -> float:
        return self.down + self.hold + self.up

    def depth(self, t: float) -> float:
        if t < self.down:
            return _ease(t / self.down)
        if t < self.down + self.hold:
            return 1.0
        return 1.0 - _ease((t - self.down - self.hold) / self.up)


@dataclass(frozen=True)
class _Exercise:
    """How an exercise moves (pose per depth), its tempo, and how a single-exercise clip films it."""

    pose: Callable[[float, float, float], _Pose]  # (depth, yaw, x) -> pose
    timing: _RepTiming
    yaw: float
    x: float
    size: tuple[int, int]
    figure: float  # body height as a fraction of the frame height
    floor: float  # floor line as a fraction of the frame height


_PUSHUP_TOE_X = -0.48  # centres the plank on screen
_EXERCISES = {
    "squat": _Exercise(_squat_pose, _RepTiming(0.85, 0.15, 0.85, 0.15), yaw=35, x=0.0,
                       size=(480, 640), figure=0.78, floor=0.93),
    "pushup": _Exercise(_pushup_pose, _RepTiming(0.65, 0.1, 0.65, 0.2), yaw=80, x=_PUSHUP_TOE_X,
                        size=(640, 480), figure=0.95, floor=0.85),
    "jumping_jack": _Exercise(_jack_pose, _RepTiming(0.35, 0.05, 0.35, 1 / 1.2 - 0.75), yaw=0, x=0.0,
                              size=(480, 640), figure=0.62, floor=0.93),
}
_IDLE_S = 1.0


@dataclass(frozen=True)
class _Phase:
    """A stretch of the timeline; pose_at takes seconds since the phase began."""

    label: str
    duration: float
    pose_at: Callable[[float], _Pose]
    rep_times: tuple[float, ...] = ()  # completions, seconds since the phase began


def _exercise_phase(name: str, reps: int, yaw: float, x: float) -> _Phase:
    """`reps` repetitions back to back; each is complete when the body is back at the start position."""
    ex = _EXERCISES[name]

    def pose_at(t: float) -> _Pose:
        return ex.pose(ex.timing.depth(t % ex.timing.period), yaw, x)

    completions = tuple(k * ex.timing.period + ex.timing.completion for k in range(reps))
    return _Phase(name, reps * ex.timing.period, pose_at, completions)


def _idle(name: str, yaw: float, x: float) -> Callable[[float], _Pose]:
    """The exercise's start position with a barely visible sway, so idle frames are not frozen."""
    ex = _EXERCISES[name]
    return lambda t: ex.pose(0.015 * (1 - math.cos(2 * math.pi * t / 3)), yaw, x)


def _blend(keys: Sequence[tuple[float, _Pose]]) -> Callable[[float], _Pose]:
    """Ease between key poses (time, pose), keeping the figure on the floor."""
    times = [t for t, _ in keys]

    def pose_at(t: float) -> _Pose:
        k = min(max(bisect.bisect_right(times, t), 1), len(keys) - 1)
        (t0, a), (t1, b) = keys[k - 1], keys[k]
        return _settle(_lerp(a, b, _ease((t - t0) / (t1 - t0))))

    return pose_at


def _render_workout(path: str | os.PathLike, exercise: str, phases: Sequence[_Phase], cam: _Camera,
                    fps: int | float | str | Fraction, force: bool) -> WorkoutTruth:
    """Lay the phases end to end, derive the ground truth, and render the frames if needed."""
    rate = _as_rate(fps)
    starts = np.cumsum([0.0, *(ph.duration for ph in phases)])
    num_frames = math.floor(starts[-1] * rate + 0.5)
    segments = tuple(Segment(ph.label, round(float(s), 6), round(float(s + ph.duration), 6), len(ph.rep_times),
                             tuple(round(float(s + r), 6) for r in ph.rep_times))
                     for ph, s in zip(phases, starts[:-1], strict=True))
    rep_times = tuple(t for seg in segments for t in seg.rep_times_s)
    truth = WorkoutTruth(**_video_truth(path, num_frames, rate, (cam.width, cam.height), 60, "h264", 2),
                         exercise=exercise, reps=len(rep_times), rep_times_s=rep_times,
                         rep_frames=tuple(math.floor(t * rate + 0.5) for t in rep_times), segments=segments)
    if force or not _is_current(truth):
        room = _room(cam)

        def frames() -> Iterable[np.ndarray]:
            for i in range(num_frames):
                t = float(i / rate)
                k = bisect.bisect_right(starts, t) - 1
                yield _render_figure(phases[k].pose_at(t - starts[k]), cam, room)

        _encode(truth, frames(), crf=23)
    return truth


def make_workout_video(path: str | os.PathLike, exercise: str = "squat", reps: int = 5,
                       fps: int | float | str | Fraction = 30, size: tuple[int, int] | None = None,
                       force: bool = False) -> WorkoutTruth:
    """A rendered person doing `reps` repetitions of one exercise, with 1 s of stillness before and after.

    exercise: "squat" (3/4 view, ~2 s per rep, knees to ~90 degrees), "pushup" (side view,
    1.6 s per rep) or "jumping_jack" (front view, 1.2 per second). The default size suits the
    exercise (portrait for standing ones); a different size keeps the framing proportions.
    """
    if exercise not in _EXERCISES:
        raise ValueError(f"exercise must be one of {sorted(_EXERCISES)}, got {exercise!r}")
    ex = _EXERCISES[exercise]
    width, height = size or ex.size
    cam = _Camera(width, height, ex.figure * height, ex.floor * height)
    phases = [_Phase("idle", _IDLE_S, _idle(exercise, ex.yaw, ex.x)),
              _exercise_phase(exercise, reps, ex.yaw, ex.x),
              _Phase("idle", _IDLE_S, _idle(exercise, ex.yaw, ex.x))]
    return _render_workout(path, exercise, phases, cam, fps, force)


def make_session_video(path: str | os.PathLike, squat_reps: int = 4, jack_reps: int = 6, pushup_reps: int = 5,
                       rest_s: float = 4.0, fps: int | float | str | Fraction = 30,
                       size: tuple[int, int] = (640, 480), force: bool = False) -> WorkoutTruth:
    """A short session: squats, a standing rest, jumping jacks, getting down, push-ups.

    The segments in the truth cover the clip: idle, squat, rest, jumping_jack, transition,
    pushup, idle. The figure turns during the rest and the transition, so each exercise is seen
    from the view that suits it (3/4, front, side).
    """
    width, height = size
    cam = _Camera(width, height, 0.66 * height, 0.93 * height)
    squat_yaw, jack_yaw, push_yaw = _EXERCISES["squat"].yaw, _EXERCISES["jumping_jack"].yaw, _EXERCISES["pushup"].yaw

    def rest(t: float) -> _Pose:
        return _squat_pose(0.0, squat_yaw + (jack_yaw - squat_yaw) * _ease((t - 1.0) / max(rest_s - 2.0, 0.5)), 0.0)

    get_down = _blend([(0.0, _jack_pose(0.0, jack_yaw, 0.0)), (0.8, _squat_pose(0.0, push_yaw, 0.0)),
                       (1.8, _crouch_pose(push_yaw, 0.05)), (3.0, _pushup_pose(0.0, push_yaw, _PUSHUP_TOE_X))])
    phases = [_Phase("idle", _IDLE_S, _idle("squat", squat_yaw, 0.0)),
              _exercise_phase("squat", squat_reps, squat_yaw, 0.0),
              _Phase("rest", rest_s, rest),
              _exercise_phase("jumping_jack", jack_reps, jack_yaw, 0.0),
              _Phase("transition", 3.0, get_down),
              _exercise_phase("pushup", pushup_reps, push_yaw, _PUSHUP_TOE_X),
              _Phase("idle", _IDLE_S, _idle("pushup", push_yaw, _PUSHUP_TOE_X))]
    return _render_workout(path, "session", phases, cam, fps, force)


# --------------------------------------------------------------------------------------------
# The sample set, the manifests and the command line
# --------------------------------------------------------------------------------------------

MANIFEST_COLUMNS = ("video_id", "video_path", "kind", "exercise", "true_reps", "notes")
UNICODE_NAME = "clip with spaces é ü 中.mp4"


@dataclass(frozen=True)
class _Row:
    video_id: str
    video_path: str
    kind: str
    exercise: str = ""
    true_reps: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class _Clip:
    """One generated clip of a set: its manifest id, file name, kind and recipe."""

    video_id: str
    filename: str
    kind: str
    make: Callable[..., VideoTruth]  # called as make(path, force=...)


_BASIC = (
    _Clip("counter_gop30", "counter_gop30.mp4", "counter", partial(make_counter_video, num_frames=150, gop=30)),
    _Clip("counter_gop250", "counter_gop250.mp4", "counter", partial(make_counter_video, num_frames=180, gop=250)),
    _Clip("counter_ntsc_nobf", "counter_ntsc_nobf.mp4", "counter",
          partial(make_counter_video, num_frames=90, fps=Fraction(30000, 1001), size=(320, 180), gop=15, bframes=0)),
    _Clip("counter_hevc", "counter_hevc.mp4", "counter",
          partial(make_counter_video, num_frames=60, fps=25, gop=25, codec="hevc")),
    _Clip("unicode_name", UNICODE_NAME, "counter", partial(make_counter_video, num_frames=60, gop=30)),
    _Clip("scenes_4cuts", "scenes_4cuts.mp4", "scenes", make_scene_cut_video),
    _Clip("static", "static.mp4", "static", make_static_video),
)
_FITNESS = (
    _Clip("workout_squat", "workout_squat.mp4", "workout", partial(make_workout_video, exercise="squat", reps=5)),
    _Clip("workout_pushup", "workout_pushup.mp4", "workout", partial(make_workout_video, exercise="pushup", reps=6)),
    _Clip("workout_jumping_jack", "workout_jumping_jack.mp4", "workout",
          partial(make_workout_video, exercise="jumping_jack", reps=8)),
    _Clip("workout_session", "workout_session.mp4", "session", make_session_video),
)
_SETS = {"basic": _BASIC, "fitness": _FITNESS}
_BROKEN_NOTES = {
    "zero_bytes": "empty file",
    "not_a_video": "a text file named .mp4",
    "truncated": "first 40% of a valid mp4 (moov at the end is missing)",
    "corrupt": "valid mp4 with the middle third of mdat overwritten by random bytes",
    "a_directory": "a directory named like a video",
}


def _times(values: Iterable[float]) -> str:
    return ";".join(f"{v:.3f}" for v in values)


def _row(clip: _Clip, truth: VideoTruth) -> _Row:
    """A manifest row with the ground truth a human (or a quick check) needs, in notes."""
    video = (f"{truth.width}x{truth.height} {truth.codec} {float(truth.fps):.3f} fps, {truth.num_frames} frames, "
             f"GOP {truth.gop}, {truth.bframes} B-frames")
    path = f"videos/{clip.filename}"
    if isinstance(truth, WorkoutTruth):
        if truth.exercise == "session":
            exercise = "+".join(seg.label for seg in truth.segments if seg.reps)
            parts = [f"{s.label} {s.start_s:.2f}-{s.end_s:.2f}s" + (f" x{s.reps}" if s.reps else "")
                     for s in truth.segments]
            notes = f"{video}; segments: " + ", ".join(parts)
        else:
            exercise = truth.exercise
            notes = f"{video}; reps complete at {_times(truth.rep_times_s)} s"
        return _Row(clip.video_id, path, clip.kind, exercise, truth.reps, notes)
    if isinstance(truth, SceneTruth):
        return _Row(clip.video_id, path, clip.kind, notes=f"{video}; cuts at frames {';'.join(map(str, truth.cut_frames))}")
    detail = {"counter": "frame index drawn and barcoded (read_frame_number)",
              "static": "one picture + faint noise"}[clip.kind]
    if clip.filename == UNICODE_NAME:
        detail += "; file name with spaces and non-ASCII characters"
    return _Row(clip.video_id, path, clip.kind, notes=f"{video}; {detail}")


def _identity(path: Path) -> tuple[int, int] | None:
    """Inode and mtime: they change when a clip is rewritten (written elsewhere, then renamed)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _build_set(name: str, out: Path, force: bool) -> list[_Row]:
    rows = []
    for clip in _SETS[name]:
        path = out / "videos" / clip.filename
        before = _identity(path)
        started = time.perf_counter()
        truth = clip.make(path, force=force)
        if _identity(path) == before:
            status = "up to date"
        else:
            status = f"wrote {path.stat().st_size / 1024:7.1f} KiB in {time.perf_counter() - started:5.2f} s"
        print(f"  videos/{clip.filename}: {status}", flush=True)
        rows.append(_row(clip, truth))
    if name == "basic":
        broken = make_broken_files(out / "videos" / "broken", force=force)
        rows += [_Row(vid, f"videos/broken/{path.name}", "broken", notes=_BROKEN_NOTES[vid]) for vid, path in broken.items()]
        rows += [_Row("empty_path", "", "broken", notes="empty video_path cell"),
                 _Row("missing", "videos/does_not_exist.mp4", "broken", notes="path to a file that does not exist")]
    return rows


def _write_manifest(path: Path, rows: Sequence[_Row]) -> None:
    partial_path = path.with_name(f".{path.name}.partial")
    with partial_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        for r in rows:
            writer.writerow([r.video_id, r.video_path, r.kind, r.exercise, "" if r.true_reps is None else r.true_reps, r.notes])
    os.replace(partial_path, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output folder (default: the folder of this script)")
    parser.add_argument("--only", choices=("basic", "fitness", "all"), default="all", help="which set to generate")
    parser.add_argument("--force", action="store_true", help="rewrite files even when they are up to date")
    args = parser.parse_args(argv)
    out: Path = args.out
    selected = set(_SETS) if args.only == "all" else {args.only}
    started = time.perf_counter()
    rows: dict[str, list[_Row]] = {}
    for name, clips in _SETS.items():
        # A set that was not asked for is still listed when its clips are already there.
        if name in selected or all((out / "videos" / c.filename).is_file() for c in clips):
            print(f"{name} set:", flush=True)
            rows[name] = _build_set(name, out, args.force and name in selected)
    _write_manifest(out / "videos.csv", [r for name in _SETS for r in rows.get(name, [])])
    if "fitness" in rows:
        _write_manifest(out / "fitness.csv", rows["fitness"])
    total = sum(p.stat().st_size for p in (out / "videos").rglob("*") if p.is_file())
    print(f"done in {time.perf_counter() - started:.1f} s; videos/ holds {total / 2 ** 20:.2f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
