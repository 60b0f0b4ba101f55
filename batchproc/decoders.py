"""Decoder backends behind one interface: PyAV, decord and OpenCV.

Why three: each fails on different files, and the loader hands a file a decoder cannot open to
the next one before the row fails. PyAV is first by default because it was measured fastest for
sequential decoding and it exposes packet timestamps and keyframe flags, which give frame-exact
seeking for sparse access (decode only from the keyframe before each wanted frame).
"""
from __future__ import annotations

import bisect
import logging
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Iterator, Sequence

import numpy as np

from .errors import DECODE_ERROR, VideoError

log = logging.getLogger(__name__)


@dataclass
class VideoMetadata:
    """What a video is, read from its container without decoding frames."""

    duration: float
    fps: float
    num_frames: int
    width: int
    height: int
    codec: str
    rotation: int = 0
    decoder: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def __getitem__(self, key: str):  # reference code indexes metadata like a dict
        return getattr(self, key)


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a decoded frame upright from its display-matrix rotation (degrees counter-clockwise)."""
    r = rotation % 360
    if r == 0:
        return img
    return np.ascontiguousarray(np.rot90(img, k=r // 90))


class Decoder:
    """One open video. ``iter_frames`` yields (index, timestamp_s, rgb) for sorted unique indices."""

    name = "base"

    def metadata(self) -> VideoMetadata:
        raise NotImplementedError

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        fps = self.metadata().fps or 1.0
        return [i / fps for i in indices]

    def iter_frames(self, indices: Sequence[int]) -> Iterator[tuple[int, float, np.ndarray]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class PyAVDecoder(Decoder):
    """FFmpeg through PyAV, with a packet index for exact frame positions and keyframe seeks."""

    name = "pyav"

    def __init__(self, path: str, threads: int = 1):
        import av

        self._av = av
        self.path = path
        self.threads = max(1, threads)
        self.container = self._open()
        self._meta: VideoMetadata | None = None
        self._pts: list[int] | None = None  # presentation timestamps in display order
        self._keys: list[int] = []  # positions (display order) of keyframes
        self._pos_of: dict[int, int] = {}

    def _open(self):
        try:
            c = self._av.open(self.path, metadata_errors="ignore")
        except self._av.error.FFmpegError as e:
            raise VideoError(DECODE_ERROR, f"pyav cannot open it: {e.strerror or e}") from None
        if not c.streams.video:
            c.close()
            raise VideoError(DECODE_ERROR, "pyav: the file has no video stream")
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        s.thread_count = self.threads
        return c

    @property
    def stream(self):
        return self.container.streams.video[0]

    def _rotation(self) -> int:
        s = self.stream
        try:
            rot = s.metadata.get("rotate")
            if rot is not None:
                return (-int(float(rot))) % 360
        except (TypeError, ValueError):
            pass
        try:  # FFmpeg >= 6 exposes the display matrix as side data
            for sd in getattr(s, "side_data", {}) or {}:
                if "DISPLAYMATRIX" in str(sd).upper():
                    val = s.side_data[sd]
                    return int(round(float(val))) % 360
        except Exception:  # noqa: BLE001 - side data layout varies between PyAV versions
            pass
        return 0

    def _build_index(self) -> None:
        """Demux (no decoding) to learn every frame's pts and which frames are keyframes."""
        if self._pts is not None:
            return
        pts: list[int] = []
        keys: set[int] = set()
        c = self._av.open(self.path, metadata_errors="ignore")
        try:
            s = c.streams.video[0]
            for pkt in c.demux(s):
                if pkt.size == 0:
                    continue
                if pkt.pts is None:
                    pts = []
                    break
                pts.append(pkt.pts)
                if pkt.is_keyframe:
                    keys.add(pkt.pts)
        except self._av.error.FFmpegError as e:
            log.debug("demux of %s stopped early: %s", self.path, e)
        finally:
            c.close()
        pts.sort()
        self._pts = pts
        self._pos_of = {p: i for i, p in enumerate(pts)}
        self._keys = [self._pos_of[p] for p in sorted(keys)] or ([0] if pts else [])

    def metadata(self) -> VideoMetadata:
        if self._meta is None:
            s = self.stream
            cc = s.codec_context
            rate = s.average_rate or s.guessed_rate or Fraction(0)
            fps = float(rate) if rate else 0.0
            n = int(s.frames or 0)
            if n <= 0:
                self._build_index()
                n = len(self._pts or [])
            if s.duration is not None and s.time_base:
                duration = float(s.duration * s.time_base)
            elif self.container.duration:
                duration = self.container.duration / 1_000_000
            else:
                duration = n / fps if fps else 0.0
            rot = self._rotation()
            w, h = cc.width, cc.height
            if rot % 180 == 90:
                w, h = h, w
            self._meta = VideoMetadata(duration, fps, n, w, h, cc.name, rot, self.name)
        return self._meta

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        self._build_index()
        s = self.stream
        if not self._pts or not s.time_base:
            return super().timestamps(indices)
        start = self._pts[0]
        out = []
        for i in indices:
            if 0 <= i < len(self._pts):
                out.append(float((self._pts[i] - start) * s.time_base))
            else:
                out.append(float("nan"))
        return out

    def iter_frames(self, indices: Sequence[int]) -> Iterator[tuple[int, float, np.ndarray]]:
        targets = sorted(set(int(i) for i in indices))
        if not targets:
            return
        self._build_index()
        rot = self.metadata().rotation
        if not self._pts:
            yield from self._iter_sequential(targets, rot)
            return
        n = len(self._pts)
        bad = [t for t in targets if t < 0 or t >= n]
        if bad:
            raise VideoError(DECODE_ERROR, f"frame index {bad[0]} is out of range (the video has {n} frames)")
        s = self.stream
        tb = s.time_base
        start = self._pts[0]
        frames = None
        cur = -1
        for t in targets:
            k = self._keys[max(0, bisect.bisect_right(self._keys, t) - 1)]
            if frames is None or t <= cur or k > cur:
                # A keyframe lies between here and the target: seeking skips the frames between.
                self.container.seek(self._pts[k], stream=s, backward=True, any_frame=False)
                frames = self._decode()
                cur = -1
            got = False
            for frame in frames:
                pos = self._pos_of.get(frame.pts) if frame.pts is not None else None
                if pos is None:
                    # Decoder timestamps do not match the packet index (rare muxing quirks): be exact the slow way.
                    yield from self._iter_sequential([x for x in targets if x >= t], rot)
                    return
                cur = pos
                if pos == t:
                    yield t, float((frame.pts - start) * tb), _rotate(frame.to_ndarray(format="rgb24"), rot)
                    got = True
                    break
                if pos > t:
                    break
            if not got:
                raise VideoError(DECODE_ERROR, f"frame {t} could not be decoded (damaged or truncated video)")

    def _decode(self):
        try:
            for frame in self.container.decode(self.stream):
                yield frame
        except self._av.error.FFmpegError as e:
            raise VideoError(DECODE_ERROR, f"pyav decode failed: {e.strerror or e}") from None

    def _iter_sequential(self, targets: list[int], rot: int) -> Iterator[tuple[int, float, np.ndarray]]:
        self.container.seek(0)
        want = iter(targets)
        t = next(want, None)
        fps = self.metadata().fps or 1.0
        pos = -1
        for pos, frame in enumerate(self._decode()):
            if t is None:
                return
            if pos == t:
                ts = float(frame.time) if frame.time is not None else pos / fps
                yield pos, ts, _rotate(frame.to_ndarray(format="rgb24"), rot)
                t = next(want, None)
        if t is not None:
            raise VideoError(DECODE_ERROR, f"frame {t} could not be decoded (the video ended after {pos + 1} frames)")

    def close(self) -> None:
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - closing a broken container must not mask the real error
            pass


