"""Training the exercise classifier: on generated pose sequences (the shipped model), and on a user's own
labelled clips (``batchproc fitness-train``).

The shipped model is trained only on sequences the project generates (``synth``: a procedural body
performing each exercise and non-exercise movements, seen from random cameras), never on real clips,
which the project may not ship. ``make train`` rebuilds it deterministically (fixed seeds) and writes
its provenance beside it. A user's clips (a manifest in the format of ``../shared/videos``: ``path``,
``exercise``, optional ``active_start_s`` / ``active_end_s``; optional ``segments.csv`` with
``video_id,start_s,end_s,label``) add to or replace the generated data.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .classifier import CLASSES, OTHER, SHIPPED_MODEL, ExerciseModel, TrainConfig, fit
from .embedding import pose_embedding
from .features import shot_ids
from .window_features import FEATURE_NAMES, WindowConfig, interval_features, window_centers, window_features

NON_EXERCISE_LABELS = ("rest", "other", "transition", "none", "")
LABEL_ALIASES = {"push_up": "pushup", "sit_up": "situp", "pull_up": "pullup", "curl": "bicep_curl",
                 "jumpingjack": "jumping_jack", "jack": "jumping_jack", "rest": OTHER, "none": OTHER}
CYCLE_S = (0.8, 5.0)  # how long one rep lasts, fast jacks to slow push-ups
OTHER_CYCLES = 6  # rep-long spans drawn from each movement that has no reps


@dataclass(frozen=True)
class SynthPlan:
    """How much generated data: sequences per exercise and per non-exercise movement."""

    # twice this much data was the first plan that named the dev clips as well as the old rules did
    # (a data-size choice, not a per-clip one); about a minute to generate
    per_exercise: int = 160
    per_other: int = 60
    sessions: int = 80  # multi-movement sequences with rests, for boundaries
    fps: float = 10.0
    seed: int = 20261130


def label_index(label: str, classes: tuple[str, ...] = CLASSES) -> int:
    """A label's class: one of ``classes``; rest and anything unknown are ``other``."""
    label = _norm_label(label)
    if label in classes:
        return classes.index(label)
    return classes.index(OTHER)


