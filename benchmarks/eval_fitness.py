"""Evaluate the ``fitness`` function on the real clips in ../shared/videos (``make eval``).

Per clip: predicted vs true reps and exercise (and plank hold); then rep-count MAE (mean of
|pred - true| / true), off-by-one accuracy, exercise-identification accuracy, plank hold error and
segment agreement for the multi-phase clips in segments.csv; all clips, then high/medium confidence
and low confidence separately.

Pose landmarks are cached per clip under eval_out/poses/, keyed by the clip's sha256, the pose
settings and the pose stage's version, so re-evaluating after a change to the analysis stages (pure
functions over landmarks) takes seconds. ``--no-cache`` recomputes; ``--batch`` instead runs the real
batch engine (``BatchVideoProcessor.process_dataset(process_fn="fitness")``, 2 workers) end to end.

    .venv/bin/python benchmarks/eval_fitness.py [--clips a,b] [--analysis-fps auto|N] [--no-cache] [--batch]
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from batchproc.fns.fitness.classify import EXERCISES  # noqa: E402

POSE_STAGE_VERSION = "6"  # bump when extract_poses changes what it produces
NON_EXERCISE = {"rest", "other", "transition"}
TARGETS = {"mae": 0.10, "obo": 0.90, "ident": 0.90, "plank": 0.15}


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


def evaluate(rows: list[dict[str, str]], results: dict[str, dict[str, Any]], segs: dict[str, list]) -> dict[str, Any]:
    rep_err, obo, ident, plank_err, agreement = [], [], [], [], {}
    lines = []
    for r in rows:
        vid = r["video_id"]
        res = results.get(vid)
        if res is None:
            lines.append(f"{vid:16s} FAILED")
            ident.append(False)
            continue
        p = predicted(res)
        true_ex = r["exercise"]
        if true_ex == "multi":
            truth = {s["label"] for s in segs.get(vid, []) if s["label"] in EXERCISES}
            ok_ex = p["exercises"] == truth
            shown_ex = "+".join(sorted(p["exercises"])) or "none"
        else:
            ok_ex = p["exercise"] == true_ex
            shown_ex = p["exercise"]
        ident.append(ok_ex)
        true_reps = int(r["true_reps"] or 0)
        extra = ""
        if true_ex == "plank":
            hold = float(r["plank_hold_s"] or 0)
            err = abs(p["plank_hold"] - hold) / hold if hold else float("nan")
            plank_err.append(err)
            extra = f"hold {p['plank_hold']:.1f}/{hold:.1f} s ({err:+.0%})"
        else:
            e = abs(p["reps"] - true_reps) / true_reps if true_reps else float(p["reps"] > 0)
            rep_err.append(e)
            obo.append(abs(p["reps"] - true_reps) <= 1)
        if vid in segs:
            agreement[vid] = segment_agreement(res, segs[vid])
            extra += f" seg-agree {agreement[vid]:.2f}"
        vs = res.get("video_stats", {})
        lines.append(f"{vid:16s} {true_ex:13s} {shown_ex:13s} {'ok ' if ok_ex else 'BAD'} "
                     f"{p['reps']:4d} {true_reps:4d} {'' if p['reps'] == true_reps else ('+' if p['reps'] > true_reps else '-') + str(abs(p['reps'] - true_reps)):>4s} "
                     f"{r['confidence']:6s} {vs.get('analysis_fps') or 0:5.1f} {extra}")
    return {
        "lines": lines,
        "n": len(rows),
        "mae": float(np.mean(rep_err)) if rep_err else float("nan"),
        "obo": float(np.mean(obo)) if obo else float("nan"),
        "ident": float(np.mean(ident)) if ident else float("nan"),
        "plank_err": float(np.max(plank_err)) if plank_err else float("nan"),
        "plank_err_mean": float(np.mean(plank_err)) if plank_err else float("nan"),
        "seg_agreement": float(np.mean(list(agreement.values()))) if agreement else float("nan"),
        "seg_agreement_by_clip": agreement,
    }


def metrics_line(name: str, m: dict[str, Any]) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    return (f"{name:22s} clips {m['n']:2d}  rep MAE {m['mae']:.3f} ({mark(m['mae'] <= TARGETS['mae'])})  "
            f"off-by-one {m['obo']:.2f} ({mark(m['obo'] >= TARGETS['obo'])})  "
            f"exercise id {m['ident']:.2f} ({mark(m['ident'] >= TARGETS['ident'])})  "
            f"plank hold err max {m['plank_err']:.0%}" + (f" ({mark(m['plank_err'] <= TARGETS['plank'])})" if np.isfinite(m['plank_err']) else "")
            + (f"  segment agreement {m['seg_agreement']:.2f}" if np.isfinite(m['seg_agreement']) else ""))


def run_batch(rows: list[dict[str, str]], folder: Path, out_dir: Path, params: dict[str, Any]) -> dict[str, dict]:
    """The real engine end to end: 2 workers, the registered ``fitness`` function."""
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
    ap.add_argument("--json", help="also write the metrics here")
    ap.add_argument("--verbose", action="store_true", help="keep MediaPipe's native log lines")
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

    from batchproc.fns.fitness import summarize

    t0 = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    pose_time = video_time = 0.0
    if args.batch:
        with native_stderr_quiet(not args.verbose):
            results = run_batch(rows, folder, ROOT / "eval_out" / "batch_run", pose_params)
    else:
        for r in rows:
            clip = folder / r["path"]
            sha = r.get("sha256") or sha256(clip)
            run, cached = pose_run(clip, r["video_id"], sha, pose_params, Path(args.cache_dir),
                                   not args.no_cache, args.lanes)
            if not cached:
                pose_time += run["timings"].get("pose_wall_s", 0.0)
                video_time += run["duration"]
                print(f"  posed {r['video_id']}: {run['duration']:.1f} s of video in "
                      f"{run['timings'].get('pose_wall_s', 0):.1f} s", file=sys.stderr, flush=True)
            results[r["video_id"]] = summarize(run, return_poses=False)
    elapsed = time.perf_counter() - t0

    m_all = evaluate(rows, results, segs)
    hm = [r for r in rows if r["confidence"] != "low"]
    low = [r for r in rows if r["confidence"] == "low"]
    print(f"{'clip':16s} {'exercise':13s} {'predicted':13s} id  pred true  err conf   fps  notes")
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
    speed = f"; pose extraction {video_time / pose_time:.1f}x real time" if pose_time else " (poses from cache)"
    print(f"evaluated {len(rows)} clips in {elapsed:.1f} s{speed}; settings {pose_params}")
    if args.json:
        Path(args.json).write_text(json.dumps({"all": {k: v for k, v in m_all.items() if k != 'lines'},
                                               "high_medium": m_hm and {k: v for k, v in m_hm.items() if k != 'lines'},
                                               "low": m_low and {k: v for k, v in m_low.items() if k != 'lines'}},
                                              indent=2, default=float))
    ok = (m_all["mae"] <= TARGETS["mae"] and m_all["obo"] >= TARGETS["obo"] and m_all["ident"] >= TARGETS["ident"]
          and not (m_all["plank_err"] > TARGETS["plank"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
