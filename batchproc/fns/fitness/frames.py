"""Decoding for pose: cheap for the frames pose never sees, RGB only for the ones it does.

The engine's ``VideoLoader.iter_frames`` converts every requested frame to RGB, which is what a
generic function wants. Pose analysis needs something narrower, and cheaper:

* it samples by *time* (an analysis rate that may change while the video plays), so any decoded
  frame near the wanted time will do. That lets the decoder skip non-reference frames
  (``skip_frame=NONREF``: B-frames no other frame depends on), which roughly halves H.264 decode
  time and costs at most a frame or two of timing jitter, measured with the true timestamps;
* only the frames handed to pose are converted to RGB (and shrunk to ``max_side``), and the
  deblocking filter is skipped (``fast``), which pose at 256 px cannot tell from the real thing;
* every decoded frame leaves a tiny luma thumbnail difference, from which scene cuts are found
  (the main-subject tracker and the segmenter need them) at no measurable cost.

A time range can be decoded on its own (seek to the keyframe before it), so one long video can be
split into chunks that run in parallel pose lanes. Any PyAV failure makes the caller fall back to
``VideoLoader.iter_frames`` (and through it to the other decoders).

Reproducibility: which frames are decoded, skipped and sampled is a pure function of the file and the
parameters, never of thread timing. Decoding runs in a background thread ahead of pose, and the
adaptive rate is decided in the pose thread from the poses it has seen; the two meet only through
:class:`RateFeedback`, which gives the decode thread, for a frame at time ``t``, the rate the controller
had after exactly the sampled frames up to ``t - lag_s`` (waiting for pose to get there if need be).
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
    ``interval`` apart. ``set_fps`` changes the interval from the next target on. Owned by the thread
    that decodes (a rate controller in the pose thread reaches it only through :class:`RateFeedback`)."""

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


RATE_LAG_S = 1.0  # video seconds between a rate decision's last input frame and the frames it governs


class RateFeedback:
    """The adaptive rate, handed from the pose thread to the decode thread without a race.

    The decode thread runs ahead of pose. Were it to read whatever rate the controller had reached at
    that moment, the frames sampled (and the decoder's frame skipping) would depend on how far ahead it
    happened to be: on load and timing. Instead, the rate that applies to a decoded frame at time ``t``
    is the controller's rate after it has seen exactly the sampled frames at or before ``t - lag_s``,
    which is a pure function of the video and the parameters. The decode thread waits for pose to get
    that far only when it is more than ``lag_s`` of video ahead (rare: the frame queue between the two
    is shorter); a decision therefore takes effect ``lag_s`` after the frame that prompted it.

    Pose side: the controller calls ``set_fps`` (as it would on a :class:`RateSchedule`), and
    ``processed()`` follows every frame pose was handed, in order. Decode side: ``fps_at(t)`` before
    deciding about the frame at ``t``, ``delivered(t)`` for every frame handed to pose. ``close()``
    releases a decode thread that waits on a pose thread that has stopped.
    """

    def __init__(self, fps: float, lag_s: float = RATE_LAG_S):
        self.lag_s = float(lag_s)
        self.initial = float(fps)
        self.fps = float(fps)  # the controller's latest decision (pose side)
        self.interval = 1.0 / self.fps
        self.wait_s = 0.0  # time the decode thread spent waiting for pose (not decoding)
        self._after: list[float] = []  # the rate after the k-th frame pose processed
        self._sent: list[float] = []  # times of the frames handed to pose
        self._k = 0  # frames handed to pose at or before the latest ``t - lag_s`` asked about
        self._cond = threading.Condition()
        self._closed = False

    # -- pose side --
    def set_fps(self, fps: float) -> None:
        self.fps = float(fps)
        self.interval = 1.0 / self.fps

    def processed(self) -> None:
        with self._cond:
            self._after.append(self.fps)
            self._cond.notify_all()

    # -- decode side --
    def delivered(self, t: float) -> None:
        self._sent.append(float(t))

    def fps_at(self, t: float) -> float:
        horizon = float(t) - self.lag_s
        while self._k < len(self._sent) and self._sent[self._k] <= horizon:
            self._k += 1
        n = self._k
        if n == 0:
            return self.initial
        if len(self._after) < n:
            t0 = time.perf_counter()
            with self._cond:
                while len(self._after) < n and not self._closed:
                    self._cond.wait(0.5)
            self.wait_s += time.perf_counter() - t0
            if len(self._after) < n:  # closed: pose stopped, nothing decoded from here on is used
                return self._after[-1] if self._after else self.initial
        return self._after[n - 1]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass
