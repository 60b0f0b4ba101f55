"""batchproc: resumable, dataset-scale batch processing of videos."""
from __future__ import annotations

__version__ = "0.1.0"

from .config import DecordConfig, RunConfig  # noqa: E402
from .errors import BatchprocError, LockHeld, ManifestError  # noqa: E402
from .fns.keyframes import extract_keyframes  # noqa: E402
from .loader import FrameSample, VideoLoader  # noqa: E402
from .processor import BatchVideoProcessor  # noqa: E402
from .resources import setup_hook, worker_resource  # noqa: E402
from .results import ResultsView  # noqa: E402
from .stats import ProcessingStats  # noqa: E402

__all__ = [
    "BatchVideoProcessor", "BatchprocError", "DecordConfig", "FrameSample", "LockHeld", "ManifestError",
    "ProcessingStats", "ResultsView", "RunConfig", "VideoLoader", "extract_keyframes", "setup_hook",
    "worker_resource", "__version__",
]