class DecordDecoder(Decoder):
    """decord's VideoReader: the reference decoder, random access by index."""

    name = "decord"

    def __init__(self, path: str, threads: int = 1, device: str = "cpu", device_id: int = 0):
        import decord

        ctx = decord.gpu(device_id) if device in ("gpu", "cuda") else decord.cpu(0)
        try:
            self.vr = decord.VideoReader(path, ctx=ctx, num_threads=max(1, threads))
        except Exception as e:  # decord raises DECORDError or RuntimeError
            raise VideoError(DECODE_ERROR, f"decord cannot open it: {str(e).splitlines()[0][:200]}") from None
        if len(self.vr) == 0:
            raise VideoError(DECODE_ERROR, "decord: the video has no frames")
        self._meta: VideoMetadata | None = None

    def metadata(self) -> VideoMetadata:
        if self._meta is None:
            n = len(self.vr)
            fps = float(self.vr.get_avg_fps() or 0.0)
            h, w = self.vr[0].shape[:2]
            self.vr.seek(0)
            self._meta = VideoMetadata(n / fps if fps else 0.0, fps, n, int(w), int(h), "", 0, self.name)
        return self._meta

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        try:
            return [float(self.vr.get_frame_timestamp(int(i))[0]) for i in indices]
        except Exception:  # noqa: BLE001 - fall back to nominal times
            return super().timestamps(indices)

    def iter_frames(self, indices: Sequence[int]) -> Iterator[tuple[int, float, np.ndarray]]:
        targets = sorted(set(int(i) for i in indices))
        n = len(self.vr)
        bad = [t for t in targets if t < 0 or t >= n]
        if bad:
            raise VideoError(DECODE_ERROR, f"frame index {bad[0]} is out of range (the video has {n} frames)")
        ts = self.timestamps(targets)
        for start in range(0, len(targets), 32):  # bounded batches keep memory flat
            chunk = targets[start : start + 32]
            try:
                arr = self.vr.get_batch(chunk).asnumpy()
            except Exception as e:  # noqa: BLE001
                raise VideoError(DECODE_ERROR, f"decord decode failed: {str(e).splitlines()[0][:200]}") from None
            for j, t in enumerate(chunk):
                yield t, ts[start + j], arr[j]


