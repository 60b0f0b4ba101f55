"""Build a longer session video from several clips (test fixtures and benchmarks, made on the fly).

Each clip is resampled to the output frame rate by its timestamps, letterboxed into the output size
(its proportions are kept, so the body's geometry is unchanged) and encoded with libx264 through
PyAV. Optionally a still "rest" (the clip's last frame held) separates clips. Returns the time span
of each part, which is the ground truth of the session's segmentation.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np


def _letterbox(img: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    h, w = img.shape[:2]
    s = min(width / w, height / h)
    nw, nh = max(2, int(round(w * s))), max(2, int(round(h * s)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out = np.zeros((height, width, 3), np.uint8)
    y0, x0 = (height - nh) // 2, (width - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = small
    return out


def _clip_frames(path: str, fps: float, width: int, height: int, start_s: float = 0.0, end_s: float | None = None):
    """Frames of one clip on the output time grid (nearest earlier frame), letterboxed."""
    import av

    from .frames import _rotate

    with av.open(path, metadata_errors="ignore") as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        rot = 0
        try:
            r = s.metadata.get("rotate")
            rot = (-int(float(r))) % 360 if r is not None else 0
        except (TypeError, ValueError):
            rot = 0
        first = None
        k = 0
        last = None
        for frame in c.decode(s):
            if frame.time is None:
                continue
            if first is None:
                first = frame.time
            t = frame.time - first
            if t < start_s:
                continue
            if end_s is not None and t >= end_s:
                break
            img = None
            while (k / fps) + start_s <= t + 1e-6:
                if img is None:
                    img = _letterbox(_rotate(frame.to_ndarray(format="rgb24"), rot), width, height)
                    last = img
                yield img
                k += 1
        if last is not None and end_s is None:
            return


def concat_clips(paths: Sequence[str | Path], out_path: str | Path, width: int = 1280, height: int = 720,
                 fps: float = 30.0, rest_s: float = 0.0, crf: int = 23, preset: str = "veryfast",
                 repeat: int = 1, gap: str = "blank") -> list[dict]:
    """Concatenate ``paths`` (``repeat`` times over) into ``out_path`` (H.264, ``width`` x ``height``
    at ``fps``), with ``rest_s`` seconds between clips: a plain grey card (``gap="blank"``, like a
    title card: nobody in frame) or the clip's last frame held (``"freeze"``; beware: a frozen
    push-up is a plank). Returns one dict per part: ``{"source", "start", "end"}`` (seconds in the
    output; the gaps are not exercise)."""
    import av

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    rate = Fraction(fps).limit_denominator(1001)
    parts: list[dict] = []
    n = 0
    with av.open(str(out_path), "w") as oc:
        st = oc.add_stream("libx264", rate=rate)
        st.width, st.height, st.pix_fmt = width, height, "yuv420p"
        st.options = {"crf": str(crf), "preset": preset}

        def put(img: np.ndarray) -> None:
            nonlocal n
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts = n
            for pkt in st.encode(vf):
                oc.mux(pkt)
            n += 1

        seq = [str(p) for p in paths] * max(1, int(repeat))
        for i, p in enumerate(seq):
            start = n / float(rate)
            last = None
            for img in _clip_frames(p, float(rate), width, height):
                put(img)
                last = img
            parts.append({"source": p, "start": start, "end": n / float(rate)})
            if rest_s > 0 and last is not None and i + 1 < len(seq):
                card = last if gap == "freeze" else np.full((height, width, 3), 96, np.uint8)
                for _ in range(int(round(rest_s * float(rate)))):
                    put(card)
        for pkt in st.encode():
            oc.mux(pkt)
    return parts
