"""The command line as an operator uses it: real subprocesses, real signals, real exit codes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from conftest import BATCHPROC, ROOT, run_cli, write_csv

TESTS = Path(__file__).resolve().parent
ENV = {**os.environ, "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "PYTHONUNBUFFERED": "1"}


def manifest(tmp_path, n):
    return write_csv(tmp_path / "m.csv", [{"video_id": f"v{i:04d}", "video_path": f"x/{i}.mp4", "label": str(i)} for i in range(n)])


def cli(*args, timeout=300):
    return run_cli(*args, timeout=timeout, env=ENV)


def wait_for(pred, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_exit_codes_ok_failed_usage(tmp_path):
    csv = manifest(tmp_path, 6)
    r = cli("run", "--csv", csv, "--fn", "slowfns:sleepy", "--param", "delay=0", "--output-dir", tmp_path / "a", "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert "6 ok, 0 failed" in r.stdout
    r = cli("run", "--csv", csv, "--fn", "slowfns:fail_odd", "--output-dir", tmp_path / "b", "--workers", "2", "--no-progress")
    assert r.returncode == 1 and "3 ok, 3 failed" in r.stdout and "process_error 3" in r.stdout
    r = cli("run", "--csv", csv, "--video-col", "path", "--output-dir", tmp_path / "c")
    assert r.returncode == 2 and "no column 'path'" in r.stderr and "video_id, video_path, label" in r.stderr
    assert "Traceback" not in r.stderr
    r = cli("run", "--csv", tmp_path / "missing.csv")
    assert r.returncode == 2 and "manifest not found" in r.stderr
    r = cli("run", "--csv", csv, "--fn", "no_such_fn", "--output-dir", tmp_path / "d")
    assert r.returncode == 2 and "unknown process function" in r.stderr
    r = cli("run", "--csv", csv, "--param", "oops", "--output-dir", tmp_path / "e")
    assert r.returncode == 2 and "key=value" in r.stderr
    dup = write_csv(tmp_path / "dup.csv", [{"video_id": "a", "video_path": "1"}, {"video_id": "a", "video_path": "2"}])
    r = cli("run", "--csv", dup, "--output-dir", tmp_path / "f")
    assert r.returncode == 2 and "duplicate video ids" in r.stderr


def test_status_fns_dry_run_and_report(tmp_path):
    csv = manifest(tmp_path, 5)
    out = tmp_path / "out"
    r = cli("run", "--csv", csv, "--fn", "slowfns:sleepy", "--param", "delay=0", "--output-dir", out, "--dry-run")
    assert r.returncode == 0 and json.loads(r.stdout)["to_do"] == 5 and not out.exists()
    assert cli("run", "--csv", csv, "--fn", "slowfns:fail_odd", "--output-dir", out, "--limit", "3").returncode == 1
    r = cli("status", "--checkpoint", out / "checkpoint.json")
    assert r.returncode == 0 and "3/3 done" in r.stdout and "2 ok, 1 failed" in r.stdout and "finished" in r.stdout
    r = cli("run", "--csv", csv, "--fn", "slowfns:fail_odd", "--output-dir", out, "--dry-run")
    plan = json.loads(r.stdout)
    assert (plan["total_videos"], plan["to_do"], plan["already_done"]) == (5, 2, 3)
    r = cli("report", out)
    assert r.returncode == 0 and "process_error 1" in r.stdout
    r = cli("fns")
    assert r.returncode == 0 and "keyframes" in r.stdout and "num_frames=16" in r.stdout
    r = cli("status", "--checkpoint", tmp_path / "nothing.json")
    assert r.returncode == 2 and "no checkpoint" in r.stderr


def test_analyze_one_video(tmp_path, videos):
    d, good, _ = videos
    r = cli("analyze", good["a"].path, "--fn", "keyframes", "--param", "num_frames=3", "--output-dir", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["num_keyframes"] == 3 and (tmp_path / "o" / res["frames"]["artifact"]).exists()
    r = cli("analyze", d / "nope.mp4")
    assert r.returncode == 1 and "file_not_found" in r.stderr and "Traceback" not in r.stderr


def test_lock_contention_exit_3_and_sigterm_commits(tmp_path):
    csv = manifest(tmp_path, 400)
    out = tmp_path / "out"
    args = [*BATCHPROC, "run", "--csv", str(csv), "--fn", "slowfns:sleepy", "--param", "delay=0.05",
            "--output-dir", str(out), "--workers", "2", "--save-interval", "10", "--no-progress"]
    first = subprocess.Popen(args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (out / "parts").exists() and any((out / "parts").iterdir()), 90)
        second = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=120)
        assert second.returncode == 3, second.stderr
        assert "another run holds the lock" in second.stderr and f"pid {first.pid}" in second.stderr
        r = cli("status", "--checkpoint", out)
        assert "status:     running" in r.stdout
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 128 + signal.SIGTERM, err
    assert "SIGTERM" in err and "resume" in err
    done = pd.read_parquet(out / "results.parquet")
    assert 0 < len(done) < 400 and done.video_id.is_unique
    again = cli("run", "--csv", csv, "--fn", "slowfns:sleepy", "--param", "delay=0.05", "--output-dir", out,
                "--workers", "2", "--no-progress")
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} skipped" in again.stdout
    final = pd.read_parquet(out / "results.parquet")
    assert len(final) == 400 and final.video_id.is_unique
