"""The output: the session summary JSON (reference format) and its readable report."""
from __future__ import annotations

from typing import Any

from .classifier import EXERCISES, OTHER

SCHEMA_VERSION = 1


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def segment_record(seg, reps, fatigue: dict[str, Any] | None) -> dict[str, Any]:
    """One entry of ``detailed_analysis``."""
    rec: dict[str, Any] = {
        "exercise": seg.label,
        "start_time": _r(seg.start),
        "end_time": _r(seg.end),
        "duration": _r(seg.duration),
        "reps_counted": int(reps.count) if seg.label != "plank" else 0,
        "rep_timestamps": [_r(t) for t in reps.rep_times] if seg.label != "plank" else [],
    }
    if seg.label == "plank":
        rec["hold_duration"] = _r(seg.duration)
    else:
        rec["rep_details"] = [
            {"start": _r(a), "peak": _r(p), "end": _r(e)}
            for a, p, e in zip(reps.rep_starts, reps.rep_peaks, reps.rep_times)
        ]
        rec["counting_signal"] = reps.signal
        rec["movement_period_s"] = _r(reps.period)
    fa = fatigue or {}
    rec["fatigue_analysis"] = {
        "fatigue_score": _r(fa.get("fatigue_score", 0.0)),
        "indicators": list(fa.get("indicators", [])),
        "early_consistency": _r(fa.get("early_consistency")),
        "late_consistency": _r(fa.get("late_consistency")),
    }
    if "components" in fa:
        rec["fatigue_analysis"]["components"] = fa["components"]
    if "per_rep" in fa:
        rec["fatigue_analysis"]["per_rep"] = fa["per_rep"]
    return rec


def session_summary(segments: list[dict[str, Any]], total_duration: float) -> dict[str, Any]:
    """Totals over the segment records (all segments, exercise or not)."""
    ex = [s for s in segments if s["exercise"] in EXERCISES]
    ex_time = sum(s["duration"] for s in ex)
    performed: list[str] = []
    breakdown: dict[str, int] = {}
    time_by: dict[str, float] = {}
    for s in ex:
        name = s["exercise"]
        if name not in performed:
            performed.append(name)
        # reps per exercise; for a plank, the number of holds
        breakdown[name] = breakdown.get(name, 0) + (1 if name == "plank" else int(s["reps_counted"]))
        time_by[name] = time_by.get(name, 0.0) + float(s["duration"])
    return {
        "total_duration": _r(total_duration),
        "total_exercise_time": _r(ex_time),
        "rest_time": _r(max(0.0, total_duration - ex_time)),
        "total_reps": int(sum(int(s["reps_counted"]) for s in ex)),
        "exercises_performed": performed,
        "exercise_breakdown": breakdown,
        "exercise_time_breakdown": {k: _r(v) for k, v in time_by.items()},
    }


def build_result(analysis: dict[str, Any], *, total_duration: float, total_frames: int, analyzed_frames: int,
                 detected_frames: int, average_visibility: float, timings: dict[str, float],
                 processing_time: float, peak_memory_mb: float | None, extra_stats: dict[str, Any] | None = None,
                 arrays: dict[str, Any] | None = None) -> dict[str, Any]:
    """The function's return value (arrays are saved as artifacts by the engine)."""
    records = [segment_record(x["segment"], x["reps"], x["fatigue"]) for x in analysis["segments"]]
    timeline = [{"label": x["segment"].label, "start_time": _r(x["segment"].start), "end_time": _r(x["segment"].end),
                 "duration": _r(x["segment"].duration)} for x in analysis["segments"]]
    stats = {
        "total_frames": int(total_frames),
        "analyzed_frames": int(analyzed_frames),
        "pose_detection_rate": _r(detected_frames / analyzed_frames if analyzed_frames else 0.0),
        "average_visibility": _r(average_visibility),
    }
    stats.update(extra_stats or {})
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "session_summary": session_summary(records, total_duration),
        # the eight exercises, and repeated movements that are none of them (``other``, or a label a
        # user's own model adds) with their reps, which the eight-label totals leave out
        "detailed_analysis": [r for r in records if r["exercise"] in EXERCISES
                              or (r["exercise"] not in ("rest", "transition") and r["reps_counted"] > 0)],
        "timeline": timeline,
        "video_stats": stats,
        "processing_time": _r(processing_time),
        "timings": {k: _r(v, 4) for k, v in timings.items()},
        "peak_memory_mb": _r(peak_memory_mb, 1),
    }
    if arrays:
        out.update(arrays)
    return out


