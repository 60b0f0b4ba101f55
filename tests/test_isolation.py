"""Per-video isolation: a segfault, a hang, an exception and a memory blow-up each fail their own
video with their own error type, and every other video still succeeds."""
from __future__ import annotations

import pandas as pd

from batchproc import BatchVideoProcessor

from conftest import write_csv


def misbehave(loader, **_):
    kind = loader.row["kind"]
    if kind == "segfault":
        import ctypes

        ctypes.string_at(0)
    elif kind == "hang":
        import time

        time.sleep(3600)
    elif kind == "raise":
        raise ValueError("bad things in user code")
    elif kind == "memory":
        blocks = []
        while True:
            blocks.append(bytearray(64 * 2**20))
            blocks[-1][::4096] = b"x" * len(blocks[-1][::4096])
    elif kind == "exit":
        import os

        os._exit(3)
    return {"kind": kind}


def test_each_failure_fails_only_its_video(tmp_path):
    kinds = ["ok", "segfault", "ok", "hang", "ok", "raise", "ok", "memory", "ok", "exit", "ok", "ok"]
    rows = [{"video_id": f"v{i:02d}-{k}", "video_path": f"none/{i}.mp4", "kind": k} for i, k in enumerate(kinds)]
    csv = write_csv(tmp_path / "m.csv", rows)
    res = BatchVideoProcessor(num_workers=2).process_dataset(
        csv, process_fn=misbehave, output_dir=tmp_path / "out", timeout_s=4, max_memory_mb=600, show_progress=False)
    df = pd.read_parquet(tmp_path / "out" / "results.parquet").set_index("video_id")
    assert len(df) == len(kinds)
    by_kind = {vid.split("-")[1]: row for vid, row in df.iterrows() if not vid.endswith("-ok")}
    assert by_kind["segfault"]["error_type"] == "worker_crashed" and "SIGSEGV" in by_kind["segfault"]["error"]
    assert by_kind["hang"]["error_type"] == "timeout"
    assert by_kind["raise"]["error_type"] == "process_error" and "ValueError: bad things" in by_kind["raise"]["error"]
    assert by_kind["memory"]["error_type"] == "memory_limit"
    assert by_kind["exit"]["error_type"] == "worker_crashed" and "exit code 3" in by_kind["exit"]["error"]
    oks = df[df.index.str.endswith("-ok")]
    assert (oks["status"] == "ok").all() and len(oks) == kinds.count("ok")
    st = res["stats"]
    assert st["processed"] == kinds.count("ok") and st["failed"] == 5
    assert st["errors_by_type"] == {"worker_crashed": 2, "timeout": 1, "process_error": 1, "memory_limit": 1}


def test_bad_results_are_reported_not_crashing(tmp_path):
    rows = [{"video_id": k, "video_path": "x.mp4", "kind": k} for k in ("list", "object", "fine")]
    csv = write_csv(tmp_path / "m.csv", rows)

    def fn(loader):
        k = loader.row["kind"]
        if k == "list":
            return [1, 2]
        if k == "object":
            return {"thing": object()}
        return {"v": 1.5, "nan": float("nan")}

    BatchVideoProcessor(num_workers=1).process_dataset(csv, process_fn=fn, output_dir=tmp_path / "o", show_progress=False)
    df = pd.read_parquet(tmp_path / "o" / "results.parquet").set_index("video_id")
    assert df.loc["list", "error_type"] == "bad_result" and "list" in df.loc["list", "error"]
    assert df.loc["object", "error_type"] == "bad_result" and "'thing'" in df.loc["object", "error"]
    assert df.loc["fine", "status"] == "ok" and df.loc["fine", "v"] == 1.5
