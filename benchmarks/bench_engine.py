"""Engine overhead and checkpoint save cost.

1. Engine overhead: N rows, a process function that never decodes, 2 workers, checkpointing on
   (save_interval 100): videos/s end to end, through the same sandboxed executor a real run uses.
2. Checkpoint save cost with 10k, 100k and 1M videos already done: the time to commit one more
   part of 100 rows plus the checkpoint. It must stay flat (the checkpoint counts parts, it does
   not list ids).
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from batchproc import BatchVideoProcessor  # noqa: E402
from batchproc.checkpoint import Checkpoint, CheckpointState  # noqa: E402
from batchproc.sink import ResultSink  # noqa: E402
from batchproc.worker import Outcome  # noqa: E402


def no_decode(loader, **_):
    """Touches only the manifest row: measures the engine, not a decoder."""
    return {"label": loader.row.get("label", ""), "id_len": len(loader.video_id)}


def write_manifest(path: Path, n: int) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["video_id", "video_path", "label"])
        for i in range(n):
            w.writerow([f"v{i:07d}", f"videos/v{i:07d}.mp4", "x" if i % 2 else "y"])


class _EngineStart(logging.Handler):
    """Picks up how long a cluster engine took to start (Dask LocalCluster, Ray) from the run's log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.start_s = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        self.start_s = getattr(record, "engine_start_s", self.start_s)


def engine_overhead(rows: int, workers: int, backend: str = "local", **opts) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bp-bench-"))
    start = _EngineStart()
    logging.getLogger("batchproc").addHandler(start)
    try:
        write_manifest(tmp / "m.csv", rows)
        t0 = time.perf_counter()
        res = BatchVideoProcessor(num_workers=workers).process_dataset(
            tmp / "m.csv", process_fn=no_decode, output_dir=tmp / "out", save_interval=100,
            show_progress=False, backend=backend, **opts)
        wall = time.perf_counter() - t0
        st = res["stats"]
        assert st["processed"] == rows, st
        return {"backend": backend, "rows": rows, "workers": workers, "wall_s": round(wall, 2),
                "videos_per_s": round(rows / wall, 1), "loop_videos_per_s": round(st["videos_per_s"], 1),
                "engine_start_s": round(start.start_s, 2),
                "after_start_videos_per_s": round(rows / max(1e-9, wall - start.start_s), 1),
                "commit_s_total": round(st["timings"].get("commit_s", 0.0), 3),
                "finalize_s": round(st["timings"].get("finalize_s", 0.0), 3)}
    finally:
        logging.getLogger("batchproc").removeHandler(start)
        shutil.rmtree(tmp, ignore_errors=True)


def _outcomes(start: int, n: int) -> list[Outcome]:
    return [Outcome(f"v{i:08d}", f"videos/v{i:08d}.mp4", "ok", elapsed_s=0.01, result={"label": "x", "n": i})
            for i in range(start, start + n)]


def save_cost(done_rows: int, reps: int = 20) -> dict:
    """Build a checkpoint with ``done_rows`` videos done (in big parts, to be quick), then time the
    commit of one more 100-row part + checkpoint, ``reps`` times."""
    tmp = Path(tempfile.mkdtemp(prefix="bp-ckpt-"))
    try:
        ckpt = Checkpoint(tmp / "checkpoint.json")
        state = CheckpointState(fingerprint={}, fingerprint_digest="bench")
        sink = ResultSink(tmp, ckpt, state, save_interval=10**9, save_every_s=10**9)
        sink.recover()
        chunk = 50_000
        for start in range(0, done_rows, chunk):
            for o in _outcomes(start, min(chunk, done_rows - start)):
                sink.add(o)
            sink.commit(wait=True)
        os.sync()  # flush the setup's bulk writes, so they do not land in the first timed fsyncs
        times = []
        for r in range(reps):
            for o in _outcomes(done_rows + r * 100, 100):
                sink.add(o)
            t0 = time.perf_counter()
            sink.commit(wait=True)
            times.append(time.perf_counter() - t0)
        return {"done_rows": done_rows, "save_ms_median": round(statistics.median(times) * 1000, 2),
                "save_ms_max": round(max(times) * 1000, 2), "checkpoint_bytes": os.path.getsize(ckpt.path)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backends", default="local")
    ap.add_argument("--save-sizes", default="10000,100000,1000000")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    report = {"engine": [], "checkpoint": []}
    print(f"== engine overhead: {args.rows} rows, no decoding, {args.workers} workers, checkpointing every 100")
    for backend in args.backends.split(","):
        try:
            r = engine_overhead(args.rows, args.workers, backend)
        except Exception as e:  # noqa: BLE001 - a missing extra should not stop the other figures
            print(f"  {backend:<6} unavailable: {type(e).__name__}: {e}")
            continue
        report["engine"].append(r)
        verdict = "goal met (>= 1000/s)" if r["videos_per_s"] >= 1000 else ("above floor (>= 300/s)" if r["videos_per_s"] >= 300 else "BELOW FLOOR (300/s)")
        started = (f"; after the {r['engine_start_s']} s engine start {r['after_start_videos_per_s']}/s"
                   if r["engine_start_s"] else "")
        print(f"  {backend:<6} {r['videos_per_s']:>8.1f} videos/s end to end ({r['wall_s']} s; loop {r['loop_videos_per_s']}/s{started}; "
              f"commits {r['commit_s_total']} s, finalize {r['finalize_s']} s)  {verdict}")
    print("== checkpoint save cost (one 100-row part + checkpoint) by videos already done")
    for n in [int(x) for x in args.save_sizes.split(",") if x]:
        r = save_cost(n)
        report["checkpoint"].append(r)
        print(f"  {n:>9,} done: median {r['save_ms_median']:>7.2f} ms, max {r['save_ms_max']:>7.2f} ms, checkpoint {r['checkpoint_bytes']} bytes")
    cp = report["checkpoint"]
    if len(cp) >= 2:
        print(f"  ratio largest/smallest median save: {cp[-1]['save_ms_median'] / cp[0]['save_ms_median']:.2f}x (flat = ~1)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
