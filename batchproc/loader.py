"""VideoLoader: the one object a process function receives.

It opens lazily (a function that never touches frames never opens or decodes the file), checks
the path first so a bad path fails with a specific error type, and tries the decoders in the
configured order so a file one decoder cannot open goes to the next.

Sampling: ``sample_uniform`` and ``sample_fps`` pick indices, ``sample_adaptive`` puts frames where
the content changes (see ``sampling.py``); all of them decode only what they need (the decoder
seeks to the keyframe before each wanted frame unless decoding forward is cheaper).

Threads: ``loader.threads`` is this worker's thread budget (cores / workers, or
``DecordConfig.num_threads``). The decoder receives it; other native pools a process function
starts (MediaPipe/TFLite, OpenCV) should take it from there so workers x threads fits the machine.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from .config import DecordConfig, threads_per_worker
from .decoders import Decoder, VideoMetadata, open_decoder
from .errors import (
    DECODE_ERROR,
    EMPTY_FILE,
    FILE_NOT_FOUND,
    INVALID_PATH,
    NOT_A_FILE,
    PERMISSION_DENIED,
    UNSUPPORTED_VIDEO,
    VideoError,
)
from .sampling import AdaptiveParams, change_scores, find_cuts, probe_positions, select_frames, thumb_size

log = logging.getLogger(__name__)


@dataclass
class FrameSample:
    """Frames with where they came from: ``frames[k]`` is frame ``indices[k]`` at ``timestamps[k]`` s."""

    frames: np.ndarray
    indices: list[int]
    timestamps: list[float]
    scores: list[float] = field(default_factory=list)  # adaptive sampling: the change at each frame
    profile: "ChangeProfile | None" = None  # adaptive sampling: the measured change curve

    def __len__(self) -> int:
        return len(self.indices)


@dataclass
class ChangeProfile:
    """How much the picture changes over a video: ``scores[k]`` (0..1) is the change from probe
    frame ``indices[k-1]`` to ``indices[k]``; ``cuts`` are the probe frames that start a new scene."""

    indices: list[int]
    timestamps: list[float]
    scores: list[float]
    cuts: list[int] = field(default_factory=list)


@dataclass
class Frame:
    index: int
    timestamp: float
    image: np.ndarray


def check_path(path: str) -> None:
    """Fail early, with the precise reason, for paths no decoder could ever read."""
    if not path or not str(path).strip():
        raise VideoError(INVALID_PATH, "the video path is empty")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise VideoError(FILE_NOT_FOUND, f"file not found: {path}") from None
    except PermissionError:
        raise VideoError(PERMISSION_DENIED, f"permission denied: {path}") from None
    except OSError as e:
        raise VideoError(INVALID_PATH, f"cannot stat {path}: {e.strerror}") from None
    import stat as _stat

    if _stat.S_ISDIR(st.st_mode):
        raise VideoError(NOT_A_FILE, f"is a directory, not a video file: {path}")
    if not _stat.S_ISREG(st.st_mode):
        raise VideoError(NOT_A_FILE, f"not a regular file: {path}")
    if st.st_size == 0:
        raise VideoError(EMPTY_FILE, f"file is empty (0 bytes): {path}")
    if not os.access(path, os.R_OK):
        raise VideoError(PERMISSION_DENIED, f"permission denied: {path}")


class VideoLoader:
    """Lazy access to one video's metadata and frames."""

    def __init__(
        self,
        path: str | os.PathLike,
        video_id: str | None = None,
        row: dict[str, Any] | None = None,
        config: DecordConfig | None = None,
        threads: int | None = None,
    ):
        self.path = os.fspath(path) if path is not None else ""
        self.video_id = video_id if video_id is not None else os.path.basename(self.path)
        self.row: dict[str, Any] = dict(row or {})
        self.config = config or DecordConfig()
        self.threads = threads or threads_per_worker(1, self.config.num_threads)
        self._decoder: Decoder | None = None
        self._failed: dict[str, str] = {}
        self._failed_types: set[str] = set()
        self.decode_s = 0.0  # time spent inside decoders, reported as a stage timing

    # -- opening -----------------------------------------------------------------------------
    def _open(self) -> Decoder:
        if self._decoder is not None:
            return self._decoder
        check_path(self.path)
        for name in self.config.decoder_order():
            if name in self._failed:
                continue
            try:
                self._decoder = open_decoder(name, self.path, self.threads, self.config.device, self.config.device_id)
                return self._decoder
            except VideoError as e:
                self._failed[name] = str(e)
                self._failed_types.add(e.error_type)
            except ImportError as e:
                self._failed[name] = f"{name} is not installed ({e})"
        # A decoder that recognised the codec as one it cannot decode is the most precise diagnosis.
        etype = UNSUPPORTED_VIDEO if UNSUPPORTED_VIDEO in self._failed_types else DECODE_ERROR
        raise VideoError(etype, "no decoder could open it: " + "; ".join(self._failed.values()))

    def _switch_decoder(self, error: VideoError) -> Decoder:
        """The current decoder failed mid-way: hand the file to the next decoder that opens it."""
        assert self._decoder is not None
        self._failed[self._decoder.name] = str(error)
        self._decoder.close()
        self._decoder = None
        try:
            return self._open()
        except VideoError:
            raise VideoError(error.error_type, "; ".join(f"{k}: {v}" for k, v in self._failed.items())) from None

    @property
    def decoder_name(self) -> str:
        return self._open().name

    # -- metadata ----------------------------------------------------------------------------
    def get_metadata(self) -> VideoMetadata:
        return self._open().metadata()

    def timestamps(self, indices: Sequence[int]) -> list[float]:
        return self._open().timestamps(list(indices))

    # -- frames ------------------------------------------------------------------------------
    def iter_frames(self, indices: Sequence[int]) -> Iterator[Frame]:
        """Frames one at a time in ascending index order: memory stays at one frame."""
        return self._decode(indices, lambda dec, todo: dec.iter_frames(todo))

    def iter_thumbnails(self, indices: Sequence[int], size: tuple[int, int]) -> Iterator[Frame]:
        """Small RGB frames (``size`` = width, height), cheaper than full frames: for analysis passes."""
        return self._decode(indices, lambda dec, todo: dec.iter_thumbnails(todo, size))

    def _decode(self, indices: Sequence[int], how) -> Iterator[Frame]:
        """Run ``how(decoder, indices)``, timing it into ``decode_s``; on a decode error the frames
        not yet delivered go to the next decoder."""
        done: set[int] = set()
        while True:
            dec = self._open()
            try:
                it = how(dec, [i for i in indices if i not in done])
                while True:
                    t0 = time.perf_counter()
                    item = next(it, None)
                    self.decode_s += time.perf_counter() - t0
                    if item is None:
                        return
                    i, ts, img = item
                    done.add(i)
                    yield Frame(i, ts, img)
            except VideoError as e:
                if e.error_type != DECODE_ERROR:
                    raise
                self._switch_decoder(e)

    def get_frames(self, indices: Sequence[int]) -> np.ndarray:
        """Frames as one (N, H, W, 3) RGB uint8 array, in the order asked (repeats allowed)."""
        idx = [int(i) for i in indices]
        if not idx:
            m = self.get_metadata()
            return np.zeros((0, m.height, m.width, 3), dtype=np.uint8)
        got = {f.index: f.image for f in self.iter_frames(idx)}
        return np.stack([got[i] for i in idx])

    def _sample(self, indices: list[int]) -> FrameSample:
        frames = list(self.iter_frames(indices))
        if not frames:
            m = self.get_metadata()
            return FrameSample(np.zeros((0, m.height, m.width, 3), np.uint8), [], [])
        return FrameSample(np.stack([f.image for f in frames]), [f.index for f in frames], [f.timestamp for f in frames])

    def keyframe_indices(self) -> list[int]:
        """Positions of the keyframes (where decoding starts cheaply); [] when the decoder cannot tell."""
        return self._open().keyframes()

    def uniform_indices(self, n: int) -> list[int]:
        """n indices spread evenly, each at the middle of its stretch (never the often-damaged last frame)."""
        total = self.get_metadata().num_frames
        if total <= 0 or n <= 0:
            return []
        n = min(n, total)
        return sorted({min(total - 1, int((k + 0.5) * total / n)) for k in range(n)})

    def sample_uniform(self, n: int) -> FrameSample:
        return self._sample(self.uniform_indices(n))

    def fps_indices(self, fps: float, max_frames: int | None = None) -> list[int]:
        """Indices of the frames nearest to t = 0, 1/fps, 2/fps, ... (exact for variable frame rate)."""
        if fps <= 0:
            raise ValueError("fps must be positive")
        m = self.get_metadata()
        if m.num_frames <= 0:
            return []
        times = np.asarray(self.timestamps(range(m.num_frames)), dtype=float)
        if np.isnan(times).any() or len(times) == 0:
            times = np.arange(m.num_frames) / (m.fps or 1.0)
        want = np.arange(0.0, times[-1] + 1e-9, 1.0 / fps)
        pos = np.clip(np.searchsorted(times, want), 0, len(times) - 1)
        prev = np.clip(pos - 1, 0, len(times) - 1)
        nearest = np.where(np.abs(times[prev] - want) <= np.abs(times[pos] - want), prev, pos)
        idx = sorted(set(int(i) for i in nearest))
        if max_frames is not None and len(idx) > max_frames:
            pick = np.linspace(0, len(idx) - 1, max_frames).round().astype(int)
            idx = [idx[i] for i in pick]
        return idx

    def sample_fps(self, fps: float, max_frames: int | None = None) -> FrameSample:
        return self._sample(self.fps_indices(fps, max_frames))

    def change_profile(self, max_frames: int = 32, params: AdaptiveParams | None = None) -> ChangeProfile:
        """The cheap low-resolution pass of adaptive sampling: probe frames (snapped to keyframes
        where possible) decoded as thumbnails, scored by how much each differs from the last."""
        p = params or AdaptiveParams()
        m = self.get_metadata()
        probes = probe_positions(m.num_frames, m.fps, self.keyframe_indices(), max_frames, p)
        thumbs = list(self.iter_thumbnails(probes, thumb_size(m.width, m.height, p.thumb_width)))
        if not thumbs:
            return ChangeProfile([], [], [])
        scores = [round(float(x), 6) for x in change_scores(np.stack([f.image for f in thumbs]))]
        idx = [f.index for f in thumbs]
        cuts = [idx[j] for j in np.flatnonzero(find_cuts(np.asarray(scores), p))]
        return ChangeProfile(idx, [f.timestamp for f in thumbs], scores, cuts)

    def sample_adaptive(self, min_frames: int = 8, max_frames: int = 32, params: AdaptiveParams | None = None) -> FrameSample:
        """Frames where the content changes: ``min_frames`` for a static video, up to ``max_frames``
        for a busy one, at least one per scene (scene cuts permitting). Deterministic per file.

        ``scores`` holds each returned frame's change score; ``profile`` the whole measured curve.
        """
        p = params or AdaptiveParams()
        profile = self.change_profile(max_frames, p)
        sel = select_frames(profile.indices, profile.scores, int(min_frames), int(max_frames),
                            self.get_metadata().num_frames, p)
        sample = self._sample(sel.indices)
        sample.scores = sel.scores
        sample.profile = profile
        return sample

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None

    def __enter__(self) -> "VideoLoader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VideoLoader(video_id={self.video_id!r}, path={self.path!r})"