class Decoded:
    index: int
    t: float
    image: np.ndarray
    cut: bool = False  # a scene cut happened since the previous frame handed to pose


@dataclass
class CutTrace:
    """Luma-thumbnail difference between consecutive decoded frames (time of the later frame)."""

    times: list[float] = field(default_factory=list)
    diffs: list[float] = field(default_factory=list)


from ...decoders import _rotate  # noqa: E402  (one rotation rule for loader and fitness)


def _resize(img: np.ndarray, max_side: int | None) -> np.ndarray:
    if not max_side:
        return img
    h, w = img.shape[:2]
    s = max_side / max(h, w)
    if s >= 1:
        return img
    import cv2

    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def frame_rgb(frame, rotation: int = 0, max_side: int | None = None) -> np.ndarray:
    """A decoded frame as upright RGB, its longer side at most ``max_side``. A large shrink (1080p
    and up) is done by swscale during the colour conversion (area averaging, ~2x cheaper than
    converting at full size and resizing); a small one by OpenCV after it."""
    w, h = frame.width, frame.height
    if max_side:
        sc = max_side / max(w, h)
        if sc < 0.5:
            tw, th = max(2, round(w * sc)), max(2, round(h * sc))
            img = np.ascontiguousarray(frame.reformat(width=tw, height=th, format="rgb24", interpolation="AREA").to_ndarray())
            return _rotate(img, rotation)
    return _resize(_rotate(frame.to_ndarray(format="rgb24"), rotation), max_side)


