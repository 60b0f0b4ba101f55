"""The Dask and Ray engines on real clusters (no mocks): the same run gives the same rows as the local
pool, a failing video fails alone with the same error type (a worker killed mid-task included), the
setup hook runs once per worker slot, in-flight tasks are bounded, and kill -9 of the driver followed
by a resume gives every id exactly once.

Dask tests run in the default suite (a LocalCluster with 2 worker processes). Ray tests are marked
``ray`` (``make test-ray``); they skip when Ray is not installed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from batchproc import BatchVideoProcessor
from batchproc.config import DecordConfig, RunConfig
from batchproc.manifest import Task
from batchproc.resources import setup_hook
from batchproc.worker import JobSpec

from conftest import BATCHPROC, write_csv
from test_cli import ENV, manifest, wait_for
from test_isolation import misbehave

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="the dask extra is not installed")
TIMING = ["elapsed_s", "peak_rss_mb"]


# -- process functions (this module is importable in the sandboxes: the driver's sys.path reaches them) --
def label_or_fail(loader, scale: int = 1):
    n = int(loader.row["label"])
    if n % 5 == 3:
        raise ValueError(f"row {n} is bad")
    return {"n": n, "scaled": n * scale, "even": n % 2 == 0, "name": loader.video_id}


def misbehave_or_kill_worker(loader, **kw):
    """Everything the local isolation test does, plus a video that kills the engine's worker process
    (the sandbox's parent): the case a sandbox cannot hide from the engine."""
    if loader.row["kind"] == "killworker":
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(60)
    return misbehave(loader, **kw)


def with_model(setup_log: Path):
    """A process function whose setup hook ("load the model") logs each call; a closure, shipped by value."""
    def load_model():
        with open(setup_log, "a") as f:
            f.write(f"{os.getpid()}\n")

    @setup_hook(load_model)
    def fn(loader):
        return {"pid": os.getpid()}

    return fn


# -- helpers ---------------------------------------------------------------------------------------
def rows_csv(tmp_path, n):
    return write_csv(tmp_path / "m.csv", [{"video_id": f"v{i:03d}", "video_path": f"x/{i}.mp4", "label": str(i)}
                                          for i in range(n)])


def result_rows(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / "results.parquet").drop(columns=TIMING)
    return df.sort_values("video_id").reset_index(drop=True)


def comparable(stats: dict) -> dict:
    keys = ("total_videos", "processed", "failed", "skipped", "errors_by_type")
    return {k: stats[k] for k in keys}


def check_same_run(tmp_path, backend, **opts):
    """The local pool and ``backend`` give the same rows, stats and JSON for the same manifest; a lambda
    with a closure reaches the workers."""
    csv = rows_csv(tmp_path, 16)
    scale = 7
    fn = lambda loader: label_or_fail(loader, scale)  # noqa: E731 - a closure on purpose
    res = {}
    for b in ("local", backend):
        res[b] = BatchVideoProcessor(num_workers=2).process_dataset(
            csv, process_fn=fn, output_dir=tmp_path / b, save_interval=5, show_progress=False, backend=b,
            **(opts if b == backend else {}))
    local, remote = result_rows(tmp_path / "local"), result_rows(tmp_path / backend)
    pd.testing.assert_frame_equal(local, remote)
    ok = local[local.status == "ok"]
    assert len(local) == 16 and len(ok) == 13 and (ok.scaled == ok.n * 7).all()
    assert comparable(res["local"]["stats"]) == comparable(res[backend]["stats"])
    assert res[backend]["stats"]["backend"] == backend

    def js(b):
        recs = json.loads((tmp_path / b / "processing_results.json").read_text())
        return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in recs), key=lambda r: r["video_id"])

    assert js("local") == js(backend)


def check_failures(tmp_path, backend, **opts):
    kinds = ["ok", "segfault", "ok", "killworker", "ok", "raise", "ok", "hang", "ok", "exit", "ok", "memory", "ok", "ok"]
    rows = [{"video_id": f"v{i:02d}-{k}", "video_path": f"none/{i}.mp4", "kind": k} for i, k in enumerate(kinds)]
    csv = write_csv(tmp_path / "m.csv", rows)
    res = BatchVideoProcessor(num_workers=2).process_dataset(
        csv, process_fn=misbehave_or_kill_worker, output_dir=tmp_path / "out", timeout_s=3, max_memory_mb=600,
        show_progress=False, backend=backend, **opts)
    df = pd.read_parquet(tmp_path / "out" / "results.parquet").set_index("video_id")
    assert len(df) == len(kinds) and df.index.is_unique
    bad = {vid.split("-")[1]: row for vid, row in df.iterrows() if not vid.endswith("-ok")}
    assert bad["segfault"]["error_type"] == "worker_crashed" and "SIGSEGV" in bad["segfault"]["error"]
    assert bad["killworker"]["error_type"] == "worker_crashed"
    assert bad["raise"]["error_type"] == "process_error" and "ValueError: bad things" in bad["raise"]["error"]
    assert bad["hang"]["error_type"] == "timeout"
    assert bad["exit"]["error_type"] == "worker_crashed" and "exit code 3" in bad["exit"]["error"]
    assert bad["memory"]["error_type"] == "memory_limit"
    oks = df[df.index.str.endswith("-ok")]
    assert (oks.status == "ok").all() and len(oks) == kinds.count("ok"), oks[oks.status != "ok"][["error_type", "error"]]
    st = res["stats"]
    assert st["processed"] == kinds.count("ok") and st["failed"] == 6
    assert st["errors_by_type"] == {"worker_crashed": 3, "timeout": 1, "process_error": 1, "memory_limit": 1}
    assert (df.attempts == 1).all()
    return df


