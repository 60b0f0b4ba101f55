"""Models load once per worker: the setup hook and worker_resource run once per worker process,
not once per video; a failing setup fails the videos with setup_error and says why."""
from __future__ import annotations

import os

import pandas as pd

from batchproc import BatchVideoProcessor, setup_hook, worker_resource

from conftest import write_csv


def test_setup_and_resources_once_per_worker(tmp_path):
    log = tmp_path / "setups.txt"

    def load_model():
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")

    @setup_hook(load_model)
    def fn(loader):
        model = worker_resource("model", lambda: {"pid": os.getpid(), "weights": list(range(1000))})
        return {"pid": model["pid"], "same_process": model["pid"] == os.getpid()}

    csv = write_csv(tmp_path / "m.csv", [{"video_id": f"v{i}", "video_path": "x.mp4"} for i in range(40)])
    BatchVideoProcessor(num_workers=2).process_dataset(csv, process_fn=fn, output_dir=tmp_path / "o", show_progress=False)
    df = pd.read_parquet(tmp_path / "o" / "results.parquet")
    assert (df.status == "ok").all() and df.same_process.all()
    setups = log.read_text().split()
    assert 1 <= len(setups) <= 2, setups  # one per worker process, not one per video
    assert set(df.pid.astype(str)) == set(setups)


def test_failing_setup_is_reported_per_video(tmp_path):
    def broken():
        raise FileNotFoundError("weights.bin missing")

    @setup_hook(broken)
    def fn(loader):
        return {}

    csv = write_csv(tmp_path / "m.csv", [{"video_id": f"v{i}", "video_path": "x.mp4"} for i in range(3)])
    res = BatchVideoProcessor(num_workers=1).process_dataset(csv, process_fn=fn, output_dir=tmp_path / "o", show_progress=False)
    assert res["stats"]["errors_by_type"] == {"setup_error": 3}
    assert "weights.bin missing" in res["stats"]["errors"][0]["error"]


def test_unloadable_function_stops_the_run_with_a_clear_error(tmp_path):
    import types

    import pytest

    from batchproc.errors import ConfigError

    mod = types.ModuleType("module_only_in_the_driver")
    exec("def fn(loader):\n    return {}\n", mod.__dict__)
    import sys

    sys.modules[mod.__name__] = mod  # importable here, pickled by reference, absent in workers
    try:
        csv = write_csv(tmp_path / "m.csv", [{"video_id": "v", "video_path": "x.mp4"}])
        with pytest.raises(ConfigError, match="cannot be loaded in a worker process"):
            BatchVideoProcessor(num_workers=1).process_dataset(csv, process_fn=mod.fn, output_dir=tmp_path / "o",
                                                               show_progress=False)
    finally:
        del sys.modules[mod.__name__]