def sequence_windows(times: np.ndarray, poses: np.ndarray, world: np.ndarray | None, detected: np.ndarray,
                     aspect: float, label_at: Callable[[np.ndarray], list[str]], cfg: WindowConfig,
                     cuts: np.ndarray | None = None, classes: tuple[str, ...] = CLASSES,
                     intervals: list[tuple[float, float]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Features of one sequence and the class of each example: fixed windows (labelled at their centre)
    and, where given, ``intervals`` (one rep each, labelled at their middle) - the two kinds of span
    the analysis asks the model about."""
    times = np.asarray(times, dtype=np.float64)
    if len(times) == 0:
        return np.zeros((0, len(FEATURE_NAMES))), np.zeros(0, dtype=int)
    emb = pose_embedding(poses, world, aspect, cfg.min_visibility)
    emb[~np.asarray(detected, dtype=bool)] = np.nan
    shots = shot_ids(times, cuts)
    centers = window_centers(float(times[0]), float(times[-1]), cfg)
    x, _ = window_features(times, emb, centers, cfg, shots)
    y = [label_index(lab, classes) for lab in label_at(centers)]
    if intervals:
        a = np.array([i[0] for i in intervals])
        b = np.array([i[1] for i in intervals])
        xi, _ = interval_features(times, emb, a, b, cfg)
        x = np.concatenate([x, xi])
        y += [label_index(lab, classes) for lab in label_at((a + b) / 2)]
    y = np.asarray(y, dtype=int)
    keep = np.isfinite(x).any(axis=1)
    return x[keep], y[keep]


def cycle_intervals(seq: Any, rng: np.random.Generator, per_sequence: int = OTHER_CYCLES) -> list[tuple[float, float]]:
    """Spans the analysis will ask about in a generated sequence: each rep of an exercise (start to
    completion), or for a movement without reps, spans as long as reps are (``CYCLE_S``) at random."""
    if seq.rep_times:
        return [(float(a), float(b)) for a, b in zip(seq.rep_starts, seq.rep_times) if b - a > 0.3]
    t0, t1 = float(seq.times[0]), float(seq.times[-1])
    out = []
    for _ in range(per_sequence):
        d = float(rng.uniform(*CYCLE_S))
        if t1 - t0 > d:
            a = float(rng.uniform(t0, t1 - d))
            out.append((a, a + d))
    return out


def _segments_label_at(segments: list[tuple[str, float, float]], default: str) -> Callable[[np.ndarray], list[str]]:
    def label_at(ts: np.ndarray) -> list[str]:
        out = []
        for t in ts:
            lab = next((lab for lab, a, b in segments if a <= t < b), default)
            out.append(lab)
        return out
    return label_at


def synth_dataset(plan: SynthPlan, cfg: WindowConfig, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Window features and classes over the generated sequences (deterministic for ``plan.seed``)."""
    from .synth.dataset import EXERCISES as SYN_EX
    from .synth.dataset import NON_EXERCISES, generate_sequence, generate_session

    xs, ys = [], []
    jobs: list[tuple[str, int]] = []
    for label in SYN_EX:
        jobs += [(label, k) for k in range(plan.per_exercise)]
    for label in NON_EXERCISES:
        jobs += [(label, k) for k in range(plan.per_other)]
    rng = np.random.default_rng(plan.seed)
    seeds = rng.integers(0, 2**31 - 1, size=len(jobs) + plan.sessions)
    all_moves = list(SYN_EX) + list(NON_EXERCISES)
    crng = np.random.default_rng(plan.seed + 2)
    for n, ((label, _), seed) in enumerate(zip(jobs, seeds)):
        seq = generate_sequence(label, int(seed), fps=plan.fps)
        segs = [(lab, a, b) for lab, a, b, _ in seq.segments] or [(label, 0.0, float("inf"))]
        x, y = sequence_windows(seq.times, seq.poses, seq.world, seq.detected, seq.aspect,
                                _segments_label_at(segs, label), cfg, intervals=cycle_intervals(seq, crng))
        xs.append(x)
        ys.append(y)
        if progress and n % 100 == 0:
            print(f"  generated {n}/{len(jobs) + plan.sessions} sequences", file=sys.stderr, flush=True)
    srng = np.random.default_rng(plan.seed + 1)
    for seed in seeds[len(jobs):]:
        labels = [str(all_moves[i]) for i in srng.choice(len(all_moves), size=3, replace=False)]
        seq = generate_session(labels, int(seed), fps=plan.fps)
        segs = [(lab, a, b) for lab, a, b, _ in seq.segments]
        x, y = sequence_windows(seq.times, seq.poses, seq.world, seq.detected, seq.aspect,
                                _segments_label_at(segs, "rest"), cfg)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


@dataclass
class LabelledClip:
    """One row of a user's training manifest."""

    video_id: str
    path: str
    exercise: str
    active: tuple[float, float] | None
    segments: list[tuple[str, float, float]]


def read_labelled_manifest(manifest: str | Path, segments: str | Path | None = None) -> list[LabelledClip]:
    """Rows of a labelled manifest (``video_id``, ``path`` relative to the CSV, ``exercise``, optional
    ``active_start_s``/``active_end_s``) and the optional segments file; a clear error for a bad row."""
    manifest = Path(manifest)
    seg_rows: dict[str, list[tuple[str, float, float]]] = {}
    if segments:
        with open(segments, newline="", encoding="utf-8") as f:
            for i, r in enumerate(csv.DictReader(f), start=2):
                try:
                    seg_rows.setdefault(r["video_id"], []).append((r["label"], float(r["start_s"]), float(r["end_s"])))
                except (KeyError, ValueError) as e:
                    raise ValueError(f"{segments}:{i}: need video_id,start_s,end_s,label ({e})") from None
    out = []
    with open(manifest, newline="", encoding="utf-8") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            if not r.get("path") or not r.get("exercise"):
                raise ValueError(f"{manifest}:{i}: every row needs 'path' and 'exercise'")
            vid = r.get("video_id") or Path(r["path"]).stem
            active = None
            if r.get("active_start_s") and r.get("active_end_s"):
                active = (float(r["active_start_s"]), float(r["active_end_s"]))
            out.append(LabelledClip(vid, str((manifest.parent / r["path"]).resolve()), r["exercise"], active,
                                    seg_rows.get(vid, [])))
    return out


def clip_label_at(clip: LabelledClip) -> Callable[[np.ndarray], list[str]]:
    """The label at each time: the segments where given, else the clip's exercise inside its active
    range (``other`` outside it; a ``multi`` clip without segments says nothing and is left out)."""
    if clip.segments:
        return _segments_label_at([(lab if lab not in NON_EXERCISE_LABELS else OTHER, a, b)
                                   for lab, a, b in clip.segments], OTHER)
    lo, hi = clip.active or (-np.inf, np.inf)

    def label_at(ts: np.ndarray) -> list[str]:
        return [clip.exercise if lo <= t <= hi else OTHER for t in ts]
    return label_at


def run_windows(run: dict[str, Any], clip: LabelledClip, cfg: WindowConfig,
                classes: tuple[str, ...] = CLASSES) -> tuple[np.ndarray, np.ndarray]:
    """Window features and classes of a clip from its ``extract_poses`` output."""
    from .analysis import detect_cuts
    from .pose import main_subject_mask

    from .repetition import detect_repetitions

    cuts = detect_cuts(run["cut_times"], run["cut_diffs"]) if len(run["cut_times"]) else np.zeros(0)
    det = main_subject_mask(run["poses"], run["detected"], run["times"], cuts)
    # the reps the counter finds in the clip are examples too, labelled by where they fall
    emb = pose_embedding(run["poses"], run["world"], run["aspect"])
    emb[~det] = np.nan
    stretches = detect_repetitions(run["times"], emb, shot_ids(run["times"], cuts))
    reps = [(a, b) for st in stretches for a, b in zip(st.reps.rep_starts, st.reps.rep_times)]
    return sequence_windows(run["times"], run["poses"], run["world"], det, run["aspect"], clip_label_at(clip), cfg,
                            cuts, classes, intervals=reps)


def train(x: np.ndarray, y: np.ndarray, provenance: dict[str, Any], cfg: TrainConfig | None = None,
          classes: tuple[str, ...] = CLASSES) -> ExerciseModel:
    cfg = cfg or TrainConfig()
    t0 = time.perf_counter()
    model = fit(x, y, classes, cfg)
    model.provenance = {**provenance, "train_config": asdict(cfg), "windows": int(len(y)),
                        "windows_per_class": {c: int((y == i).sum()) for i, c in enumerate(classes)},
                        "train_seconds": round(time.perf_counter() - t0, 1)}
    return model


def _fingerprint(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def train_shipped(out: Path = SHIPPED_MODEL, plan: SynthPlan | None = None, cfg: TrainConfig | None = None,
                  progress: bool = True) -> ExerciseModel:
    """Rebuild the shipped model from generated data alone, and write its provenance beside it."""
    plan = plan or SynthPlan()
    wcfg = WindowConfig()
    t0 = time.perf_counter()
    x, y = synth_dataset(plan, wcfg, progress)
    prov = {"data": "generated pose sequences only (batchproc.fns.fitness.synth); no real footage",
            "synth_plan": asdict(plan), "window_config": asdict(wcfg), "data_fingerprint": _fingerprint(x, y),
            "generated_seconds": round(time.perf_counter() - t0, 1), "python": platform.python_version(),
            "numpy": np.__version__, "built": "make train"}
    model = train(x, y, prov, cfg)
    model.save(out)
    Path(out).with_suffix(".json").write_text(json.dumps(model.provenance, indent=2) + "\n")
    return model


def _norm_label(label: str) -> str:
    label = (label or "").strip().lower().replace("-", "_").replace(" ", "_")
    return LABEL_ALIASES.get(label, label)


def classes_for(clips: Iterable[LabelledClip]) -> tuple[str, ...]:
    """The eight exercises and ``other``, then every other label the clips use (a team's own
    exercises: burpees, kettlebell swings), in alphabetical order."""
    seen = {_norm_label(c.exercise) for c in clips} | {_norm_label(lab) for c in clips for lab, _, _ in c.segments}
    extra = sorted(seen - set(CLASSES) - {_norm_label(x) for x in NON_EXERCISE_LABELS} - {"multi"})
    return CLASSES + tuple(extra)


def train_on_clips(clips: Iterable[LabelledClip], runs: dict[str, dict[str, Any]], with_synth: bool = True,
                   plan: SynthPlan | None = None, cfg: TrainConfig | None = None,
                   synth_cache: tuple[np.ndarray, np.ndarray] | None = None) -> ExerciseModel:
    """A model fitted on labelled clips (their ``extract_poses`` outputs in ``runs``), plus the
    generated data unless ``with_synth`` is False. ``synth_cache`` reuses generated windows."""
    wcfg = WindowConfig()
    clips = list(clips)
    classes = classes_for(clips)
    xs, ys = [], []
    used = []
    for clip in clips:
        if clip.video_id not in runs or (clip.exercise == "multi" and not clip.segments):
            continue
        x, y = run_windows(runs[clip.video_id], clip, wcfg, classes)
        xs.append(x)
        ys.append(y)
        used.append(clip.video_id)
    if with_synth:
        sx, sy = synth_cache if synth_cache is not None else synth_dataset(plan or SynthPlan(), wcfg)
        xs.append(sx)
        ys.append(np.array([classes.index(CLASSES[k]) for k in sy], dtype=int))  # same names, new order
    if not xs:
        raise ValueError("no training data: no labelled clip could be read and generated data is off")
    x, y = np.concatenate(xs), np.concatenate(ys)
    prov = {"data": ("generated pose sequences + " if with_synth else "") + f"{len(used)} labelled clips",
            "clips": used, "data_fingerprint": _fingerprint(x, y)}
    return train(x, y, prov, cfg, classes)


@dataclass
class TrainReport:
    """What ``train_from_manifest`` did: the model's path, the clips used and the ones that failed."""

    model_path: Path
    clips_used: list[str]
    clips_failed: list[tuple[str, str]]
    windows: int
    windows_per_class: dict[str, int]


def train_from_manifest(manifest: str | Path, out: str | Path, segments: str | Path | None = None,
                        with_synth: bool = True, plan: SynthPlan | None = None, cfg: TrainConfig | None = None,
                        pose_params: dict[str, Any] | None = None,
                        progress: Callable[[str], None] | None = None) -> TrainReport:
    """Fit the exercise model on a user's labelled clips (plus the generated data unless
    ``with_synth`` is False) and save it to ``out`` (use it with ``--param
    model=OUT``). Pose runs here, clip by clip; a clip that cannot be read is reported and skipped."""
    from ...loader import VideoLoader
    from . import extract_poses

    clips = read_labelled_manifest(manifest, segments)
    if not clips:
        raise ValueError(f"{manifest}: no rows")
    runs: dict[str, dict[str, Any]] = {}
    failed: list[tuple[str, str]] = []
    for i, clip in enumerate(clips, 1):
        try:
            with VideoLoader(clip.path, clip.video_id) as loader:
                runs[clip.video_id] = extract_poses(loader, **(pose_params or {}))
        except Exception as e:  # noqa: BLE001 - one bad clip is reported, the rest still train
            failed.append((clip.video_id, f"{type(e).__name__}: {e}"))
        if progress:
            progress(f"posed {i}/{len(clips)}: {clip.video_id}" + (f" FAILED ({failed[-1][1]})"
                                                                     if failed and failed[-1][0] == clip.video_id else ""))
    if not runs and not with_synth:
        raise ValueError("no clip could be read and generated data is off: nothing to train on")
    model = train_on_clips(clips, runs, with_synth=with_synth, plan=plan, cfg=cfg)
    model.provenance["manifest"] = str(Path(manifest).resolve())
    model.save(out)
    Path(out).with_suffix(".json").write_text(json.dumps(model.provenance, indent=2) + "\n")
    return TrainReport(Path(out), [c for c in model.provenance.get("clips", [])], failed,
                       int(model.provenance["windows"]), dict(model.provenance["windows_per_class"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Rebuild the shipped exercise model from generated data (make train).")
    ap.add_argument("--out", default=str(SHIPPED_MODEL))
    ap.add_argument("--per-exercise", type=int, default=SynthPlan.per_exercise)
    ap.add_argument("--per-other", type=int, default=SynthPlan.per_other)
    args = ap.parse_args(argv)
    plan = SynthPlan(per_exercise=args.per_exercise, per_other=args.per_other)
    model = train_shipped(Path(args.out), plan)
    print(f"wrote {args.out}: {model.provenance['windows']} windows, "
          f"{Path(args.out).stat().st_size / 1024:.0f} KiB, data {model.provenance['data_fingerprint']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