def check_setup_once_per_slot(tmp_path, backend, max_slots, **opts):
    setup_log = tmp_path / "setup.log"
    setup_log.touch()
    csv = rows_csv(tmp_path, 24)
    res = BatchVideoProcessor(num_workers=2).process_dataset(
        csv, process_fn=with_model(setup_log), output_dir=tmp_path / "out", show_progress=False, backend=backend, **opts)
    assert res["stats"]["processed"] == 24
    setups = setup_log.read_text().split()
    pids = set(result_rows(tmp_path / "out").pid)
    assert 1 <= len(setups) <= max_slots and set(map(int, setups)) == pids  # once per sandbox, not per video


def cli_run(args, **kw):
    return subprocess.run([*BATCHPROC, *map(str, args)], env=ENV, capture_output=True, text=True, **kw)



def check_kill_9_then_resume(tmp_path, backend, n=120, kills=2):
    csv = manifest(tmp_path, n)
    out = tmp_path / "out"
    args = ["run", "--csv", csv, "--fn", "slowfns:sleepy", "--param", "delay=0.03", "--output-dir", out,
            "--workers", "2", "--save-interval", "5", "--no-progress", "-q", "--backend", backend]
    done_before = 0
    for _ in range(kills):
        p = subprocess.Popen([*BATCHPROC, *map(str, args)], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parts = out / "parts"
        # let it commit at least one more part, so each kill lands mid-run with work done and work left
        assert wait_for(lambda: parts.exists() and len(list(parts.glob("part-*.parquet"))) > done_before, 120)
        done_before = len(list(parts.glob("part-*.parquet")))
        try:
            children = psutil.Process(p.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        assert p.poll() is None, "the run finished before it could be killed"
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        # Ray's own agents notice their dead raylet by polling and go a minute or so later on their own
        children = [c for c in children if not _name(c).startswith(("ray::DashboardAgent", "ray::RuntimeEnvAgent"))]
        _, alive = psutil.wait_procs(children, timeout=20)
        assert not alive, f"processes outlived the killed driver: {[_name(c) for c in alive]}"
    final = cli_run(args, timeout=300)
    assert final.returncode == 0, final.stderr
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == n and df.video_id.is_unique and set(df.video_id) == {f"v{i:04d}" for i in range(n)}
    assert (df.status == "ok").all()
    js = json.loads((out / "processing_results.json").read_text())
    assert len(js) == n and len({r["video_id"] for r in js}) == n
    state = json.loads((out / "checkpoint.json").read_text())
    assert state["ok"] == n and state["failed"] == 0 and state["status"] == "finished"


def check_abort(tmp_path, backend):
    """SIGTERM, then SIGTERM again while two 60 s videos run: the run stops at once, the abandoned videos
    are not recorded as failures (they run again on resume) and their sandboxes are gone."""
    csv = manifest(tmp_path, 8)
    out = tmp_path / "out"
    p = subprocess.Popen([*BATCHPROC, "run", "--csv", str(csv), "--fn", "slowfns:sleepy", "--param", "delay=60",
                          "--output-dir", str(out), "--workers", "2", "--no-progress", "--backend", backend],
                         env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def sandboxes():
            try:
                return [c for c in psutil.Process(p.pid).children(recursive=True) if "_sandbox_main" in _name(c)]
            except psutil.Error:
                return []
        assert wait_for(lambda: len(sandboxes()) == 2, 120)
        running = sandboxes()
        time.sleep(0.5)  # both videos are now running
        t0 = time.time()
        p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)  # the second one abandons the running videos
        _, err = p.communicate(timeout=60)
        assert time.time() - t0 < 30
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 128 + signal.SIGTERM, err
    state = json.loads((out / "checkpoint.json").read_text())
    assert state["failed"] == 0 and state["ok"] == 0 and state["status"] == "interrupted"
    _, alive = psutil.wait_procs(running, timeout=20)
    assert not alive


def _name(p):
    try:
        return " ".join(p.cmdline()[:3]) or p.name()
    except psutil.Error:
        return "?"


# -- Dask --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_cluster():
    """An existing cluster, as `--address` sees one: 2 single-threaded worker processes."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=50)
    yield cluster.scheduler_address
    cluster.close()


@needs_dask
def test_dask_gives_the_same_rows_as_the_local_pool(tmp_path):
    check_same_run(tmp_path, "dask")  # a LocalCluster started (and closed) by the run


@needs_dask
def test_dask_failures_fail_only_their_video_with_the_local_error_types(tmp_path):
    df = check_failures(tmp_path, "dask")
    # batchproc (not Dask) tries once more a video whose worker died, because a worker death also ends
    # the tasks queued behind it on that worker; the culprit kills a second worker and then fails
    assert "KilledWorker; 2 tries" in df.loc["v03-killworker", "error"]


@needs_dask
def test_dask_existing_cluster_setup_once_per_slot_and_resume_across_engines(tmp_path, dask_cluster):
    check_setup_once_per_slot(tmp_path, "dask", max_slots=2, address=dask_cluster)
    # the cluster outlives the run, the run's sandboxes (and the models they hold) do not
    assert wait_for(lambda: not [c for c in psutil.Process().children(recursive=True) if "_sandbox_main" in _name(c)], 20)
    # a run started on the local pool is finished on the cluster: each id once, skipped counts the first part
    csv = rows_csv(tmp_path, 12)
    out = tmp_path / "mixed"
    kw = dict(process_fn="slowfns:sleepy", params={"delay": 0}, output_dir=out, show_progress=False)
    assert BatchVideoProcessor(num_workers=2).process_dataset(csv, limit=5, **kw)["stats"]["processed"] == 5
    st = BatchVideoProcessor(num_workers=2).process_dataset(csv, backend="dask", address=dask_cluster, **kw)["stats"]
    assert (st["processed"], st["skipped"], st["failed"]) == (7, 5, 0)
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 12 and df.video_id.is_unique


@needs_dask
def test_dask_in_flight_tasks_are_bounded(dask_cluster, tmp_path):
    from batchproc.executor_dask import DaskExecutor
    from slowfns import sleepy

    job = JobSpec(sleepy, "sleepy", {"delay": 0.01}, DecordConfig(), str(tmp_path), 1)
    ex = DaskExecutor(job, RunConfig(output_dir=tmp_path, num_workers=2, backend="dask", address=dask_cluster))
    taken = 0

    def tasks():
        nonlocal taken
        for i in range(200):
            taken += 1
            yield Task(f"v{i}", f"x/{i}.mp4", {"label": str(i)}, i)

    seen, most_ahead = 0, 0
    try:
        for outcome in ex.run(tasks()):
            assert outcome.status == "ok"
            seen += 1
            most_ahead = max(most_ahead, taken - seen)
    finally:
        ex.close()
    assert seen == 200
    assert most_ahead <= ex.in_flight_limit(2) + 1  # a million-row manifest never sits in the scheduler


@needs_dask
def test_dask_kill_9_of_the_driver_then_resume_gives_each_id_once(tmp_path):
    check_kill_9_then_resume(tmp_path, "dask")


@needs_dask
def test_dask_abort_on_second_sigterm_records_no_failures(tmp_path):
    check_abort(tmp_path, "dask")


@pytest.mark.parametrize("engine,module", [("dask", "distributed"), ("ray", "ray")])
def test_missing_extra_is_one_clear_line(tmp_path, engine, module):
    csv = rows_csv(tmp_path, 2)
    code = (f"import sys; sys.modules[{module!r}] = None; from batchproc.cli import main; "
            f"sys.argv = ['batchproc', 'run', '--csv', {str(csv)!r}, '--backend', {engine!r}, "
            f"'--output-dir', {str(tmp_path / 'out')!r}, '--no-progress']; main()")
    r = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1] == (f"error: the {engine} backend needs the {engine} extra: "
                                                 f"pip install 'batchproc[{engine}]'")
    assert "Traceback" not in r.stderr


# -- Ray (make test-ray) -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ray_session():
    """One Ray instance for the in-process tests (the executor uses a session it finds and leaves it)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    yield ray
    ray.shutdown()


@pytest.mark.ray
def test_ray_gives_the_same_rows_as_the_local_pool(tmp_path, ray_session):
    check_same_run(tmp_path, "ray")


@pytest.mark.ray
def test_ray_failures_fail_only_their_video_with_the_local_error_types(tmp_path, ray_session):
    df = check_failures(tmp_path, "ray")
    assert "WorkerCrashedError" in df.loc["v03-killworker", "error"]


@pytest.mark.ray
def test_ray_setup_once_per_slot(tmp_path, ray_session):
    check_setup_once_per_slot(tmp_path, "ray", max_slots=4)


@pytest.mark.ray
def test_ray_kill_9_of_the_driver_then_resume_gives_each_id_once(tmp_path):
    pytest.importorskip("ray")
    check_kill_9_then_resume(tmp_path, "ray")


@pytest.mark.ray
def test_ray_abort_on_second_sigterm_records_no_failures(tmp_path):
    pytest.importorskip("ray")
    check_abort(tmp_path, "ray")
