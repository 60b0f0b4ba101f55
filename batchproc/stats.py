"""ProcessingStats: the numbers an operator reads after a run (and cron greps)."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ProcessingStats:
    """Counts are per unique video. ``processed``/``failed`` are this run's; ``skipped`` were done by an
    earlier run; ``total_ok``/``total_failed`` are the state of the whole dataset after this run."""

    total_videos: int = 0
    processed: int = 0
    failed: int = 0
    skipped: int = 0
    remaining: int = 0
    total_ok: int = 0
    total_failed: int = 0
    total_time: float = 0.0
    videos_per_s: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_by_type: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    interrupted: bool = False
    function: str = ""
    backend: str = "local"
    num_workers: int = 0

    @property
    def success_rate(self) -> float:
        attempted = self.processed + self.failed
        return self.processed / attempted if attempted else 1.0

    @property
    def avg_time_per_video(self) -> float:
        """Mean per-video processing time inside the workers (not wall time / videos)."""
        attempted = self.processed + self.failed
        return self.timings.get("process_s", 0.0) / attempted if attempted else 0.0

    def record(self, status: str, elapsed_s: float, decode_s: float, peak_rss_mb: float | None) -> None:
        if status == "ok":
            self.processed += 1
        else:
            self.failed += 1
        self.timings["process_s"] = self.timings.get("process_s", 0.0) + elapsed_s
        self.timings["decode_s"] = self.timings.get("decode_s", 0.0) + decode_s
        if peak_rss_mb is not None:
            self.peak_rss_mb = max(self.peak_rss_mb or 0.0, peak_rss_mb)

    def set_errors(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.errors_by_type = dict(Counter(e.get("error_type") or "unknown" for e in errors))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["success_rate"] = round(self.success_rate, 6)
        d["avg_time_per_video"] = round(self.avg_time_per_video, 6)
        d["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        return d

    def summary_line(self) -> str:
        state = "interrupted" if self.interrupted else "done"
        return (f"{state}: {self.processed} ok, {self.failed} failed, {self.skipped} skipped of {self.total_videos} "
                f"in {self.total_time:.1f} s ({self.videos_per_s:.1f} videos/s); "
                f"dataset: {self.total_ok} ok, {self.total_failed} failed, {self.remaining} remaining")
