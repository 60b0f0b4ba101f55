"""Reading a run's results back without holding them all in memory."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Iterator

import pyarrow.parquet as pq

RECORD_FIELDS = ("video_id", "video_path", "status", "error_type", "error", "elapsed_s", "peak_rss_mb", "attempts")


def _record(row: dict[str, Any]) -> dict[str, Any]:
    rec = {k: row.get(k) for k in RECORD_FIELDS}
    raw = row.get("result_json")
    rec["result"] = json.loads(raw) if raw else None
    return rec


class ResultsView(Sequence):
    """The per-video records of a run (the reference's ``results["results"]``), read lazily from
    ``results.parquet``: iterating streams batches, so a million-row run fits in memory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._rows: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        if not self.path.exists():
            return 0
        return pq.ParquetFile(self.path).metadata.num_rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        cols = list(RECORD_FIELDS) + ["result_json"]
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=1024, columns=cols):
            for row in batch.to_pylist():
                yield _record(row)

    def __getitem__(self, i):  # type: ignore[override]
        if self._rows is None:
            self._rows = list(self)
        return self._rows[i]

    def to_pandas(self):
        import pandas as pd

        return pd.read_parquet(self.path)

    def __repr__(self) -> str:
        return f"ResultsView({str(self.path)!r}, {len(self)} rows)"
