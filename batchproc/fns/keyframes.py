"""Built-in ``keyframes``: N frames spread uniformly over the video."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..loader import VideoLoader


def resize_max_side(frames: np.ndarray, max_side: int | None) -> np.ndarray:
    """Shrink frames so the longer side is at most ``max_side`` (keeps artifacts small for ML)."""
    if not max_side or frames.size == 0:
        return frames
    h, w = frames.shape[1:3]
    scale = max_side / max(h, w)
    if scale >= 1:
        return frames
    import cv2

    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def extract_keyframes(loader: VideoLoader, num_frames: int = 16, max_side: int | None = None) -> dict[str, Any]:
    """Uniform keyframes: ``num_frames`` frames at evenly spaced positions, with indices and timestamps.

    The frames (N, H, W, 3 RGB uint8) are saved to ``artifacts/`` and referenced from the result;
    ``max_side`` downsizes them first.
    """
    meta = loader.get_metadata()
    sample = loader.sample_uniform(int(num_frames))
    frames = resize_max_side(sample.frames, max_side)
    return {
        "num_keyframes": len(sample),
        "indices": sample.indices,
        "timestamps": [round(t, 6) for t in sample.timestamps],
        "frames": frames,
        **video_fields(meta),
    }


def video_fields(meta) -> dict[str, Any]:
    """The video's own facts every frame-sampling result carries, under the same names."""
    return {"duration": meta.duration, "fps": meta.fps, "video_frames": meta.num_frames,
            "width": meta.width, "height": meta.height, "codec": meta.codec}
