"""Tables for ML teams, written once per run from the per-video results.

``segments.parquet``: one row per segment (exercise, rest and other), with reps and fatigue.
``poses.parquet``: one row per analysed frame: video_id, frame_index, t, detected, and 33 x 4 landmark
columns ``lm00_x, lm00_y, lm00_z, lm00_v, ...`` (float32; NaN where no pose), read from the ``.npy``
artifacts the results reference. Both are written to a temporary name and renamed (atomic), and
the pose table is streamed video by video so memory stays flat for large runs.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

N_LANDMARKS = 33
LANDMARK_COLUMNS = [f"lm{i:02d}_{c}" for i in range(N_LANDMARKS) for c in ("x", "y", "z", "v")]


def _segments_schema():
    import pyarrow as pa

    return pa.schema([
        ("video_id", pa.string()), ("segment_index", pa.int32()), ("exercise", pa.string()),
        ("is_exercise", pa.bool_()), ("start_time", pa.float64()), ("end_time", pa.float64()),
        ("duration", pa.float64()), ("reps_counted", pa.int32()), ("fatigue_score", pa.float64()),
        ("rep_timestamps", pa.list_(pa.float64())),
    ])


def _poses_schema():
    import pyarrow as pa

    fields = [("video_id", pa.string()), ("frame_index", pa.int64()), ("t", pa.float64()), ("detected", pa.bool_())]
    fields += [(c, pa.float32()) for c in LANDMARK_COLUMNS]
    return pa.schema(fields)


def _result_of(rec: dict[str, Any]) -> dict[str, Any] | None:
    res = rec.get("result")
    if isinstance(res, str):
        try:
            res = json.loads(res)
        except ValueError:
            return None
    return res if isinstance(res, dict) else None


def _load_array(output_dir: Path, ref: Any) -> np.ndarray | None:
    if isinstance(ref, dict) and "artifact" in ref:
        path = (output_dir / ref["artifact"]).resolve()
        if output_dir.resolve() not in path.parents or not path.exists():
            return None
        return np.load(path, allow_pickle=False)
    if isinstance(ref, list):
        return np.asarray(ref)
    if isinstance(ref, np.ndarray):
        return ref
    return None


def segment_rows(video_id: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of ``segments.parquet`` for one result: every timeline segment, exercise details joined."""
    from .classifier import EXERCISES

    detail = {(d["start_time"], d["exercise"]): d for d in result.get("detailed_analysis") or []}
    rows = []
    timeline = result.get("timeline") or [
        {"label": d["exercise"], "start_time": d["start_time"], "end_time": d["end_time"], "duration": d["duration"]}
        for d in result.get("detailed_analysis") or []
    ]
    for i, seg in enumerate(timeline):
        d = detail.get((seg["start_time"], seg["label"]), {})
        fa = d.get("fatigue_analysis") or {}
        rows.append({
            "video_id": str(video_id), "segment_index": i, "exercise": seg["label"],
            "is_exercise": seg["label"] in EXERCISES, "start_time": seg["start_time"], "end_time": seg["end_time"],
            "duration": seg["duration"], "reps_counted": int(d.get("reps_counted", 0) or 0),
            "fatigue_score": fa.get("fatigue_score") if d else None,
            "rep_timestamps": [float(x) for x in d.get("rep_timestamps", [])],
        })
    return rows


def _atomic_parquet(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_fitness_tables(output_dir: Path, results: Iterable[dict[str, Any]]) -> None:
    """Write ``segments.parquet`` and ``poses.parquet`` for the run's ok results."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    seg_rows: list[dict[str, Any]] = []
    pose_refs: list[tuple[str, dict[str, Any]]] = []
    for rec in results:
        if rec.get("status", "ok") != "ok":
            continue
        res = _result_of(rec)
        if not res or "session_summary" not in res:
            continue
        vid = str(rec.get("video_id"))
        seg_rows.extend(segment_rows(vid, res))
        if "poses" in res:
            pose_refs.append((vid, res))

    def write_segments(tmp: Path) -> None:
        table = pa.Table.from_pylist(seg_rows, schema=_segments_schema())
        pq.write_table(table, tmp)

    _atomic_parquet(output_dir / "segments.parquet", write_segments)

    schema = _poses_schema()

    def write_poses(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema) as w:
            for vid, res in pose_refs:
                poses = _load_array(output_dir, res.get("poses"))
                idx = _load_array(output_dir, res.get("pose_frame_indices"))
                ts = _load_array(output_dir, res.get("pose_times"))
                if poses is None or idx is None or ts is None or len(poses) == 0:
                    continue
                poses = np.asarray(poses, dtype=np.float32).reshape(len(poses), N_LANDMARKS * 4)
                cols: dict[str, Any] = {
                    "video_id": pa.array([vid] * len(poses), pa.string()),
                    "frame_index": pa.array(np.asarray(idx, dtype=np.int64)),
                    "t": pa.array(np.asarray(ts, dtype=np.float64)),
                    "detected": pa.array(np.isfinite(poses).all(axis=1)),
                }
                for j, c in enumerate(LANDMARK_COLUMNS):
                    cols[c] = pa.array(poses[:, j])
                w.write_table(pa.table(cols, schema=schema))

    _atomic_parquet(output_dir / "poses.parquet", write_poses)
