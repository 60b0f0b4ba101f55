"""Throughput of the ``fitness`` function, as a multiple of real time, next to pure decoding.

1. The dev clips (../shared/videos): per clip, fitness (one pose lane, as a batch worker runs it)
   with its decode / pose / analysis split, and a full decode of the same file (every frame, PyAV);
   then the whole set through the batch engine with 2 workers (both cores), fitness side by side
   with a decode-only function (every frame decoded, nothing else) through the same engine.
2. A long 720p30 session built from the clips at bench time (re-encoded to 1280x720 @ 30 fps with
   PyAV into a temporary folder, rests between clips; never kept in the project): full decode, a
   naive pipeline (10 fps, every frame decoded, one lane) and fitness with 1 and 2 pose lanes.

The machine may be shared: the load average is printed before and after; compare runs only with
similar load.

    .venv/bin/python benchmarks/bench_fitness.py [--session-minutes 4] [--no-clips] [--no-session]
                                                 [--no-batch] [--keep-session PATH] [--json out.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SESSION_CLIPS = ["squat_03", "jumpingjack_01", "pushup_03", "lunge_01", "curl_01", "situp_01", "plank_03",
                 "squat_09", "pullup_01", "pushup_02"]


def shared_videos() -> Path:
    env = os.environ.get("BATCHPROC_SHARED_VIDEOS")
    return Path(env) if env else ROOT.parent / "shared" / "videos"


def load() -> str:
    try:
        return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load avg n/a"


def decode_all(path: str, threads: int = 1, to_rgb: bool = False) -> tuple[int, float]:
    """Decode every frame (the floor for any pipeline that decodes everything); frames, seconds."""
    import av

    t0 = time.perf_counter()
    n = 0
    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO" if threads > 1 else "SLICE"
        s.thread_count = threads
        for f in c.decode(s):
            if to_rgb:
                f.to_ndarray(format="rgb24")
            n += 1
    return n, time.perf_counter() - t0


def run_fitness(path: str, lanes: int, **params: Any) -> dict[str, Any]:
    from batchproc.fns.fitness import analyze_fitness
    from batchproc.loader import VideoLoader

    t0, c0 = time.perf_counter(), time.process_time()
    with VideoLoader(path, Path(path).stem, threads=max(1, lanes)) as loader:
        res = analyze_fitness(loader, lanes=lanes, return_poses=False, **params)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    t = res["timings"]
    return {"wall": wall, "cpu": cpu, "duration": res["session_summary"]["total_duration"], "decode": t.get("decode_s", 0.0),
            "pose": t.get("pose_s", 0.0), "analysis": t.get("analysis_s", 0.0),
            "fps": res["video_stats"].get("analysis_fps"), "reps": res["session_summary"]["total_reps"],
            "breakdown": res["session_summary"]["exercise_breakdown"]}


def fmt_row(name: str, r: dict[str, Any]) -> str:
    x = r["duration"] / r["wall"] if r["wall"] else float("nan")
    x2 = 2 * r["duration"] / r["cpu"] if r["cpu"] else float("nan")
    return (f"  {name:36s} {r['duration']:6.1f} s video {r['wall']:6.1f} s wall = {x:5.2f}x real time | "
            f"cpu {r['cpu']:6.1f} s = {x2:5.2f}x on 2 idle cores | busy: decode {r['decode']:5.1f} s, "
            f"pose {r['pose']:5.1f} s, analysis {r['analysis']:4.2f} s ({r['fps'] or 0:.1f} frames/s analysed)")


def bench_clips(folder: Path, rows: list[dict[str, str]], out: dict[str, Any]) -> None:
    print(f"\n== dev clips: fitness (1 pose lane, as in a batch worker) vs full decode ({load()})")
    tot = {"duration": 0.0, "wall": 0.0, "cpu": 0.0, "decode": 0.0, "pose": 0.0, "analysis": 0.0, "dec_all": 0.0}
    per = []
    for r in rows:
        path = str(folder / r["path"])
        n, dt = decode_all(path, threads=1)
        fr = run_fitness(path, lanes=1)
        per.append({"clip": r["video_id"], **fr, "decode_all_s": dt, "frames": n})
        for k in ("duration", "wall", "cpu", "decode", "pose", "analysis"):
            tot[k] += fr[k]
        tot["dec_all"] += dt
        print(f"  {r['video_id']:16s} {r['width']:>4s}x{r['height']:<4s} {fr['duration']:6.1f} s: fitness "
              f"{fr['duration'] / fr['wall']:5.2f}x (decode {fr['decode']:5.2f} / pose {fr['pose']:5.2f} / "
              f"analysis {fr['analysis']:4.2f} s, {fr['fps']:.1f} fps)   full decode {fr['duration'] / dt:6.1f}x "
              f"({n / dt:5.0f} frames/s)")
    x = tot["duration"] / tot["wall"]
    share = {k: tot[k] / (tot["decode"] + tot["pose"] + tot["analysis"]) for k in ("decode", "pose", "analysis")}
    x2 = 2 * tot["duration"] / tot["cpu"]
    print(f"  all clips, 1 lane: fitness {x:.2f}x real time (cpu {tot['cpu']:.1f} s: {x2:.2f}x on 2 idle cores); "
          f"full decode {tot['duration'] / tot['dec_all']:.1f}x on one core; busy time split decode "
          f"{share['decode']:.0%} / pose {share['pose']:.0%} / analysis {share['analysis']:.0%}")
    out["clips"] = {"per_clip": per, "fitness_x_1lane": x, "fitness_x_2cores_cpu_bound": x2,
                    "decode_x_1core": tot["duration"] / tot["dec_all"], "split": share}


def decode_only(loader) -> dict[str, Any]:
    """A process function that decodes every frame (PyAV, the worker's thread budget) and nothing else:
    the floor for any function through the engine."""
    n, _ = decode_all(loader.path, threads=max(1, int(loader.threads or 1)))
    return {"frames": n}


def _engine(csv_path: Path, fn: Any, out_dir: Path, params: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
    from batchproc import BatchVideoProcessor

    t0 = time.perf_counter()
    res = BatchVideoProcessor(num_workers=2, show_progress=False).process_dataset(
        csv_path, process_fn=fn, output_dir=out_dir, params=params)
    wall = time.perf_counter() - t0
    return wall, sum(float(rec["elapsed_s"] or 0) for rec in res["results"]), res["stats"]


def bench_batch(folder: Path, rows: list[dict[str, str]], out: dict[str, Any]) -> None:
    print(f"\n== dev clips through the batch engine, 2 workers: fitness vs decode-only ({load()})")
    video = sum(float(r["duration_s"]) for r in rows)
    out["batch"] = {"video_s": video}
    with tempfile.TemporaryDirectory(prefix="bench-fitness-") as tmp:
        csv_path = Path(tmp) / "videos.csv"
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["video_id", "video_path"])
            for r in rows:
                w.writerow([r["video_id"], str((folder / r["path"]).resolve())])
        for name, fn, params in (("fitness", "fitness", {"return_poses": False}),
                                 ("decode-only", decode_only, {})):
            wall, per_video, st = _engine(csv_path, fn, Path(tmp) / name, params)
            print(f"  {name:12s} {st['processed']} ok, {st['failed']} failed: {video:.1f} s of video in {wall:6.1f} s wall "
                  f"(incl. worker start-up) = {video / wall:6.2f}x real time on 2 cores; "
                  f"{per_video:.1f} s in workers = {2 * video / per_video:.2f}x per 2 workers ({load()})")
            out["batch"][name] = {"wall_s": wall, "x": video / wall, "worker_s": per_video, "ok": st["processed"],
                                  "failed": st["failed"]}
    fx, dx = out["batch"]["fitness"]["x"], out["batch"]["decode-only"]["x"]
    print(f"  fitness {fx:.2f}x real time vs decode-only {dx:.2f}x: fitness takes {dx / fx:.1f}x the time of decoding "
          f"every frame")
    out["batch"].update(x=fx, wall_s=out["batch"]["fitness"]["wall_s"])


def bench_session(folder: Path, rows: list[dict[str, str]], minutes: float, keep: str | None,
                  out: dict[str, Any]) -> None:
    from batchproc.fns.fitness.concat import concat_clips

    by_id = {r["video_id"]: r for r in rows}
    clips = [c for c in SESSION_CLIPS if c in by_id]
    one_pass = sum(float(by_id[c]["duration_s"]) + 5.0 for c in clips)
    repeat = max(1, round(minutes * 60 / one_pass))
    with tempfile.TemporaryDirectory(prefix="bench-fitness-") as tmp:
        path = keep or str(Path(tmp) / "session_720p30.mp4")
        if not (keep and Path(keep).exists()):
            t0 = time.perf_counter()
            concat_clips([str(folder / by_id[c]["path"]) for c in clips], path, 1280, 720, 30.0, rest_s=5.0,
                         crf=23, preset="veryfast", repeat=repeat)
            print(f"\n(built the session: {len(clips)} clips x {repeat}, {time.perf_counter() - t0:.0f} s)")
        n, d2 = decode_all(path, threads=2)
        _, d2rgb = decode_all(path, threads=2, to_rgb=True)
        _, d1 = decode_all(path, threads=1)
        import av

        with av.open(path) as c:
            s = c.streams.video[0]
            duration = float(s.frames / s.average_rate)
        print(f"\n== long session: {duration / 60:.1f} min, 1280x720 @ 30 fps, {n} frames ({load()})")
        print(f"  full decode, 2 threads                 {duration / d2:6.2f}x real time ({n / d2:.0f} frames/s)")
        print(f"  full decode + RGB conversion, 2 threads {duration / d2rgb:6.2f}x real time ({n / d2rgb:.0f} frames/s)")
        print(f"  full decode, 1 thread                  {duration / d1:6.2f}x real time ({n / d1:.0f} frames/s)")
        rows_out = {}
        for name, lanes, params in (
            ("naive: 10 fps, all frames, 1 lane", 1, {"analysis_fps": 10.0, "skip_nonref": False, "max_side": None}),
            ("fitness, 1 pose lane", 1, {}),
            ("fitness, 2 pose lanes (both cores)", 2, {}),
        ):
            r = run_fitness(path, lanes=lanes, **params)
            rows_out[name] = r
            print(fmt_row(name, r))
        best = rows_out["fitness, 2 pose lanes (both cores)"]
        print(f"  counted in the session: {best['breakdown']} ({load()})")
        # both cores on 720p30: two sessions through the batch engine, one per worker
        from batchproc import BatchVideoProcessor

        csv_path = Path(tmp) / "two.csv"
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["video_id", "video_path"])
            w.writerow(["session_a", path])
            w.writerow(["session_b", path])
        t0 = time.perf_counter()
        BatchVideoProcessor(num_workers=2, show_progress=False).process_dataset(
            csv_path, process_fn="fitness", output_dir=Path(tmp) / "two_out", params={"return_poses": False})
        wall = time.perf_counter() - t0
        print(f"  2 sessions, batch engine, 2 workers    {2 * duration:6.1f} s video {wall:6.1f} s wall = "
              f"{2 * duration / wall:5.2f}x real time on 2 cores (incl. worker start-up) ({load()})")
        rows_out["batch, 2 workers x 1 session each"] = {"wall": wall, "duration": 2 * duration}
        out["session"] = {"duration_s": duration, "frames": n, "decode_x_2threads": duration / d2,
                          "decode_rgb_x_2threads": duration / d2rgb, "decode_x_1thread": duration / d1,
                          "runs": rows_out, "repeat": repeat}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--session-minutes", type=float, default=4.0)
    ap.add_argument("--no-clips", action="store_true")
    ap.add_argument("--no-batch", action="store_true")
    ap.add_argument("--no-session", action="store_true")
    ap.add_argument("--keep-session", help="reuse/keep the built session at this path (an ignored folder)")
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    folder = shared_videos()
    if not (folder / "manifest.csv").exists():
        print(f"no clips: {folder}/manifest.csv not found (set BATCHPROC_SHARED_VIDEOS)", file=sys.stderr)
        return 2
    with open(folder / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    from batchproc.sandbox import quiet_native_logs

    quiet_native_logs()  # MediaPipe's per-graph log lines would bury the figures
    print(f"fitness benchmark: {os.cpu_count()} cores, {load()}")
    out: dict[str, Any] = {"cores": os.cpu_count()}
    from batchproc.fns.fitness import get_model

    get_model(0).process(__import__("numpy").zeros((64, 64, 3), "uint8"))  # load the model outside the timings
    get_model(1)
    if not args.no_clips:
        bench_clips(folder, rows, out)
    if not args.no_batch:
        bench_batch(folder, rows, out)
    if not args.no_session:
        bench_session(folder, rows, args.session_minutes, args.keep_session, out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
