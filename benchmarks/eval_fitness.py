"""Evaluate the ``fitness`` function on the real clips in ../shared/videos (``make eval``).

Per clip: predicted vs true reps and exercise (and plank hold); then rep-count MAE (mean of
|pred - true| / true), off-by-one accuracy, exercise-identification accuracy, plank hold error and
segment agreement for the multi-phase clips in segments.csv; all clips, then high/medium confidence
and low confidence separately; then the same per exercise and per camera view, the negatives (clips of
no exercise: share with no false reps), the plank hold error per plank clip, and the speed (real-time
factor, when poses were computed in this run). The targets in TARGETS mark each figure OK/MISSED and
set the exit code (0: all met; 1: some missed). ``--json PATH`` writes every figure.

Pose landmarks are cached per clip under eval_out/poses/, keyed by the clip's sha256, the pose
settings and the pose stage's version, so re-evaluating after a change to the analysis stages (pure
functions over landmarks) takes seconds. ``--no-cache`` recomputes; ``--batch`` instead runs the real
batch engine (``BatchVideoProcessor.process_dataset(process_fn="fitness")``, 2 workers) end to end.

    .venv/bin/python benchmarks/eval_fitness.py [--clips a,b] [--analysis-fps auto|N] [--no-cache] [--batch]
                                                 [--json PATH]
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from batchproc.fns.fitness.classifier import EXERCISES  # noqa: E402

POSE_STAGE_VERSION = "7"  # bump when extract_poses changes what it produces (7: deterministic sampling)
NON_EXERCISE = {"rest", "other", "transition"}
NEGATIVE = "other"  # manifest exercise of the negative clips (no exercise, true_reps 0)
# The issue's targets; each figure printed is marked OK/MISSED against these and they set the exit code.
# mae: rep-count MAE (mean |pred - true| / true; a negative counts 1 if any rep is found), at most;
# obo: share of clips within one rep, at least; ident: exercise identification, at least; neg_clean: share
# of negatives with no false reps (total_reps == 0), at least; plank: hold-time error, max over plank clips,
# at most; speed: real-time factor (video seconds / compute seconds), at least, judged only when measured.
TARGETS = {"mae": 0.10, "obo": 0.90, "ident": 0.92, "neg_clean": 0.8, "plank": 0.10, "speed": 8.0}


def shared_videos() -> Path:
    env = os.environ.get("BATCHPROC_SHARED_VIDEOS")
    return Path(env) if env else ROOT.parent / "shared" / "videos"


def load_manifest(folder: Path) -> list[dict[str, str]]:
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_segments(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    p = folder / "segments.csv"
    if not p.exists():
        return out
    with open(p, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["video_id"], []).append(
                {"start": float(r["start_s"]), "end": float(r["end_s"]), "label": r["label"], "reps": int(r["reps"] or 0)})
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


VERBOSE = False


@contextlib.contextmanager
def native_stderr_quiet(enabled: bool = True):
    """Silence what native code (MediaPipe's C++ logging: a warning each time a graph starts) writes
    to file descriptor 2 while pose runs; Python exceptions still propagate. ``--verbose`` keeps it."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


# -- pose cache ----------------------------------------------------------------------------------

def cache_key(sha: str, pose_params: dict[str, Any]) -> str:
    blob = json.dumps({"v": POSE_STAGE_VERSION, **pose_params}, sort_keys=True, default=str)
    return f"{sha[:16]}-{hashlib.sha1(blob.encode()).hexdigest()[:10]}"


def save_run(path: Path, run: dict[str, Any]) -> None:
    arrays = {k: v for k, v in run.items() if isinstance(v, np.ndarray)}
    scalars = {k: v for k, v in run.items() if not isinstance(v, np.ndarray)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, __meta__=np.frombuffer(json.dumps(scalars).encode(), dtype=np.uint8), **arrays)
    os.replace(tmp, path)


def load_run(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as z:
        run: dict[str, Any] = {k: z[k] for k in z.files if k != "__meta__"}
        run.update(json.loads(bytes(z["__meta__"]).decode()))
    return run


def pose_run(clip: Path, vid: str, sha: str, pose_params: dict[str, Any], cache_dir: Path, use_cache: bool,
             lanes: int) -> tuple[dict[str, Any], bool]:
    from batchproc.fns.fitness import extract_poses
    from batchproc.loader import VideoLoader

    path = cache_dir / f"{cache_key(sha, pose_params)}.npz"
    if use_cache and path.exists():
        return load_run(path), True
    with native_stderr_quiet(not VERBOSE), VideoLoader(str(clip), vid, threads=lanes) as loader:
        run = extract_poses(loader, lanes=lanes, **pose_params)
    save_run(path, run)
    return run, False


# -- metrics -------------------------------------------------------------------------------------

def predicted(result: dict[str, Any]) -> dict[str, Any]:
    ss = result["session_summary"]
    times = ss.get("exercise_time_breakdown") or {}
    dominant = max(times, key=times.get) if times else "none"
    plank = sum(d["duration"] for d in result["detailed_analysis"] if d["exercise"] == "plank")
    return {"reps": int(ss["total_reps"]), "exercise": dominant, "exercises": set(times), "plank_hold": plank}


# Camera view categories. Rule, on the manifest's free-text ``view`` column (lower-cased):
#   multi          several views in one clip: two or more time-stamped parts ("front (0-8.5 s), side (9-26 s)"),
#                  or two or more of the words front / side / rear anywhere in the text (an edited clip
#                  cutting between angles: "front hang, ..., rear view, wide side view"; the phrase
#                  "side by side" is not a view);
#   otherwise the text before the first comma, parenthesis or semicolon (the head) decides:
#   three_quarter  the head contains '3/4', '3-4', 'three-quarter', '3-quarter' or 'oblique'
#                  (checked first: "side/3-quarter", "front/3-4", "oblique front (3/4)" are three-quarter views);
#   front / side / rear   the head contains that word ('back' counts as rear);
#   other          anything else.
VIEWS = ("front", "side", "rear", "three_quarter", "multi", "other")
_THREE_QUARTER = re.compile(r"3/4|3-4|three[- ]quarter|3-quarter|oblique")


def view_category(view: str) -> str:
    text = (view or "").lower()
    timed_parts = len(re.findall(r"\(\s*\d", text))
    plain = text.replace("side by side", "")
    base_views = {w for w in ("front", "side", "rear") if re.search(rf"\b{w}\b", plain)}
    if timed_parts >= 2 or len(base_views) >= 2:
        return "multi"
    head = re.split(r"[,(;]", text, maxsplit=1)[0]
    if _THREE_QUARTER.search(head):
        return "three_quarter"
    for name, words in (("front", ("front",)), ("side", ("side",)), ("rear", ("rear", "back"))):
        if any(re.search(rf"\b{w}\b", head) for w in words):
            return name
    return "other"


def segment_agreement(result: dict[str, Any], truth: list[dict[str, Any]], step: float = 0.1) -> float:
    """Share of the labelled time where the predicted label matches (rest/other/transition as one)."""
    def norm(label: str) -> str:
        return "none" if label in NON_EXERCISE or label not in EXERCISES else label

    agree = total = 0
    timeline = result.get("timeline") or []
    for seg in truth:
        for t in np.arange(seg["start"], seg["end"], step):
            pred = next((s["label"] for s in timeline if s["start_time"] <= t < s["end_time"]), "other")
            total += 1
            agree += norm(pred) == norm(seg["label"])
    return agree / total if total else float("nan")


def _mean(xs: list) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def _max(xs: list) -> float:
    return float(np.max(xs)) if xs else float("nan")


def group_metrics(clips: list[dict[str, Any]]) -> dict[str, Any]:
    """MAE, off-by-one, identification (and plank hold error, negatives) over per-clip records."""
    rep = [c for c in clips if c["rep_err"] is not None]
    plank = [c["plank_err"] for c in clips if c["plank_err"] is not None and np.isfinite(c["plank_err"])]
    neg = [c for c in clips if c["negative"]]
    return {
        "n": len(clips),
        "n_rep": len(rep),
        "mae": _mean([c["rep_err"] for c in rep]),
        "obo": _mean([c["obo"] for c in rep]),
        "ident": _mean([c["ident"] for c in clips]),
        "plank_n": len(plank),
        "plank_err": _max(plank),
        "plank_err_mean": _mean(plank),
        "neg_n": len(neg),
        "neg_clean": _mean([c["pred_reps"] == 0 for c in neg]),
    }


def evaluate(rows: list[dict[str, str]], results: dict[str, dict[str, Any]], segs: dict[str, list]) -> dict[str, Any]:
    """Per-clip table lines and every figure: overall, per exercise, per view, negatives, plank, segments.

    A negative clip (manifest exercise ``other``, true_reps 0) is identified correctly when no exercise of the
    eight is found (the dominant label is "none"); it is clean when total_reps == 0. Its rep error (1 when any
    rep is found) counts in the overall MAE and off-by-one, as it always has."""
    clips: list[dict[str, Any]] = []
    agreement: dict[str, float] = {}
    lines = []
    for r in rows:
        vid = r["video_id"]
        true_ex = r["exercise"]
        true_reps = int(r["true_reps"] or 0)
        rec: dict[str, Any] = {"video_id": vid, "exercise": true_ex, "view": r.get("view", ""),
                               "view_category": view_category(r.get("view", "")), "confidence": r.get("confidence", ""),
                               "negative": true_ex == NEGATIVE, "true_reps": true_reps, "pred_reps": None,
                               "predicted": None, "ident": False, "rep_err": None, "obo": None,
                               "plank_err": None, "plank_hold": None, "plank_hold_true": None, "failed": False}
        res = results.get(vid)
        if res is None:
            lines.append(f"{vid:16s} FAILED")
            rec["failed"] = True
            clips.append(rec)
            continue
        p = predicted(res)
        found = p["exercises"] & set(EXERCISES)
        if true_ex == "multi":
            truth = {s["label"] for s in segs.get(vid, []) if s["label"] in EXERCISES}
            ok_ex = p["exercises"] == truth
            shown_ex = "+".join(sorted(p["exercises"])) or "none"
        elif true_ex == NEGATIVE:
            ok_ex = not found and p["exercise"] not in EXERCISES
            shown_ex = p["exercise"]
        else:
            ok_ex = p["exercise"] == true_ex
            shown_ex = p["exercise"]
        rec.update(ident=bool(ok_ex), pred_reps=p["reps"], predicted=shown_ex)
        extra = ""
        if true_ex == "plank":
            hold = float(r["plank_hold_s"] or 0)
            err = abs(p["plank_hold"] - hold) / hold if hold else float("nan")
            rec.update(plank_err=err, plank_hold=round(p["plank_hold"], 2), plank_hold_true=hold)
            extra = f"hold {p['plank_hold']:.1f}/{hold:.1f} s ({err:+.0%})"
        else:
            e = abs(p["reps"] - true_reps) / true_reps if true_reps else float(p["reps"] > 0)
            rec.update(rep_err=float(e), obo=abs(p["reps"] - true_reps) <= 1)
        if vid in segs:
            agreement[vid] = segment_agreement(res, segs[vid])
            extra += f" seg-agree {agreement[vid]:.2f}"
        vs = res.get("video_stats", {})
        lines.append(f"{vid:16s} {true_ex:13s} {shown_ex:13s} {'ok ' if ok_ex else 'BAD'} "
                     f"{p['reps']:4d} {true_reps:4d} {'' if p['reps'] == true_reps else ('+' if p['reps'] > true_reps else '-') + str(abs(p['reps'] - true_reps)):>4s} "
                     f"{r['confidence']:6s} {vs.get('analysis_fps') or 0:5.1f} {rec['view_category']:13s} {extra}")
        clips.append(rec)

    overall = group_metrics(clips)
    by_exercise: dict[str, dict[str, Any]] = {}
    for ex in dict.fromkeys(c["exercise"] for c in clips):  # manifest order
        by_exercise[ex] = group_metrics([c for c in clips if c["exercise"] == ex])
    by_view: dict[str, dict[str, Any]] = {}
    for v in VIEWS:
        sel = [c for c in clips if c["view_category"] == v]
        if sel:
            by_view[v] = group_metrics(sel)
    neg = [c for c in clips if c["negative"]]
    negatives = {
        "n": len(neg),
        "clean": overall["neg_clean"],
        "false_reps_total": int(sum(c["pred_reps"] or 0 for c in neg)),
        "ident": _mean([c["ident"] for c in neg]),
        "by_clip": {c["video_id"]: {"pred_reps": c["pred_reps"], "predicted": c["predicted"], "ok": c["ident"]}
                    for c in neg},
    }
    plank_clips = [c for c in clips if c["exercise"] == "plank"]
    plank = {
        "n": len(plank_clips),
        "max": overall["plank_err"],
        "mean": overall["plank_err_mean"],
        "by_clip": {c["video_id"]: {"err": c["plank_err"], "pred_s": c["plank_hold"], "true_s": c["plank_hold_true"]}
                    for c in plank_clips},
    }
    return {
        "lines": lines,
        "n": len(rows),
        "mae": overall["mae"],
        "obo": overall["obo"],
        "ident": overall["ident"],
        "plank_err": overall["plank_err"],
        "plank_err_mean": overall["plank_err_mean"],
        "seg_agreement": _mean(list(agreement.values())),
        "seg_agreement_by_clip": agreement,
        "neg_n": negatives["n"],
        "neg_clean": negatives["clean"],
        "neg_false_reps": negatives["false_reps_total"],
        "negatives": negatives,
        "plank": plank,
        "by_exercise": by_exercise,
        "by_view": by_view,
        "clips": clips,
    }


def _mark(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def check_targets(m: dict[str, Any], speed: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each target against the figure: {name: {value, target, ok}}; ``ok`` is None where not judged (no clips
    of that kind, or speed not measured). A NaN figure with clips behind it (all failed) counts as missed."""
    checks: dict[str, dict[str, Any]] = {}

    def add(name: str, value: float, at_most: bool, judged: bool = True) -> None:
        if not judged:
            ok = None
        elif not np.isfinite(value):
            ok = False
        else:
            ok = value <= TARGETS[name] if at_most else value >= TARGETS[name]
        checks[name] = {"value": value, "target": TARGETS[name], "at_most": at_most, "ok": ok}

    add("mae", m["mae"], True, m["n"] > 0)
    add("obo", m["obo"], False, m["n"] > 0)
    add("ident", m["ident"], False, m["n"] > 0)
    add("neg_clean", m.get("neg_clean", float("nan")), False, m.get("neg_n", 0) > 0)
    add("plank", m["plank_err"], True, bool(m.get("plank", {}).get("n", np.isfinite(m["plank_err"]))))
    measured = bool(speed and speed.get("measured"))
    add("speed", speed["realtime_factor"] if measured else float("nan"), False, measured)
    return checks


def _fmt(v: Any, spec: str) -> str:
    return format(v, spec) if isinstance(v, (int, float)) and np.isfinite(v) else "-"


def metrics_line(name: str, m: dict[str, Any]) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    neg = ""
    if m.get("neg_n"):
        neg = f"  negatives clean {m['neg_clean']:.2f} ({mark(m['neg_clean'] >= TARGETS['neg_clean'])})"
    return (f"{name:22s} clips {m['n']:2d}  rep MAE {m['mae']:.3f} ({mark(m['mae'] <= TARGETS['mae'])})  "
            f"off-by-one {m['obo']:.2f} ({mark(m['obo'] >= TARGETS['obo'])})  "
            f"exercise id {m['ident']:.2f} ({mark(m['ident'] >= TARGETS['ident'])})  "
            f"plank hold err max {m['plank_err']:.0%}" + (f" ({mark(m['plank_err'] <= TARGETS['plank'])})" if np.isfinite(m['plank_err']) else "")
            + neg + (f"  segment agreement {m['seg_agreement']:.2f}" if np.isfinite(m['seg_agreement']) else ""))


def group_table(title: str, groups: dict[str, dict[str, Any]]) -> list[str]:
    """One row per group: clips, MAE, off-by-one, identification (plank hold error max where plank clips)."""
    out = [f"{title:15s} {'clips':>5s} {'MAE':>6s} {'OBO':>5s} {'ident':>5s}  {'plank err max':>13s}  {'neg clean':>9s}"]
    for name, g in groups.items():
        out.append(f"{name:15s} {g['n']:5d} {_fmt(g['mae'], '6.3f'):>6s} {_fmt(g['obo'], '5.2f'):>5s} "
                   f"{_fmt(g['ident'], '5.2f'):>5s}  {_fmt(g['plank_err'], '13.0%'):>13s}  "
                   f"{_fmt(g['neg_clean'], '9.2f') if g['neg_n'] else '-':>9s}")
    return out


def report_sections(m: dict[str, Any], speed: dict[str, Any]) -> list[str]:
    """The sections printed after the per-clip table and the overall lines."""
    out = [""]
    out += group_table("per exercise", m["by_exercise"])
    out.append("")
    out.append("(view: the manifest's free-text view -> category; rule in view_category)")
    out += group_table("per view", m["by_view"])
    out.append("")
    neg = m["negatives"]
    if neg["n"]:
        out.append(f"negatives: {neg['n']} clips, no false reps in {neg['clean']:.2f} "
                   f"({_mark(neg['clean'] >= TARGETS['neg_clean'])}, target >= {TARGETS['neg_clean']}), "
                   f"false reps total {neg['false_reps_total']}, identified as no exercise {neg['ident']:.2f}")
        out.append("  " + ", ".join(f"{k} {v['pred_reps'] if v['pred_reps'] is not None else 'FAILED'} reps ({v['predicted']})"
                                    for k, v in neg["by_clip"].items()))
    else:
        out.append("negatives: none in this selection")
    pl = m["plank"]
    if pl["n"]:
        out.append(f"plank hold error: max {_fmt(pl['max'], '.0%')} "
                   f"({_mark(np.isfinite(pl['max']) and pl['max'] <= TARGETS['plank'])}, target <= {TARGETS['plank']:.0%}), "
                   f"mean {_fmt(pl['mean'], '.0%')}")
        out.append("  " + ", ".join(
            f"{k} {_fmt(v['pred_s'], '.1f')}/{_fmt(v['true_s'], '.1f')} s ({_fmt(v['err'], '.0%')})"
            for k, v in pl["by_clip"].items()))
    else:
        out.append("plank hold error: no plank clips in this selection")
    if speed.get("measured"):
        out.append(f"speed ({speed['mode']}): {speed['video_s']:.1f} s of video in {speed['compute_s']:.1f} s "
                   f"({speed['what']}) -> {speed['realtime_factor']:.1f}x real time "
                   f"({_mark(speed['realtime_factor'] >= TARGETS['speed'])}, target >= {TARGETS['speed']:g}x)")
    else:
        out.append(f"speed: not measured ({speed.get('what', 'poses from cache')}); target >= {TARGETS['speed']:g}x "
                   "real time is judged with --no-cache or --batch")
    return out


def clip_from_row(r: dict[str, str], segs: dict[str, list[dict[str, Any]]]):
    """A manifest row as a labelled training clip (the format ``batchproc fitness-train`` reads)."""
    from batchproc.fns.fitness.training import LabelledClip

    active = None
    if r.get("active_start_s") and r.get("active_end_s"):
        active = (float(r["active_start_s"]), float(r["active_end_s"]))
    return LabelledClip(r["video_id"], r["path"], r["exercise"], active,
                        [(s["label"], s["start"], s["end"]) for s in segs.get(r["video_id"], [])])


# LOSO fits a model per source (25 here): a lighter recipe than the shipped model's (one member, half
# the generated data) so they take minutes, with a model of the same recipe on generated data alone
# as the reference, so the difference is what the other sources' clips add
LOSO_TRAIN = {"members": 1, "epochs": 60}
LOSO_PLAN = {"per_exercise": 80, "per_other": 30, "sessions": 40}


def leave_one_source_out(rows: list[dict[str, str]], runs: dict[str, dict[str, Any]],
                         segs: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each source held out in turn: a model fitted on the other sources' clips plus the generated data,
    scored on the held-out clips; and, for reference, the same recipe on generated data alone. Shows
    what a user's own labelled footage adds. These models stay here (fitted on clips the project may
    not ship). Returns (LOSO metrics, generated-only metrics)."""
    from batchproc.fns.fitness import summarize
    from batchproc.fns.fitness.classifier import CLASSES, TrainConfig
    from batchproc.fns.fitness.training import SynthPlan, synth_dataset, train, train_on_clips
    from batchproc.fns.fitness.window_features import WindowConfig

    cfg = TrainConfig(**LOSO_TRAIN)
    synth = synth_dataset(SynthPlan(**LOSO_PLAN), WindowConfig())
    alone = train(synth[0], synth[1], {"data": "generated (LOSO reference)"}, cfg, CLASSES)
    ref = {vid: summarize(run, return_poses=False, model=alone) for vid, run in runs.items()}
    results: dict[str, dict[str, Any]] = {}
    for source in sorted({r["source_repo"] for r in rows}):
        train_rows = [r for r in rows if r["source_repo"] != source and r["video_id"] in runs]
        model = train_on_clips([clip_from_row(r, segs) for r in train_rows], runs, synth_cache=synth, cfg=cfg)
        for r in rows:
            if r["source_repo"] == source and r["video_id"] in runs:
                results[r["video_id"]] = summarize(runs[r["video_id"]], return_poses=False, model=model)
    return evaluate(rows, results, segs), evaluate(rows, ref, segs)


def run_batch(rows: list[dict[str, str]], folder: Path, out_dir: Path, params: dict[str, Any],
              stats: dict[str, Any] | None = None) -> dict[str, dict]:
    """The real engine end to end: 2 workers, the registered ``fitness`` function. ``stats``, when given, gets
    the engine's stats (``total_time``: its wall time)."""
    import shutil
    import tempfile

    from batchproc import BatchVideoProcessor

    if out_dir.exists():
        shutil.rmtree(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "videos.csv"
        with open(csv_path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["video_id", "video_path"])
            for r in rows:
                w.writerow([r["video_id"], str((folder / r["path"]).resolve())])
        proc = BatchVideoProcessor(num_workers=2, checkpoint_path=out_dir / "checkpoint.json", show_progress=False)
        out = proc.process_dataset(csv_path, process_fn="fitness", output_dir=out_dir, params=params)
    results = {}
    for rec in out["results"]:
        rec = dict(rec)
        res = rec.get("result")
        if isinstance(res, str):
            res = json.loads(res)
        if rec.get("status") == "ok" and res:
            results[rec["video_id"]] = res
    if stats is not None:
        stats.update(out["stats"])
    print(f"batch run: {out['stats']['processed']} ok, {out['stats']['failed']} failed, "
          f"{out['stats']['total_time']:.1f} s wall", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", help="comma-separated video ids (default: all)")
    ap.add_argument("--analysis-fps", default="auto", help="'auto' (adaptive) or a fixed rate")
    ap.add_argument("--max-side", type=int, default=640)
    ap.add_argument("--no-cache", action="store_true", help="recompute pose landmarks")
    ap.add_argument("--batch", action="store_true", help="run through BatchVideoProcessor (2 workers), no cache")
    ap.add_argument("--lanes", type=int, default=1, help="pose lanes per clip when extracting (default 1)")
    ap.add_argument("--cache-dir", default=str(ROOT / "eval_out" / "poses"))
    ap.add_argument("--json", help="also write every figure here (overall, per exercise, per view, negatives, "
                                     "plank, speed, per clip)")
    ap.add_argument("--verbose", action="store_true", help="keep MediaPipe's native log lines")
    ap.add_argument("--no-loso", action="store_true",
                    help="skip the leave-one-source-out fits (a model per held-out source; a few minutes)")
    args = ap.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose

    folder = shared_videos()
    if not (folder / "manifest.csv").exists():
        print(f"no clips: {folder}/manifest.csv not found (set BATCHPROC_SHARED_VIDEOS)", file=sys.stderr)
        return 2
    rows = load_manifest(folder)
    if args.clips:
        want = set(args.clips.split(","))
        rows = [r for r in rows if r["video_id"] in want]
    segs = load_segments(folder)
    afps: float | str = args.analysis_fps if args.analysis_fps == "auto" else float(args.analysis_fps)
    pose_params = {"analysis_fps": afps, "max_side": args.max_side}
    batch_params = dict(pose_params)

    from batchproc.fns.fitness import summarize

    t0 = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    runs: dict[str, dict[str, Any]] = {}
    pose_time = video_time = 0.0
    posed_clips = 0
    batch_stats: dict[str, Any] = {}
    if args.batch:
        with native_stderr_quiet(not args.verbose):
            results = run_batch(rows, folder, ROOT / "eval_out" / "batch_run", batch_params, batch_stats)
    else:
        for r in rows:
            clip = folder / r["path"]
            sha = r.get("sha256") or sha256(clip)
            run, cached = pose_run(clip, r["video_id"], sha, pose_params, Path(args.cache_dir),
                                   not args.no_cache, args.lanes)
            runs[r["video_id"]] = run
            t_an = time.perf_counter()
            results[r["video_id"]] = summarize(run, return_poses=False)
            t_an = time.perf_counter() - t_an
            if not cached:
                tm = run["timings"]
                pose_time += tm.get("pose_wall_s", 0.0) + tm.get("probe_s", 0.0) + t_an
                video_time += run["duration"]
                posed_clips += 1
                print(f"  posed {r['video_id']}: {run['duration']:.1f} s of video in "
                      f"{tm.get('pose_wall_s', 0):.1f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0

    # speed: real-time factor = video seconds / compute seconds, only where the poses were computed here
    if args.batch:
        # total video duration of the clips given to the engine (manifest duration_s; else the result's)
        durs = [float(r.get("duration_s") or (results.get(r["video_id"]) or {}).get("session_summary", {})
                      .get("total_duration") or 0.0) for r in rows]
        wall = float(batch_stats.get("total_time") or 0.0)
        speed = {"mode": "batch", "measured": bool(wall > 0 and durs), "clips": len(durs), "video_s": sum(durs),
                 "compute_s": wall, "realtime_factor": sum(durs) / wall if wall > 0 else float("nan"),
                 "what": "engine wall time, 2 workers"}
    else:
        speed = {"mode": "pose", "measured": posed_clips > 0, "clips": posed_clips, "video_s": video_time,
                 "compute_s": pose_time, "realtime_factor": video_time / pose_time if pose_time else float("nan"),
                 "what": (f"probe+decode+pose+analysis of {posed_clips} clip(s) posed in this run, 1 process, "
                          f"{args.lanes} lane(s)") if posed_clips else "poses from cache"}

    m_all = evaluate(rows, results, segs)
    hm = [r for r in rows if r["confidence"] != "low"]
    low = [r for r in rows if r["confidence"] == "low"]
    print(f"{'clip':16s} {'exercise':13s} {'predicted':13s} id  pred true  err conf   fps  {'view':13s} notes")
    for line in m_all["lines"]:
        print(line)
    print()
    print(metrics_line("all clips", m_all))
    m_hm = evaluate(hm, results, segs) if hm else None
    m_low = evaluate(low, results, segs) if low else None
    if m_hm:
        print(metrics_line("confidence high/medium", m_hm))
    if m_low:
        print(metrics_line("confidence low", m_low))
    if m_all["seg_agreement_by_clip"]:
        print("segment agreement: " + ", ".join(f"{k} {v:.2f}" for k, v in m_all["seg_agreement_by_clip"].items()))
    for line in report_sections(m_all, speed):
        print(line)
    checks = check_targets(m_all, speed)
    print()
    print("targets: " + ", ".join(
        f"{k} {_fmt(c['value'], '.3f')} {'<=' if c['at_most'] else '>='} {c['target']:g} "
        f"{'not judged' if c['ok'] is None else _mark(c['ok'])}" for k, c in checks.items()))
    print(f"evaluated {len(rows)} clips in {elapsed:.1f} s; settings {pose_params}")
    m_loso = None
    if runs and not args.no_loso:
        t_l = time.perf_counter()
        m_loso, m_ref = leave_one_source_out(rows, runs, segs)
        print()
        print("Leave-one-source-out: for each source, a model fitted on the OTHER dev sources' clips plus the "
              f"generated data (the fitness-train path; recipe {LOSO_TRAIN}, plan {LOSO_PLAN}), evaluated on the "
              "held-out source; beside it the same recipe on generated data alone")
        print(metrics_line("generated only", m_ref))
        print(metrics_line("LOSO all clips", m_loso))
        for line in group_table("LOSO per exercise", m_loso["by_exercise"]):
            print(line)
        print(f"LOSO: {len({r['source_repo'] for r in rows})} fits in {time.perf_counter() - t_l:.0f} s")
    if args.json:
        def strip(m: dict[str, Any] | None) -> dict[str, Any] | None:
            return m and {k: v for k, v in m.items() if k not in ("lines", "clips")}

        def clean(x: Any) -> Any:  # JSON without NaN (null instead), sets as sorted lists
            if isinstance(x, dict):
                return {str(k): clean(v) for k, v in x.items()}
            if isinstance(x, (list, tuple, set)):
                return [clean(v) for v in (sorted(x) if isinstance(x, set) else x)]
            if isinstance(x, (bool, np.bool_)):
                return bool(x)
            if isinstance(x, (int, np.integer)):
                return int(x)
            if isinstance(x, (float, np.floating)):
                return float(x) if np.isfinite(x) else None
            return x

        doc = {
            "settings": {**pose_params, "batch": args.batch, "clips": len(rows)},
            "targets": TARGETS,
            "checks": checks,
            "all_targets_met": all(c["ok"] is not False for c in checks.values()),
            "overall": {k: m_all[k] for k in ("n", "mae", "obo", "ident", "neg_n", "neg_clean", "plank_err",
                                              "plank_err_mean", "seg_agreement")},
            "by_exercise": m_all["by_exercise"],
            "by_view": m_all["by_view"],
            "negatives": m_all["negatives"],
            "plank": m_all["plank"],
            "speed": speed,
            "seg_agreement_by_clip": m_all["seg_agreement_by_clip"],
            "by_confidence": {"high_medium": strip(m_hm), "low": strip(m_low)},
            "clips": m_all["clips"],
            "leave_one_source_out": strip(m_loso),
        }
        Path(args.json).write_text(json.dumps(clean(doc), indent=2))
    return 0 if all(c["ok"] is not False for c in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
