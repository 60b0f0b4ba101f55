"""Where outcomes go: buffered into numbered Parquet parts, each committed to the checkpoint, and at
the end merged into the final outputs.

Commit order (DESIGN.md): part to a temporary name, fsync, rename; then the checkpoint the same
way. A crash between the two leaves a part numbered past ``parts_committed``; it is removed on
resume and its videos run again. The committed parts are the truth about what is done.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from .atomic import atomic_write, atomic_write_json
from .checkpoint import Checkpoint, CheckpointState
from .stats import ProcessingStats
from .worker import Outcome

log = logging.getLogger(__name__)

FIXED_COLUMNS = ["video_id", "video_path", "status", "error_type", "error", "elapsed_s", "peak_rss_mb", "attempts"]
INTERNAL_COLUMNS = ["result_json", "part"]
MAX_TYPED_COLUMNS = 200
MAX_ERRORS_IN_STATS = 10_000

BASE_SCHEMA = pa.schema([
    ("video_id", pa.string()), ("video_path", pa.string()), ("status", pa.string()),
    ("error_type", pa.string()), ("error", pa.string()), ("elapsed_s", pa.float64()),
    ("peak_rss_mb", pa.float64()), ("attempts", pa.int32()),
])


def part_name(n: int) -> str:
    return f"part-{n:08d}.parquet"


def _scalar_columns(results: Sequence[dict[str, Any] | None]) -> dict[str, pa.Array]:
    """Typed columns for each top-level scalar of the results (named ``result_<key>`` on a clash)."""
    keys: dict[str, None] = {}
    for r in results:
        if r:
            for k, v in r.items():
                if v is None or isinstance(v, (bool, int, float, str)):
                    keys.setdefault(k)
    cols: dict[str, pa.Array] = {}
    for k in list(keys)[:MAX_TYPED_COLUMNS]:
        vals = [r.get(k) if r else None for r in results]
        vals = [v if v is None or isinstance(v, (bool, int, float, str)) else None for v in vals]
        name = f"result_{k}" if k in FIXED_COLUMNS or k in INTERNAL_COLUMNS or k.startswith("result_") else k
        try:
            cols[name] = pa.array(vals)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            cols[name] = pa.array([None if v is None else str(v) for v in vals], pa.string())
    return cols


def outcomes_to_table(outcomes: Sequence[Outcome], part: int) -> pa.Table:
    data: dict[str, Any] = {c: [getattr(o, c) for o in outcomes] for c in FIXED_COLUMNS}
    arrays = [pa.array(data[f.name], f.type) for f in BASE_SCHEMA]
    names = list(BASE_SCHEMA.names)
    for name, arr in _scalar_columns([o.result for o in outcomes]).items():
        names.append(name)
        arrays.append(arr)
    names += INTERNAL_COLUMNS
    arrays.append(pa.array([None if o.result is None else json.dumps(o.result, ensure_ascii=False) for o in outcomes], pa.string()))
    arrays.append(pa.array([part] * len(outcomes), pa.int32()))
    return pa.Table.from_arrays(arrays, names=names)


def unified_schema(schemas: Sequence[pa.Schema]) -> pa.Schema:
    """One schema for all parts: a column typed differently in two parts becomes float64 (numbers)
    or string (anything else); a column absent from a part is null there."""
    order: list[str] = []
    types: dict[str, set] = {}
    for s in schemas:
        for f in s:
            if f.name not in types:
                order.append(f.name)
                types[f.name] = set()
            if not pa.types.is_null(f.type):
                types[f.name].add(f.type)
    fields = []
    for name in order:
        ts = types[name]
        if not ts:
            t = pa.string()
        elif len(ts) == 1:
            t = next(iter(ts))
        elif all(pa.types.is_integer(x) or pa.types.is_floating(x) for x in ts):
            t = pa.float64()
        else:
            t = pa.string()
        fields.append(pa.field(name, t))
    return pa.schema(fields)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    cols = []
    for f in schema:
        if f.name in table.column_names:
            col = table.column(f.name)
            if col.type != f.type:
                col = col.cast(f.type) if not pa.types.is_string(f.type) or pa.types.is_null(col.type) else \
                    pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())
            cols.append(col)
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


class ResultSink:
    """Buffers outcomes and commits them as parts; knows which videos are done."""

    def __init__(self, output_dir: Path, checkpoint: Checkpoint, state: CheckpointState,
                 save_interval: int = 100, save_every_s: float = 30.0):
        self.output_dir = Path(output_dir)
        self.parts_dir = self.output_dir / "parts"
        self.checkpoint = checkpoint
        self.state = state
        self.save_interval = save_interval
        self.save_every_s = save_every_s
        self.buffer: list[Outcome] = []
        self.status_of: dict[str, str] = {}
        self.attempts_of: dict[str, int] = {}  # failed videos only: a retry records its attempt number
        self._last_commit = time.monotonic()
        self.commit_seconds: list[float] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchproc-commit")
        self._pending: Future | None = None

    # -- resume ------------------------------------------------------------------------------
    def part_paths(self) -> list[Path]:
        return [self.parts_dir / part_name(n) for n in range(1, self.state.parts_committed + 1)]

    def recover(self) -> int:
        """Drop parts past the committed count (a crash between part and checkpoint) and load the
        status of every committed video. Returns how many uncommitted parts were removed."""
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        removed = 0
        committed = {p.name for p in self.part_paths()}
        for p in self.parts_dir.iterdir():
            if p.name not in committed:
                p.unlink()
                removed += 1
        self.load_status()
        return removed

    def load_status(self) -> None:
        """Learn each committed video's latest status from the parts (read-only)."""
        missing = [p.name for p in self.part_paths() if not p.exists()]
        if missing:
            from .errors import BatchprocError

            raise BatchprocError(f"checkpoint lists {len(missing)} part(s) that are missing from {self.parts_dir} "
                                 f"(first: {missing[0]}); the outputs were moved or deleted. Use --restart to start over.")
        if self.state.parts_committed:
            import pyarrow.dataset as ds

            t = ds.dataset([str(p) for p in self.part_paths()], format="parquet").to_table(
                columns=["video_id", "status", "attempts", "part"])
            t = t.sort_by([("part", "ascending")])
            for vid, st, n in zip(t.column("video_id").to_pylist(), t.column("status").to_pylist(),
                                  t.column("attempts").to_pylist()):
                self.status_of[vid] = st
                if st == "failed":
                    self.attempts_of[vid] = n or 1
                else:
                    self.attempts_of.pop(vid, None)

    def is_done(self, video_id: str, retry_failed: bool = False) -> bool:
        st = self.status_of.get(video_id)
        return st == "ok" or (st == "failed" and not retry_failed)

    # -- during the run ----------------------------------------------------------------------
    def add(self, outcome: Outcome) -> None:
        prev = self.status_of.get(outcome.video_id)
        outcome.attempts = self.attempts_of.pop(outcome.video_id, 0) + 1
        if outcome.status == "failed":
            self.attempts_of[outcome.video_id] = outcome.attempts
        if prev == "ok":
            self.state.ok -= 1
        elif prev == "failed":
            self.state.failed -= 1
        self.status_of[outcome.video_id] = outcome.status
        if outcome.status == "ok":
            self.state.ok += 1
        else:
            self.state.failed += 1
            self.state.recent_failures.append({"video_id": outcome.video_id, "error_type": outcome.error_type,
                                               "error": (outcome.error or "")[:300]})
        self.buffer.append(outcome)
        if len(self.buffer) >= self.save_interval or time.monotonic() - self._last_commit >= self.save_every_s:
            self.commit()

    def commit(self, wait: bool = False) -> None:
        """Hand the buffered outcomes to the writer thread as the next part.

        Writing (and fsyncing) happens off the driver's loop, one part at a time and in order, so
        the loop keeps collecting outcomes meanwhile; at most one commit is in flight, which bounds
        what a crash can lose to two save intervals. ``wait`` blocks until it is durable.
        """
        self._last_commit = time.monotonic()
        self._wait_pending()
        if self.buffer:
            n = self.state.parts_committed + 1
            table = outcomes_to_table(self.buffer, n)
            self.buffer.clear()
        else:
            n, table = self.state.parts_committed, None
        snapshot = dataclasses.replace(self.state, parts_committed=n, recent_failures=list(self.state.recent_failures))
        self._pending = self._writer.submit(self._write, n, table, snapshot)
        if wait:
            self._wait_pending()

    def _write(self, n: int, table: pa.Table | None, snapshot: CheckpointState) -> None:
        t0 = time.perf_counter()
        if table is not None:
            atomic_write(self.parts_dir / part_name(n), lambda tmp: pq.write_table(table, tmp))
        self.checkpoint.save(snapshot)
        self.state.parts_committed = n
        self.commit_seconds.append(time.perf_counter() - t0)

    def _wait_pending(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a failed write (disk full, ...) in the driver

    def close(self) -> None:
        self._wait_pending()
        self._writer.shutdown(wait=True)

    # -- the end -----------------------------------------------------------------------------
    def finalize(self, stats: ProcessingStats) -> None:
        """Merge committed parts into results.parquet and processing_results.json (the latest row per
        video wins, so a retried failure appears once), streaming part by part to bound memory."""
        self.commit(wait=True)
        parts = self.part_paths()
        latest: dict[str, int] = {}
        if parts:
            import pyarrow.dataset as ds

            t = ds.dataset([str(p) for p in parts], format="parquet").to_table(columns=["video_id", "part"])
            for vid, part in zip(t.column("video_id").to_pylist(), t.column("part").to_pylist()):
                if part >= latest.get(vid, 0):
                    latest[vid] = part
        schema = unified_schema([BASE_SCHEMA] + [pq.read_schema(p) for p in parts])
        out_schema = pa.schema([f for f in schema if f.name != "part"])
        errors: list[dict[str, Any]] = []

        def write_outputs(tmp_parquet: str, tmp_json: str) -> None:
            # One pass over the parts writes both files; the latest row of each video wins.
            with pq.ParquetWriter(tmp_parquet, out_schema) as writer, open(tmp_json, "w", encoding="utf-8") as js:
                js.write("[")
                first = True
                for p in parts:
                    table = pq.read_table(p)
                    keep = [latest.get(v) == n for v, n in zip(table.column("video_id").to_pylist(),
                                                              table.column("part").to_pylist())]
                    table = conform(table.filter(pa.array(keep, pa.bool_())), schema).drop(["part"])
                    if table.num_rows == 0:
                        continue
                    writer.write_table(table)
                    for rec in table.select(FIXED_COLUMNS + ["result_json"]).to_pylist():
                        if rec["status"] != "ok" and len(errors) < MAX_ERRORS_IN_STATS:
                            errors.append({k: rec[k] for k in ("video_id", "video_path", "error_type", "error")})
                        raw = rec.pop("result_json")
                        body = json.dumps(rec, ensure_ascii=False)
                        js.write(("\n" if first else ",\n") + body[:-1] + ', "result": ' + (raw or "null") + "}")
                        first = False
                js.write("\n]\n")

        tmp_json = self.output_dir / f".processing_results.json.tmp-{os.getpid()}"
        try:
            atomic_write(self.output_dir / "results.parquet", lambda tmp: write_outputs(tmp, str(tmp_json)))
            os.replace(tmp_json, self.output_dir / "processing_results.json")
        finally:
            if tmp_json.exists():
                tmp_json.unlink()
        stats.set_errors(errors)
        stats.total_ok, stats.total_failed = self.state.ok, self.state.failed
        atomic_write_json(self.output_dir / "processing_stats.json", stats.to_dict())