def _luma_thumb(frame) -> np.ndarray:
    pl = frame.planes[0]
    a = np.frombuffer(pl, np.uint8).reshape(-1, pl.line_size)[: frame.height, : frame.width]
    step = max(1, max(frame.height, frame.width) // 64)
    return a[::step, ::step].astype(np.float32)


def decode_range(path: str, info: StreamInfo, schedule: RateSchedule, t_start: float = 0.0,
                 t_end: float = float("inf"), max_side: int | None = 640, skip_nonref: bool = True,
                 threads: int = 1, cuts: CutTrace | None = None,
                 stop: threading.Event | None = None, fast: bool = True,
                 feedback: RateFeedback | None = None) -> Iterator[Decoded]:
    """Decode frames with ``t_start <= t < t_end`` (display times from ``info``) and yield, as RGB,
    those the schedule wants. Non-reference frames are skipped when ``skip_nonref``. With
    ``feedback``, the schedule's rate follows an adaptive controller in the consumer's thread,
    deterministically (see :class:`RateFeedback`)."""
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
        if fast:
            # no deblocking filter: ~20 % less decode time; the block edges it would smooth are
            # invisible once the frame is shrunk for the 256 px pose model
            s.codec_context.options = {"skip_loop_filter": "all"}
        skip = SkipPolicy(skip_nonref)
        s.codec_context.skip_frame = "NONREF" if skip.skipping else "DEFAULT"
        if t_start > 0:
            k = info.key_times[info.key_times <= t_start + 1e-6]
            kt = float(k[-1]) if len(k) else 0.0
            if kt > 0:
                c.seek(first_pts + int(round(kt / tb)), stream=s, backward=True, any_frame=False)
        prev_thumb = None
        cut_pending = False
        cur_fps = None
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
            if feedback is not None:
                fps = feedback.fps_at(t)
                if fps != cur_fps:
                    schedule.set_fps(fps)
                    cur_fps = fps
            if skip.update(t, schedule.interval):
                s.codec_context.skip_frame = "NONREF" if skip.skipping else "DEFAULT"
            if cuts is not None:
                th = _luma_thumb(frame)
                if prev_thumb is not None and th.shape == prev_thumb.shape:
                    diff = float(np.mean(np.abs(th - prev_thumb)))
                    recent = cuts.diffs[-15:]
                    # the same test as analysis.detect_cuts, online: tell pose to re-detect
                    if diff > 12.0 and diff > 4.0 * max(float(np.median(recent)) if recent else 0.0, 1.0):
                        cut_pending = True
                    cuts.times.append(t)
                    cuts.diffs.append(diff)
                prev_thumb = th
            if schedule.want(t, half):
                img = frame_rgb(frame, info.rotation, max_side)
                if feedback is not None:
                    feedback.delivered(t)
                yield Decoded(pos, t, img, cut_pending)
                cut_pending = False


class SkipPolicy:
    """When to let the decoder skip non-reference frames.

    Skipping is only worth it while the frames that remain are still dense enough for the analysis
    rate: in streams whose B-frames are all non-reference (I P B B B P ...), skipping leaves one frame
    in four or five, fewer than pose needs at 6-15 fps. So: while skipping, watch the spacing of the
    decoded frames; when it exceeds half the sampling interval, decode everything; skip again once
    the interval has grown to well above the spacing that skipping gave. Every input (frame times,
    the schedule's interval) is reproducible, so the frames decoded are too.
    """

    def __init__(self, enabled: bool):
        self.enabled = bool(enabled)
        self.skipping = self.enabled
        self._last_t: float | None = None
        self._gaps: list[float] = []
        self.ref_gap: float | None = None  # typical spacing of decoded frames while skipping

    def update(self, t: float, interval: float) -> bool:
        """Record a decoded frame at ``t``; returns True when skipping should be switched."""
        if not self.enabled:
            return False
        changed = False
        if self.skipping:
            if self._last_t is not None:
                self._gaps.append(t - self._last_t)
                self._gaps = self._gaps[-12:]
                if len(self._gaps) >= 6:
                    self.ref_gap = float(np.median(self._gaps))
                    if self.ref_gap > 0.5 * interval:
                        self.skipping, changed = False, True
        elif self.ref_gap is not None and self.ref_gap * 1.2 <= 0.5 * interval:
            self.skipping, changed = True, True
            self._gaps = []
        self._last_t = t
        return changed


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


# -- choosing the analysis rate from the movement's own period -----------------------------------

# signals watched by the rate controller: (feature, amplitude that counts as a real movement)
_RATE_SIGNALS = (("knee_angle", 25.0), ("elbow_angle_l", 25.0), ("elbow_angle_r", 25.0),
                 ("shoulder_angle", 30.0), ("wrist_height", 0.4), ("torso_incline", 20.0),
                 ("ankle_spread", 0.3), ("hip_height", 0.3))


def _ang(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = a - b, c - b
    d = float(np.sqrt((u @ u) * (v @ v)))
    return float(np.degrees(np.arccos(np.clip((u @ v) / d, -1.0, 1.0)))) if d > 0 else float("nan")


def rate_signals(lm: np.ndarray, aspect: float = 1.0) -> np.ndarray:
    """The ``_RATE_SIGNALS`` of one frame's landmarks, computed directly (this runs in the pose loop
    for every frame, so it avoids the general feature code's overhead; same definitions)."""
    p = np.asarray(lm, dtype=np.float64)
    xy = p[:, :2] * (aspect, 1.0)
    xyz = np.concatenate([xy, p[:, 2:3] * aspect], axis=1)
    sh, hp, an = xy[[11, 12]].mean(0), xy[[23, 24]].mean(0), xy[[27, 28]].mean(0)
    d = sh - hp
    torso = float(np.hypot(*d))
    scale = max(torso, 1.3 * float(np.hypot(*(xy[11] - xy[12]))), 1e-6)
    torso3 = max(float(np.linalg.norm(xyz[[11, 12]].mean(0) - xyz[[23, 24]].mean(0))), 1e-6)
    knee = np.nanmean([_ang(xyz[23], xyz[25], xyz[27]), _ang(xyz[24], xyz[26], xyz[28])])
    return np.array([
        knee,
        _ang(xyz[11], xyz[13], xyz[15]),
        _ang(xyz[12], xyz[14], xyz[16]),
        np.nanmean([_ang(xyz[13], xyz[11], xyz[23]), _ang(xyz[14], xyz[12], xyz[24])]),
        (sh[1] - xy[[15, 16], 1].mean()) / scale,
        float(np.degrees(np.arccos(np.clip(-d[1] / max(torso, 1e-6), -1.0, 1.0)))),
        float(np.linalg.norm(xyz[27] - xyz[28])) / torso3,
        (an[1] - hp[1]) / scale,
    ])


def cycle_period(t: np.ndarray, x: np.ndarray, min_amplitude: float, min_cycles: int = 2) -> float | None:
    """Period (s) of the cycles in a short window of samples, by hysteresis crossings of the
    midline (robust with few samples per cycle); None unless the signal moves by ``min_amplitude``
    through at least ``min_cycles`` regular cycles (landmark jitter is neither)."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    if ok.sum() < 5:
        return None
    t, x = t[ok], x[ok]
    # a 3-sample running median removes single-frame landmark glitches (cheap: this runs in the
    # pose loop)
    x = np.concatenate([x[:1], np.median(np.stack([x[:-2], x[1:-1], x[2:]]), axis=0), x[-1:]])
    lo, hi = np.percentile(x, [10, 90])
    amp = hi - lo
    if amp < min_amplitude:
        return None
    mid = (lo + hi) / 2
    band = 0.3 * amp
    state = 0
    ups: list[float] = []
    for ti, xi in zip(t, x):
        if xi > mid + band and state <= 0:
            if state < 0:
                ups.append(ti)
            state = 1
        elif xi < mid - band and state >= 0:
            state = -1
    if len(ups) < min_cycles + 1:
        return None
    d = np.diff(ups)
    if d.max() > 1.6 * d.min():  # irregular: not one rhythmic movement
        return None
    return float(np.median(d))


class AdaptiveRate:
    """Sets the analysis rate from the movement seen so far: ``cycle_samples`` samples per cycle of
    the fastest significant movement in the last ``window_s`` seconds, between ``min_fps`` and
    ``max_fps``. It speeds up at once and slows down only once the fast movement has been gone for a
    whole window. ``observe`` is called with each analysed frame's landmarks, in frame order (from the
    pose thread); every decision is a function of those alone. ``schedule`` is whatever takes the
    decisions (``set_fps``): a :class:`RateSchedule` in one thread, a :class:`RateFeedback` across two.
    """

    def __init__(self, schedule: RateSchedule | RateFeedback, min_fps: float = 5.0, max_fps: float = 15.0,
                 cycle_samples: float = 8.0, window_s: float = 6.0, aspect: float = 1.0,
                 update_every_s: float = 0.5):
        self.schedule = schedule
        self.min_fps, self.max_fps = float(min_fps), float(max_fps)
        self.cycle_samples = float(cycle_samples)
        self.window_s = float(window_s)
        self.aspect = float(aspect)
        self.update_every_s = float(update_every_s)
        self._t: list[float] = []
        self._x: list[np.ndarray] = []
        self._last_update = -np.inf
        self._fast_until = -np.inf
        self.fps = self.min_fps
        self.history: list[tuple[float, float]] = [(0.0, self.fps)]
        schedule.set_fps(self.fps)

    def observe(self, t: float, landmarks: np.ndarray | None, world: np.ndarray | None = None) -> None:
        row = np.full(len(_RATE_SIGNALS), np.nan) if landmarks is None else rate_signals(landmarks, self.aspect)
        self._t.append(float(t))
        self._x.append(row)
        while self._t and self._t[0] < t - self.window_s:
            self._t.pop(0)
            self._x.pop(0)
        if t - self._last_update < self.update_every_s:
            return
        self._last_update = t
        tt = np.asarray(self._t)
        xx = np.asarray(self._x)
        periods = [cycle_period(tt, xx[:, j], amp) for j, (_, amp) in enumerate(_RATE_SIGNALS)]
        periods = [p for p in periods if p is not None]
        want = self.min_fps
        if periods:
            want = float(np.clip(self.cycle_samples / min(periods), self.min_fps, self.max_fps))
        if want >= self.fps:
            if want > self.fps:
                self._fast_until = t + self.window_s
            self._set(t, want)
        elif t >= self._fast_until:
            self._set(t, want)

    def _set(self, t: float, fps: float) -> None:
        if abs(fps - self.fps) > 0.25:
            self.fps = fps
            self.schedule.set_fps(fps)
            self.history.append((float(t), float(fps)))
