"""Decoding for pose: cheap for the frames pose never sees, RGB only for the ones it does.

The engine's ``VideoLoader.iter_frames`` converts every requested frame to RGB, which is what a
generic function wants. Pose analysis needs something narrower, and cheaper:

* it samples by *time* (an analysis rate that may change while the video plays), so any decoded
  frame near the wanted time will do. That lets the decoder skip non-reference frames
  (``skip_frame=NONREF``: B-frames no other frame depends on), which roughly halves H.264 decode
  time and costs at most a frame or two of timing jitter, measured with the true timestamps;
* only the frames handed to pose are converted to RGB (and shrunk to ``max_side``);
* every decoded frame leaves a tiny luma thumbnail difference, from which scene cuts are found
  (the main-subject tracker and the segmenter need them) at no measurable cost.

A time range can be decoded on its own (seek to the keyframe before it), so one long video can be
split into chunks that run in parallel pose lanes. Any PyAV failure makes the caller fall back to
``VideoLoader.iter_frames`` (and through it to the other decoders).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np


@dataclass
class StreamInfo:
    """What the demux pass learns: every frame's time (display order) and the keyframe times."""

    pts: np.ndarray  # presentation timestamps (stream time base), sorted: display order
    time_base: float
    key_times: np.ndarray  # seconds from the first frame
    fps: float
    rotation: int = 0

    @property
    def times(self) -> np.ndarray:
        """Seconds from the first frame, display order (index = frame position)."""
        return (self.pts - self.pts[0]) * self.time_base

    @property
    def num_frames(self) -> int:
        return len(self.times)


def probe(path: str, rotation: int = 0) -> StreamInfo:
    """Demux (no decoding) to learn every frame's timestamp; cheap even for hour-long files."""
    import av

    pts: list[int] = []
    keys: list[int] = []
    with av.open(path, metadata_errors="ignore") as c:
        s = c.streams.video[0]
        tb = float(s.time_base) if s.time_base else None
        rate = s.average_rate or s.guessed_rate
        fps = float(rate) if rate else 0.0
        broken = False
        for pkt in c.demux(s):
            if pkt.size == 0:
                continue
            if pkt.pts is None:
                broken = True
                continue
            pts.append(pkt.pts)
            if pkt.is_keyframe:
                keys.append(pkt.pts)
    if not pts or tb is None:
        raise RuntimeError("no packet timestamps")
    p = np.sort(np.asarray(pts, dtype=np.int64))
    times = (p - p[0]) * tb
    if broken or fps <= 0:
        fps = (len(times) - 1) / times[-1] if len(times) > 1 and times[-1] > 0 else 30.0
    key_times = np.sort((np.asarray(keys, dtype=np.int64) - p[0]) * tb) if keys else np.array([0.0])
    return StreamInfo(pts=p, time_base=tb, key_times=key_times, fps=fps, rotation=rotation)


class RateSchedule:
    """Which decoded frames go to pose: the first frame at or after each target time, targets
    ``interval`` apart. ``interval`` may be changed at any moment (from another thread) by a rate
    controller; the change applies from the next target."""

    def __init__(self, fps: float, start: float = 0.0):
        self.interval = 1.0 / float(fps)
        self.next_t = float(start)

    def set_fps(self, fps: float) -> None:
        self.interval = 1.0 / float(fps)

    def want(self, t: float, half_frame: float) -> bool:
        if t + half_frame < self.next_t:
            return False
        self.next_t += self.interval
        if self.next_t <= t:  # fell behind (skipped frames, a gap): re-anchor
            self.next_t = t + self.interval
        return True


@dataclass
class Decoded:
    index: int
    t: float
    image: np.ndarray