class OpenCVDecoder(Decoder):
    """OpenCV's VideoCapture: the last resort; sequential grab for exact positions."""

    name = "opencv"

    def __init__(self, path: str, threads: int = 1):
        import cv2

        self.cv2 = cv2
        self.path = path
        self.cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
        if not self.cap.isOpened():
            raise VideoError(DECODE_ERROR, "opencv cannot open it")
        self._meta: VideoMetadata | None = None

    def metadata(self) -> VideoMetadata:
        if self._meta is None:
            c = self.cv2
            n = int(self.cap.get(c.CAP_PROP_FRAME_COUNT) or 0)
            fps = float(self.cap.get(c.CAP_PROP_FPS) or 0.0)
            w = int(self.cap.get(c.CAP_PROP_FRAME_WIDTH))
            h = int(self.cap.get(c.CAP_PROP_FRAME_HEIGHT))
            four = int(self.cap.get(c.CAP_PROP_FOURCC))
            codec = "".join(chr((four >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 ").lower()
            self._meta = VideoMetadata(n / fps if fps else 0.0, fps, n, w, h, codec, 0, self.name)
        return self._meta

    def iter_frames(self, indices: Sequence[int]) -> Iterator[tuple[int, float, np.ndarray]]:
        targets = sorted(set(int(i) for i in indices))
        self.cap.set(self.cv2.CAP_PROP_POS_FRAMES, 0)
        fps = self.metadata().fps or 1.0
        pos = -1
        for t in targets:
            while pos < t:
                if not self.cap.grab():
                    raise VideoError(DECODE_ERROR, f"frame {t} could not be decoded (opencv stopped at frame {pos + 1})")
                pos += 1
            ok, bgr = self.cap.retrieve()
            if not ok:
                raise VideoError(DECODE_ERROR, f"frame {t} could not be decoded by opencv")
            yield t, t / fps, self.cv2.cvtColor(bgr, self.cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        self.cap.release()


def open_decoder(name: str, path: str, threads: int, device: str = "cpu", device_id: int = 0) -> Decoder:
    if name == "pyav":
        return PyAVDecoder(path, threads)
    if name == "decord":
        return DecordDecoder(path, threads, device, device_id)
    if name == "opencv":
        return OpenCVDecoder(path, threads)
    raise ValueError(f"unknown decoder {name!r}")
