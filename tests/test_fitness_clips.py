"""The fitness function on real workout clips (../shared/videos), through the real batch engine.

One module-scoped batch run (2 workers) analyses every dev clip once; the tests then check that the
evaluation does not fall below the level reached so far (a ratchet, constants below), the result schema
and the ML tables. A longer session is built at test time by concatenating several clips with rests
(never stored in the project) to check that segmentation finds the exercise changes. Skipped, with the
reason, where the clips are absent.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BATCHPROC_SHARED_VIDEOS") or ROOT.parent / "shared" / "videos")

# Ratchet: the level the shipped analysis reaches today on all 55 clips (benchmarks/eval_fitness.py, negatives
# scored as identified when no exercise is found), rounded to the safe side by at most 0.01. Never lower these;
# raise them with each landing toward the targets (benchmarks/eval_fitness.py TARGETS): rep MAE <= 0.10,
# off-by-one >= 0.90, exercise identification >= 0.92, negatives with no false reps >= 0.8, plank hold error
# <= 10 % (max over the plank clips).
# History: introduced at the hand-set rules' level (MAE 0.139, off-by-one 0.857, identification 0.891,
# negatives clean 0.50, plank hold error max 0.296; high/medium MAE 0.142, off-by-one 0.854).
# Raised when the learned analysis replaced the rules (shipped model trained on generated poses only):
# MAE 0.136, off-by-one 0.878, identification 0.891, negatives clean 0.75 (3 of 4), plank hold error max
# 0.296 (plank_20); high/medium confidence MAE 0.138, off-by-one 0.875.
RATCHET_MAE = 0.14  # at most
RATCHET_OBO = 0.87  # at least
RATCHET_IDENT = 0.89  # at least
RATCHET_NEG_CLEAN = 0.75  # at least
RATCHET_PLANK_ERR = 0.30  # at most
# the clips counted with high or medium confidence
RATCHET_HM_MAE = 0.14  # at most
RATCHET_HM_OBO = 0.87  # at least

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SHARED / "manifest.csv").exists(),
                       reason=f"real clips not available: {SHARED}/manifest.csv not found "
                              "(set BATCHPROC_SHARED_VIDEOS to the folder with manifest.csv and clips/)"),
]


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_fitness", ROOT / "benchmarks" / "eval_fitness.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    with open(SHARED / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def batch(manifest, tmp_path_factory):
    """Every clip through BatchVideoProcessor (2 workers, the registered ``fitness``), once."""
    from batchproc import BatchVideoProcessor

    tmp = tmp_path_factory.mktemp("fitness-clips")
    csv_path = tmp / "videos.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["video_id", "video_path"])
        for r in manifest:
            w.writerow([r["video_id"], str((SHARED / r["path"]).resolve())])
    out_dir = tmp / "out"
    res = BatchVideoProcessor(num_workers=2, show_progress=False, timeout_s=600).process_dataset(
        csv_path, process_fn="fitness", output_dir=out_dir)
    records = list(res["results"])
    results = {}
    for rec in records:
        r = rec["result"]
        if isinstance(r, str):
            r = json.loads(r)
        if rec["status"] == "ok":
            results[rec["video_id"]] = r
    return {"stats": res["stats"], "records": records, "results": results, "out_dir": out_dir}


def test_every_clip_is_processed(batch, manifest):
    failed = [(r["video_id"], r["error_type"], r["error"]) for r in batch["records"] if r["status"] != "ok"]
    assert not failed
    assert set(batch["results"]) == {r["video_id"] for r in manifest}


def test_floor_targets(batch, manifest):
    ev = _eval_module()
    segs = ev.load_segments(SHARED)
    m = ev.evaluate(manifest, batch["results"], segs)
    print("\n".join(m["lines"]))
    print(ev.metrics_line("all clips", m))
    # a ratchet, not the targets: see the RATCHET_* constants at the top
    assert m["n"] == len(manifest) and m["neg_n"] > 0
    assert m["mae"] <= RATCHET_MAE, m["mae"]
    assert m["obo"] >= RATCHET_OBO, m["obo"]
    assert m["ident"] >= RATCHET_IDENT, m["ident"]
    assert m["neg_clean"] >= RATCHET_NEG_CLEAN, m["negatives"]
    assert m["plank_err"] <= RATCHET_PLANK_ERR, m["plank"]
    # the clips counted reliably by eye must not slip either
    hm = ev.evaluate([r for r in manifest if r["confidence"] != "low"], batch["results"], segs)
    print(ev.metrics_line("confidence high/medium", hm))
    assert hm["mae"] <= RATCHET_HM_MAE, hm["mae"]
    assert hm["obo"] >= RATCHET_HM_OBO, hm["obo"]


def test_result_schema_on_real_clips(batch):
    for vid, r in batch["results"].items():
        ss = r["session_summary"]
        assert set(ss) >= {"total_duration", "total_exercise_time", "rest_time", "total_reps",
                           "exercises_performed", "exercise_breakdown"}, vid
        assert ss["total_exercise_time"] + ss["rest_time"] == pytest.approx(ss["total_duration"], abs=0.05)
        # the eight exercises' reps make the total; a repeated movement that is none of them is
        # reported as ``other`` with its reps, outside the total
        assert ss["total_reps"] == sum(d["reps_counted"] for d in r["detailed_analysis"] if d["exercise"] != "other")
        for d in r["detailed_analysis"]:
            assert set(d) >= {"exercise", "start_time", "end_time", "duration", "reps_counted", "rep_timestamps",
                              "fatigue_analysis"}
            assert len(d["rep_timestamps"]) == d["reps_counted"]
            assert all(d["start_time"] - 0.01 <= t <= d["end_time"] + 0.01 for t in d["rep_timestamps"])
            fa = d["fatigue_analysis"]
            assert 0.0 <= fa["fatigue_score"] <= 1.0 and isinstance(fa["indicators"], list)
        vs = r["video_stats"]
        assert set(vs) >= {"total_frames", "analyzed_frames", "pose_detection_rate", "average_visibility"}
        assert 0 < vs["analyzed_frames"] < vs["total_frames"]
        assert 0.0 <= vs["pose_detection_rate"] <= 1.0
        assert vs["decode_path"] == "pyav", (vid, vs.get("decode_fallback_reason"))
        assert r["processing_time"] > 0 and r["peak_memory_mb"] > 0
        assert {"decode_s", "pose_s", "analysis_s"} <= set(r["timings"])
        # landmarks went to artifacts, referenced from the result
        assert r["poses"]["shape"][1:] == [33, 4] and (batch["out_dir"] / r["poses"]["artifact"]).exists()


def test_tables_for_ml(batch):
    import pyarrow.parquet as pq

    from batchproc.fns.fitness import write_fitness_tables

    out = batch["out_dir"]
    write_fitness_tables(out, batch["records"])
    seg = pq.read_table(out / "segments.parquet").to_pandas()
    assert set(seg.video_id) == set(batch["results"])
    # the eight exercises' rows add up to the total; ``other`` rows keep their reps, outside it
    reps = seg[seg.is_exercise].groupby("video_id").reps_counted.sum()
    for vid, r in batch["results"].items():
        assert reps.get(vid, 0) == r["session_summary"]["total_reps"]
        other = seg[(seg.video_id == vid) & (seg.exercise == "other")].reps_counted.sum()
        assert other == sum(d["reps_counted"] for d in r["detailed_analysis"] if d["exercise"] == "other")
    poses = pq.read_table(out / "poses.parquet", columns=["video_id", "frame_index", "t", "lm00_x", "lm32_v"]).to_pandas()
    n = {vid: r["video_stats"]["analyzed_frames"] for vid, r in batch["results"].items()}
    assert poses.groupby("video_id").size().to_dict() == n
    assert poses.groupby("video_id").frame_index.is_monotonic_increasing.all()


def test_report_text(batch):
    from batchproc.fns.fitness import format_report

    text = format_report(batch["results"]["session_02"])
    assert "total reps" in text and "squat" in text and "lunge" in text


def test_long_session_segmentation(manifest, tmp_path):
    """Several clips joined with rests (built here, at 640x360 and 15 fps): the exercise changes are found in
    order, with their reps, and the rests between them."""
    from batchproc.fns.fitness import analyze_fitness
    from batchproc.fns.fitness.concat import concat_clips
    from batchproc.loader import VideoLoader

    by_id = {r["video_id"]: r for r in manifest}
    order = ["squat_05", "jumpingjack_01", "pushup_05", "curl_01", "plank_03", "lunge_01"]
    path = tmp_path / "session.mp4"
    parts = concat_clips([str(SHARED / by_id[c]["path"]) for c in order], path, 640, 360, 15.0, rest_s=4.0,
                         preset="ultrafast")
    # two pose lanes: exercises the chunked path (chunks with a warm-up, stitched back together)
    with VideoLoader(str(path), "session", threads=2) as loader:
        r = analyze_fitness(loader, return_poses=False, lanes=2, chunk_s=30.0)
    assert r["video_stats"]["pose_lanes"] == 2
    found = [d["exercise"] for d in r["detailed_analysis"]]
    # consecutive duplicates (a set split by a pause) count once
    collapsed = [e for i, e in enumerate(found) if i == 0 or found[i - 1] != e]
    assert collapsed == ["squat", "jumping_jack", "pushup", "bicep_curl", "plank", "lunge"], r["timeline"]
    reps: dict[str, int] = {}
    for d in r["detailed_analysis"]:
        reps[d["exercise"]] = reps.get(d["exercise"], 0) + d["reps_counted"]
    for clip in order:
        ex, true = by_id[clip]["exercise"], int(by_id[clip]["true_reps"])
        if ex != "plank":
            assert abs(reps[ex] - true) <= 1, (clip, reps)
    # each exercise is found where its clip was placed
    for clip, part in zip(order, parts):
        ex = by_id[clip]["exercise"]
        segs = [d for d in r["detailed_analysis"] if d["exercise"] == ex]
        assert any(d["start_time"] < part["end"] and d["end_time"] > part["start"] for d in segs), (clip, part)
    # the rests between the clips are not exercise time
    rest = sum(s["duration"] for s in r["timeline"] if s["label"] in ("rest", "other"))
    assert rest >= 0.6 * 4.0 * (len(order) - 1)
    plank = [d for d in r["detailed_analysis"] if d["exercise"] == "plank"]
    assert plank and abs(sum(d["duration"] for d in plank) - float(by_id["plank_03"]["plank_hold_s"])) <= 0.15 * 6.5 + 1.0
    assert np.isfinite(r["processing_time"])


VIEW_CLIPS = ("squat_25", "pushup_22", "curl_23", "jumpingjack_03", "lunge_01")


@pytest.mark.parametrize("deg", [45, 90, 135, 180])
def test_counts_survive_turning_the_camera(deg, view_runs):
    """The learned analysis counts from view-normalised geometry: the dev clips' world landmarks turned
    about the vertical (as if filmed from another azimuth) keep their counts within 1."""
    from batchproc.fns.fitness import summarize

    for vid, run in view_runs.items():
        base = summarize(run, return_poses=False)["session_summary"]["total_reps"]
        a = np.radians(deg)
        rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        turned = dict(run, world=np.asarray(run["world"]) @ rot.T)
        got = summarize(turned, return_poses=False)["session_summary"]["total_reps"]
        assert abs(got - base) <= 1, (vid, deg, base, got)


@pytest.fixture(scope="module")
def view_runs():
    from batchproc.fns.fitness import extract_poses
    from batchproc.loader import VideoLoader

    out = {}
    for vid in VIEW_CLIPS:
        with VideoLoader(str(SHARED / "clips" / f"{vid}.mp4"), vid) as loader:
            out[vid] = extract_poses(loader)
    return out