@dataclass
class CutTrace:
    """Luma-thumbnail difference between consecutive decoded frames (time of the later frame)."""

    times: list[float] = field(default_factory=list)
    diffs: list[float] = field(default_factory=list)


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    r = rotation % 360
    return img if r == 0 else np.ascontiguousarray(np.rot90(img, k=r // 90))


def _resize(img: np.ndarray, max_side: int | None) -> np.ndarray:
    if not max_side:
        return img
    h, w = img.shape[:2]
    s = max_side / max(h, w)
    if s >= 1:
        return img
    import cv2

    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _luma_thumb(frame) -> np.ndarray:
    pl = frame.planes[0]
    a = np.frombuffer(pl, np.uint8).reshape(-1, pl.line_size)[: frame.height, : frame.width]
    step = max(1, max(frame.height, frame.width) // 64)
    return a[::step, ::step].astype(np.float32)


def decode_range(path: str, info: StreamInfo, schedule: RateSchedule, t_start: float = 0.0,
                 t_end: float = float("inf"), max_side: int | None = 640, skip_nonref: bool = True,
                 threads: int = 1, cuts: CutTrace | None = None,
                 stop: threading.Event | None = None) -> Iterator[Decoded]:
    """Decode frames with ``t_start <= t < t_end`` (display times from ``info``) and yield, as RGB,
    those the schedule wants. Non-reference frames are skipped when ``skip_nonref``."""
    import av

    times = info.times
    half = 0.5 / info.fps if info.fps > 0 else 0.0
    first_pos = int(np.searchsorted(times, t_start - 1e-6))
    if first_pos >= len(times):
        return
    pos_of = {int(v): i for i, v in enumerate(info.pts)}
    first_pts = int(info.pts[0])
    tb = info.time_base
    with av.open(path, metadata_errors="ignore") as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO" if threads > 1 else "SLICE"
        s.thread_count = max(1, threads)
        if skip_nonref:
            s.codec_context.skip_frame = "NONREF"
        if t_start > 0:
            k = info.key_times[info.key_times <= t_start + 1e-6]
            kt = float(k[-1]) if len(k) else 0.0
            if kt > 0:
                c.seek(first_pts + int(round(kt / tb)), stream=s, backward=True, any_frame=False)
        prev_thumb = None
        for frame in c.decode(s):
            if stop is not None and stop.is_set():
                return
            if frame.pts is None:
                continue
            t = (int(frame.pts) - first_pts) * tb
            pos = pos_of.get(int(frame.pts))
            if pos is None:
                pos = int(np.clip(np.searchsorted(times, t - half), 0, len(times) - 1))
            if t < t_start - half:
                continue
            if t >= t_end - half:
                return
            if cuts is not None:
                th = _luma_thumb(frame)
                if prev_thumb is not None and th.shape == prev_thumb.shape:
                    cuts.times.append(t)
                    cuts.diffs.append(float(np.mean(np.abs(th - prev_thumb))))
                prev_thumb = th
            if schedule.want(t, half):
                img = frame.to_ndarray(format="rgb24")
                img = _resize(_rotate(img, info.rotation), max_side)
                yield Decoded(pos, t, img)


def threaded(gen: Iterator[Decoded], maxsize: int = 6, on_time: Callable[[float], None] | None = None) -> Iterator[Decoded]:
    """Run a frame generator in a background thread (decode overlaps pose; both release the GIL)."""
    import queue

    q: queue.Queue = queue.Queue(maxsize=maxsize)
    done = object()
    err: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        t_busy = 0.0
        try:
            while True:
                t0 = time.perf_counter()
                item = next(gen, done)
                t_busy += time.perf_counter() - t0
                if stop.is_set():
                    break
                q.put(item)
                if item is done:
                    break
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer
            err.append(e)
            q.put(done)
        finally:
            if on_time is not None:
                on_time(t_busy)

    th = threading.Thread(target=work, name="fitness-decode", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is done:
                break
            yield item
        if err:
            raise err[0]
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except Exception:  # noqa: BLE001
                pass
            th.join(timeout=0.05)
