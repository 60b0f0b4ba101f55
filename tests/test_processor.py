"""The Python API end to end: outputs, resume, retry, lambdas, params, artifacts, fingerprints."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from batchproc import BatchVideoProcessor, DecordConfig, extract_keyframes
from batchproc.errors import FingerprintMismatch

from conftest import write_csv


def rows_for(n, prefix="v"):
    return [{"video_id": f"{prefix}{i:04d}", "video_path": f"x/{i}.mp4", "label": str(i)} for i in range(n)]


def test_reference_usage_with_a_lambda_on_real_videos(tmp_path, videos, gen):
    d, good, broken = videos
    rows = [{"video_id": k, "video_path": str(v.path)} for k, v in good.items()]
    csv = write_csv(tmp_path / "videos.csv", rows)
    proc = BatchVideoProcessor(config=DecordConfig(device="cpu"), num_workers=2, checkpoint_path=tmp_path / "ck.json")
    res = proc.process_dataset(csv_path=csv, video_col="video_path", process_fn=lambda loader: extract_keyframes(loader, num_frames=4),
                               id_col="video_id", output_dir=tmp_path / "out", save_interval=2, show_progress=False)
    st = res["stats"]
    assert st["total_videos"] == 3 and st["processed"] == 3 and st["failed"] == 0 and st["skipped"] == 0
    assert st["success_rate"] == 1.0 and st["avg_time_per_video"] > 0
    recs = {r["video_id"]: r for r in res["results"]}
    assert len(res["results"]) == 3
    a = recs["a"]["result"]
    assert a["num_keyframes"] == 4 and len(a["indices"]) == 4 and a["video_frames"] == 60
    frames = np.load(tmp_path / "out" / a["frames"]["artifact"])
    assert frames.shape == (4, 120, 160, 3)
    # the artifact really holds the frames it claims: the drawn frame numbers match the indices
    assert [gen.read_frame_number(f) for f in frames] == a["indices"]
    assert (tmp_path / "ck.json").exists()


def test_outputs_contract(tmp_path):
    csv = write_csv(tmp_path / "m.csv", rows_for(25))

    def fn(loader, scale=1):
        i = int(loader.row["label"])
        if i % 10 == 3:
            raise RuntimeError(f"row {i} is bad")
        return {"value": i * scale, "name": loader.video_id, "nested": {"a": [1, 2]}, "ratio": i / 10}

    out = tmp_path / "out"
    res = BatchVideoProcessor(num_workers=2).process_dataset(csv, process_fn=fn, output_dir=out, save_interval=7,
                                                            params={"scale": 3}, show_progress=False)
    df = pd.read_parquet(out / "results.parquet")
    assert sorted(df.video_id) == [f"v{i:04d}" for i in range(25)]
    for col in ("video_id", "video_path", "status", "error_type", "error", "elapsed_s", "peak_rss_mb", "attempts",
                "value", "name", "ratio", "result_json"):
        assert col in df.columns, col
    ok = df[df.status == "ok"].set_index("video_id")
    assert ok.loc["v0005", "value"] == 15 and json.loads(ok.loc["v0005", "result_json"])["nested"] == {"a": [1, 2]}
    failed = df[df.status == "failed"]
    assert sorted(failed.video_id) == ["v0003", "v0013", "v0023"]
    assert set(failed.error_type) == {"process_error"} and failed.error.str.contains("RuntimeError: row").all()
    js = json.loads((out / "processing_results.json").read_text())
    assert len(js) == 25 and set(js[0]) >= {"video_id", "video_path", "status", "error_type", "error", "elapsed_s", "result"}
    stats = json.loads((out / "processing_stats.json").read_text())
    assert stats["processed"] == 22 and stats["failed"] == 3 and stats["errors_by_type"] == {"process_error": 3}
    assert len(stats["errors"]) == 3 and stats["success_rate"] == pytest.approx(22 / 25)
    assert "process_s" in stats["timings"]
    parts = sorted((out / "parts").iterdir())
    assert len(parts) == 4  # 25 rows, a part every 7
    assert (out / "run.log").read_text().count("failed v00") == 3
    assert res["stats"]["processed"] == 22


def test_second_run_skips_and_retry_failed_reruns_only_failures(tmp_path):
    csv = write_csv(tmp_path / "m.csv", rows_for(12))
    marker = tmp_path / "fixed"

    def flaky(loader):
        if int(loader.row["label"]) % 4 == 0 and not marker.exists():
            raise ValueError("not yet")
        return {"n": 1}

    out = tmp_path / "out"
    p = BatchVideoProcessor(num_workers=2)
    r1 = p.process_dataset(csv, process_fn=flaky, output_dir=out, show_progress=False)["stats"]
    assert (r1["processed"], r1["failed"], r1["skipped"]) == (9, 3, 0)
    r2 = p.process_dataset(csv, process_fn=flaky, output_dir=out, show_progress=False)["stats"]
    assert (r2["processed"], r2["failed"], r2["skipped"]) == (0, 0, 12)
    assert r2["total_failed"] == 3
    marker.touch()
    r3 = p.process_dataset(csv, process_fn=flaky, output_dir=out, show_progress=False, retry_failed=True)["stats"]
    assert (r3["processed"], r3["failed"], r3["skipped"]) == (3, 0, 9)
    assert (r3["total_ok"], r3["total_failed"]) == (12, 0)
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 12 and df.video_id.is_unique and (df.status == "ok").all()
    attempts = df.set_index("video_id").attempts
    assert attempts["v0004"] == 2 and attempts["v0001"] == 1


def test_fingerprint_change_is_refused_unless_asked(tmp_path):
    csv = write_csv(tmp_path / "m.csv", rows_for(3))
    p = BatchVideoProcessor(num_workers=1)
    p.process_dataset(csv, process_fn="keyframes", output_dir=tmp_path / "o", params={"num_frames": 2}, show_progress=False,
                      limit=0)
    with pytest.raises(FingerprintMismatch, match="params"):
        p.process_dataset(csv, process_fn="keyframes", output_dir=tmp_path / "o", params={"num_frames": 3}, show_progress=False)
    r = p.process_dataset(csv, process_fn="keyframes", output_dir=tmp_path / "o", params={"num_frames": 3},
                          show_progress=False, resume_anyway=True, limit=0)
    assert r["stats"]["total_videos"] == 0


def test_hostile_ids_never_write_outside_output_dir(tmp_path, videos):
    d, good, _ = videos
    ids = ["../../etc/x", "/abs/olute", "a\x00b", "..", "ok/../../up"]
    csv = write_csv(tmp_path / "m.csv", [{"video_id": i, "video_path": str(good["a"].path)} for i in ids])
    out = tmp_path / "sub" / "out"
    BatchVideoProcessor(num_workers=2).process_dataset(csv, process_fn="keyframes", params={"num_frames": 2},
                                                       output_dir=out, show_progress=False)
    df = pd.read_parquet(out / "results.parquet")
    assert sorted(df.video_id) == sorted(ids) and (df.status == "ok").all()
    for raw in df.result_json:
        rel = json.loads(raw)["frames"]["artifact"]
        target = (out / rel).resolve()
        assert out.resolve() in target.parents and target.exists()
    outside = [p for p in tmp_path.rglob("*.npy") if out.resolve() not in p.resolve().parents]
    assert outside == []


def test_bad_inputs_each_fail_with_their_own_error_type(tmp_path, videos):
    d, good, broken = videos
    rows = [{"video_id": "good", "video_path": str(good["spaces"].path)},
            {"video_id": "missing", "video_path": str(d / "missing.mp4")},
            {"video_id": "empty_path", "video_path": ""}]
    rows += [{"video_id": k, "video_path": str(v)} for k, v in broken.items()]
    csv = write_csv(tmp_path / "m.csv", rows)
    BatchVideoProcessor(num_workers=2).process_dataset(csv, process_fn="keyframes", params={"num_frames": 3},
                                                       output_dir=tmp_path / "o", show_progress=False)
    df = pd.read_parquet(tmp_path / "o" / "results.parquet").set_index("video_id")
    assert df.loc["good", "status"] == "ok"
    expected = {"missing": "file_not_found", "empty_path": "invalid_path", "zero_bytes": "empty_file",
                "not_a_video": "decode_error", "truncated": "decode_error", "corrupt": "decode_error",
                "a_directory": "not_a_file"}
    for vid, et in expected.items():
        if vid in df.index:
            assert df.loc[vid, "error_type"] == et, (vid, df.loc[vid, "error"])
            err = df.loc[vid, "error"]
            assert "\n" not in err and "Traceback" not in err and len(err) < 1000
    assert set(expected) - {"corrupt"} <= set(df.index)


def test_parts_survive_schema_drift(tmp_path):
    csv = write_csv(tmp_path / "m.csv", rows_for(6))

    def drift(loader):
        i = int(loader.row["label"])
        return {"x": i if i < 3 else f"s{i}", "y": i if i % 2 else i + 0.5}

    out = tmp_path / "o"
    BatchVideoProcessor(num_workers=1).process_dataset(csv, process_fn=drift, output_dir=out, save_interval=3, show_progress=False)
    t = pq.read_table(out / "results.parquet")
    assert t.num_rows == 6
    df = t.to_pandas().set_index("video_id")
    assert df.loc["v0004", "x"] == "s4" and df.loc["v0001", "x"] == "1" and df.loc["v0002", "y"] == 2.5