def _fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    m, sec = divmod(float(s), 60.0)
    return f"{int(m)}:{sec:04.1f}" if m else f"{sec:.1f} s"


def format_report(result: dict[str, Any] | None) -> str:
    """A readable summary: session totals, then each exercise segment."""
    if not result:
        return "no result (the video failed; see the error)"
    ss = result.get("session_summary", {})
    vs = result.get("video_stats", {})
    lines = [
        "Workout session",
        f"  duration {_fmt_time(ss.get('total_duration'))}: exercising {_fmt_time(ss.get('total_exercise_time'))}, "
        f"resting/other {_fmt_time(ss.get('rest_time'))}",
        f"  total reps {ss.get('total_reps', 0)}; exercises: " + (", ".join(ss.get("exercises_performed", [])) or "none found"),
    ]
    for name, n in (ss.get("exercise_breakdown") or {}).items():
        what = f"{n} hold{'s' if n != 1 else ''}" if name == "plank" else f"{n} rep{'s' if n != 1 else ''}"
        lines.append(f"    {name:13s} {what}, {_fmt_time((ss.get('exercise_time_breakdown') or {}).get(name))}")
    segs = result.get("detailed_analysis") or []
    if segs:
        lines.append("Segments")
    for i, s in enumerate(segs, 1):
        fa = s.get("fatigue_analysis") or {}
        if s["exercise"] == OTHER:
            what = f"{s['reps_counted']} repetitions of a movement that is none of the eight exercises"
        elif s["exercise"] not in EXERCISES:
            what = f"{s['reps_counted']} reps (a class of your model, not in the eight-exercise totals)"
        elif s["exercise"] == "plank":
            what = f"hold {s.get('hold_duration', s['duration']):.1f} s"
        else:
            what = f"{s['reps_counted']} rep{'s' if s['reps_counted'] != 1 else ''}"
        lines.append(f"  {i}. {s['exercise']:13s} {_fmt_time(s['start_time'])} - {_fmt_time(s['end_time'])}  {what}, "
                     f"fatigue {fa.get('fatigue_score', 0):.2f}")
        if s.get("rep_timestamps"):
            ts = ", ".join(f"{t:.1f}" for t in s["rep_timestamps"][:20])
            more = " ..." if len(s["rep_timestamps"]) > 20 else ""
            lines.append(f"       reps done at {ts}{more} s")
        for ind in fa.get("indicators", []):
            lines.append(f"       - {ind}")
    lines.append(
        f"Video: {vs.get('total_frames', 0)} frames, {vs.get('analyzed_frames', 0)} analysed"
        + (f" (about {vs['analysis_fps']:.1f} per second)" if vs.get("analysis_fps") else "")
        + f"; pose found in {100 * (vs.get('pose_detection_rate') or 0):.0f} %, "
        f"mean visibility {vs.get('average_visibility') or 0:.2f}"
    )
    if result.get("processing_time") is not None:
        t = result.get("timings") or {}
        parts = ", ".join(f"{k.replace('_s', '')} {v:.1f} s" for k, v in t.items() if isinstance(v, (int, float)))
        speed = f" ({result['video_stats']['realtime_factor']:.1f}x real time)" if vs.get("realtime_factor") else ""
        lines.append(f"Processed in {result['processing_time']:.1f} s{speed}" + (f": {parts}" if parts else ""))
    return "\n".join(lines)

