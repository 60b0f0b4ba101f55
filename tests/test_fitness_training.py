"""Training the exercise classifier: deterministic, refuses what it cannot use, and lets a user teach it.

The user-training test runs ``batchproc fitness-train`` for real on a few clips from
../shared/videos (skipped where they are absent), with a class of the user's own, then analyses a
clip with that model through ``analyze_fitness``.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from batchproc.fns.fitness.analysis import AnalysisConfig
from batchproc.fns.fitness.classifier import CLASSES, ExerciseModel, TrainConfig, fit, load_model
from batchproc.fns.fitness.training import LabelledClip, SynthPlan, classes_for, label_index, train_shipped
from batchproc.fns.fitness.window_features import FEATURE_NAMES

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BATCHPROC_SHARED_VIDEOS") or ROOT.parent / "shared" / "videos")


def _toy(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(CLASSES), n)
    x = rng.normal(0, 1, (n, len(FEATURE_NAMES))) + y[:, None] * 0.5
    return x, y


def test_fit_is_deterministic_and_round_trips(tmp_path):
    x, y = _toy()
    cfg = TrainConfig(epochs=20, seed=3)
    a, b = fit(x, y, CLASSES, cfg), fit(x, y, CLASSES, cfg)
    np.testing.assert_array_equal(a.w1, b.w1)
    np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))
    a.save(tmp_path / "m.npz")
    c = ExerciseModel.load(tmp_path / "m.npz")
    np.testing.assert_allclose(c.predict_proba(x), a.predict_proba(x), atol=1e-5)  # stored as float32
    p = c.predict_proba(x)
    assert p.shape == (len(x), len(CLASSES)) and np.allclose(p.sum(axis=1), 1.0)
    assert np.isnan(c.predict_proba(np.full((1, len(FEATURE_NAMES)), np.nan))).all()  # no features: no answer


def test_a_model_for_other_features_is_refused(tmp_path):
    x, y = _toy()
    m = fit(x, y, CLASSES, TrainConfig(epochs=2))
    m.feature_names = tuple(f"x{i}" for i in range(len(FEATURE_NAMES)))
    m.save(tmp_path / "old.npz")
    with pytest.raises(ValueError, match="retrain"):
        ExerciseModel.load(tmp_path / "old.npz")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.npz")


def test_shipped_model_is_rebuilt_identically(tmp_path):
    """``make train`` with fixed seeds gives the same file twice (here with a small plan)."""
    plan = SynthPlan(per_exercise=2, per_other=1, sessions=1)
    cfg = TrainConfig(epochs=3)
    train_shipped(tmp_path / "a.npz", plan, cfg, progress=False)
    train_shipped(tmp_path / "b.npz", plan, cfg, progress=False)
    a, b = ExerciseModel.load(tmp_path / "a.npz"), ExerciseModel.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(a.w2, b.w2)
    assert a.provenance["data_fingerprint"] == b.provenance["data_fingerprint"]
    assert "no real footage" in a.provenance["data"]
    assert (tmp_path / "a.json").exists()


def test_shipped_model_loads_and_was_trained_on_generated_data_only():
    m = load_model()
    assert m.classes[: len(CLASSES)] == CLASSES
    assert "generated" in m.provenance.get("data", "") and "clips" not in m.provenance


def test_labels_and_user_classes():
    assert CLASSES[label_index("Push-up")] == "pushup" and CLASSES[label_index("rest")] == "other"
    clips = [LabelledClip("a", "a.mp4", "squat", None, []), LabelledClip("b", "b.mp4", "Kettlebell swing", None, []),
             LabelledClip("c", "c.mp4", "multi", None, [("burpee", 0.0, 5.0), ("rest", 5.0, 8.0)])]
    assert classes_for(clips) == CLASSES + ("burpee", "kettlebell_swing")


def test_analysis_parameters_are_typed_and_typos_refused():
    cfg = AnalysisConfig.from_params(min_exercise_s=3.0, max_pause_s=2.5)
    assert cfg.segments.min_exercise_s == 3.0 and cfg.repetition.max_pause_s == 2.5
    with pytest.raises(ValueError, match="unknown analysis parameter 'min_excercise_s'"):
        AnalysisConfig.from_params(min_excercise_s=3.0)


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "manifest.csv").exists(), reason=f"real clips not available: {SHARED}")
def test_a_user_teaches_it_a_new_exercise(tmp_path):
    """fitness-train on a few labelled clips, one of them labelled with the user's own class (the
    burpee clip the shipped model must call "other"); the model then names that movement."""
    rows = {"squat_27": "squat", "pushup_22": "pushup", "jumpingjack_03": "jumping_jack", "other_31": "burpee",
            "curl_30": "bicep_curl"}
    manifest = tmp_path / "labelled.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["video_id", "path", "exercise"])
        for vid, label in rows.items():
            w.writerow([vid, str(SHARED / "clips" / f"{vid}.mp4"), label])
    out = tmp_path / "mine.npz"
    proc = subprocess.run([sys.executable, "-m", "batchproc.cli", "fitness-train", "--manifest", str(manifest),
                           "--out", str(out), "--no-generated"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout and out.exists() and out.with_suffix(".json").exists()
    model = ExerciseModel.load(out)
    assert "burpee" in model.classes

    from batchproc.fns.fitness import analyze_fitness
    from batchproc.loader import VideoLoader

    with VideoLoader(str(SHARED / "clips" / "other_31.mp4"), "other_31") as loader:
        r = analyze_fitness(loader, model=str(out), return_poses=False)
    named = [d["exercise"] for d in r["detailed_analysis"]]
    assert "burpee" in named, r["timeline"]
    # a class of the user's own is reported with its reps, outside the eight-exercise totals
    assert "burpee" not in r["session_summary"]["exercise_breakdown"]
    # a bad manifest is a clear error, not a traceback
    bad = tmp_path / "bad.csv"
    bad.write_text("video_id,path\nx,x.mp4\n")
    proc = subprocess.run([sys.executable, "-m", "batchproc.cli", "fitness-train", "--manifest", str(bad),
                           "--out", str(tmp_path / "x.npz")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "needs 'path' and 'exercise'" in proc.stderr and "Traceback" not in proc.stderr
