"""kill -9 of a running `batchproc run` at random moments, repeated, then resume: every id exactly
once, every file readable, and no orphaned worker processes."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import time

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from conftest import BATCHPROC
from test_cli import ENV, manifest

N = 300


@pytest.mark.slow
def test_kill_9_repeatedly_then_resume_gives_each_id_once(tmp_path):
    csv = manifest(tmp_path, N)
    out = tmp_path / "out"
    args = [*BATCHPROC, "run", "--csv", str(csv), "--fn", "slowfns:sleepy", "--param", "delay=0.04",
            "--output-dir", str(out), "--workers", "2", "--save-interval", "7", "--no-progress", "-q"]
    rng = random.Random(1234)
    kills = 0
    for attempt in range(7):
        p = subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.8))
        children = []
        try:
            children = psutil.Process(p.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait(timeout=30)
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"worker processes outlived the killed driver: {alive}"
        # whatever instant it died at, the checkpoint and every committed part are readable
        if (out / "checkpoint.json").exists():
            state = json.loads((out / "checkpoint.json").read_text())
            for n in range(1, state["parts_committed"] + 1):
                pq.read_table(out / "parts" / f"part-{n:08d}.parquet")
    assert kills >= 4
    final = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == N and df.video_id.is_unique and set(df.video_id) == {f"v{i:04d}" for i in range(N)}
    assert (df.status == "ok").all()
    js = json.loads((out / "processing_results.json").read_text())
    assert len(js) == N and len({r["video_id"] for r in js}) == N
    state = json.loads((out / "checkpoint.json").read_text())
    assert state["ok"] == N and state["failed"] == 0 and state["status"] == "finished"
