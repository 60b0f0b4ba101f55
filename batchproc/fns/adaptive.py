"""Built-in ``adaptive``: frames where the content changes, between a minimum and a maximum count.

Why next to ``keyframes``: uniform sampling wastes frames on static stretches and misses short
scenes; for dataset precomputation (embeddings, captions, labels) frames placed by change give
more information per decoded frame. See ``batchproc/sampling.py`` for the method.
"""
from __future__ import annotations

from typing import Any

from ..loader import VideoLoader
from ..sampling import AdaptiveParams
from .keyframes import resize_max_side, video_fields


def adaptive_sample(loader: VideoLoader, min_frames: int = 8, max_frames: int = 32, max_side: int | None = None,
                    probe_fps: float = AdaptiveParams.probe_fps) -> dict[str, Any]:
    """Content-adaptive frames: ``min_frames`` for a static video, up to ``max_frames`` for a busy one,
    at least one per scene; with indices, timestamps, change scores and the detected scene cuts.

    The frames (N, H, W, 3 RGB uint8) are saved to ``artifacts/``; ``max_side`` downsizes them first.
    ``probe_fps`` sets how densely the cheap low-resolution change pass probes the video.
    """
    meta = loader.get_metadata()
    sample = loader.sample_adaptive(int(min_frames), int(max_frames), AdaptiveParams(probe_fps=float(probe_fps)))
    profile = sample.profile
    return {
        "num_frames": len(sample),
        "indices": sample.indices,
        "timestamps": [round(t, 6) for t in sample.timestamps],
        "scores": sample.scores,
        "frames": resize_max_side(sample.frames, max_side),
        "scene_cuts": profile.cuts if profile else [],
        "probes": len(profile.indices) if profile else 0,
        **video_fields(meta),
    }
