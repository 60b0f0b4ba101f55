"""Frame access benchmark: full decodes against sparse access and adaptive sampling.

For generated H.264 videos (720p and 1080p, 1 and 10 minutes, GOP 30 and 250) it prints one row per
video with:

* full sequential decode frames/s for each available decoder (plain PyAV decode only; every frame
  as RGB through batchproc's PyAV decoder; OpenCV grab, decode only; decord ``get_batch``, RGB), because
  "fastest full decode" is the bar sparse access must beat;
* the time for 16 uniform keyframes (``VideoLoader.sample_uniform(16)``), and its speed-up over the
  fastest full decode (goal: >= 10x on 10-minute files);
* the time for every 30th frame (``get_frames(range(0, n, 30))``; goal: no slower than the fastest
  full decode);
* the time for ``sample_adaptive(8, 32)``;
* the time of the demux pass that builds the packet index (included in the sparse times above).

Times are "wall s (CPU s)": wall seconds, and in brackets the CPU seconds of the process (decoder
threads included), which stay meaningful when other jobs share the machine.

Videos are cached under ``bench_out/videos`` (ignored by git); they are encoded with libx264 preset
ultrafast (two B-frames kept, scene-cut keyframes off so the GOP is exact) from cheap synthetic
content: a drifting gradient, a frame-number barcode (checked on the sampled frames) and a new
palette every 20 s so adaptive sampling has scenes to find.

    python benchmarks/bench_decode.py [--quick] [--sizes 720p,1080p] [--minutes 1,10] [--gops 30,250]

``--quick`` runs the 1-minute videos only. Results are also written to
``bench_out/bench_decode.json``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from batchproc.config import DecordConfig  # noqa: E402
from batchproc.loader import VideoLoader  # noqa: E402

OUT = ROOT / "bench_out"
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}
FPS = 30
SCENE_S = 20
BITS = 16


# -- video generation ------------------------------------------------------------------------
def _barcode(width: int, height: int, index: int) -> tuple[int, list[tuple[int, int, int]]]:
    """The frame-number barcode strip in data_samples/generate.py's layout (read_frame_number reads it)."""
    strip = max(4, round(height / 8))
    cells = []
    for bit in range(BITS):
        left, right = round(bit * width / BITS), round((bit + 1) * width / BITS)
        cells.append((left, right, 235 if (index >> (BITS - 1 - bit)) & 1 else 16))
    return strip, cells


def _yuv_frame(index: int, width: int, height: int, base: np.ndarray) -> np.ndarray:
    """One yuv420p frame (planes stacked as PyAV expects): low-complexity content, cheap to make."""
    y = np.roll(base, index * 2, axis=1)
    strip, cells = _barcode(width, height, index)
    for left, right, level in cells:
        y[:strip, left:right] = level
    scene = index // (SCENE_S * FPS)
    u = np.full((height // 2, width // 2), 128 if scene == 0 else 60 + (scene * 53) % 140, np.uint8)
    v = np.full((height // 2, width // 2), 128 if scene == 0 else 200 - (scene * 37) % 140, np.uint8)
    u[: strip // 2 + 1] = 128
    v[: strip // 2 + 1] = 128
    return np.concatenate([y, u.reshape(-1, width), v.reshape(-1, width)])


def make_bench_video(path: Path, seconds: int, size: tuple[int, int], gop: int) -> Path:
    """Encode the benchmark clip once; a finished file is reused (written under a temporary name first)."""
    if path.is_file():
        return path
    import av

    width, height = size
    xx = np.linspace(0, 4 * np.pi, width, dtype=np.float32)
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    base = (110 + 60 * np.sin(xx)[None, :] * (0.5 + yy)).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tb = Fraction(1, FPS)
    opts = {"preset": "ultrafast", "crf": "28", "bf": "2", "x264-params": f"scenecut=0:keyint={gop}:min-keyint={gop}"}
    with av.open(str(tmp), "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=FPS, options=opts)
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        s.codec_context.gop_size = gop
        s.codec_context.time_base = tb
        for i in range(seconds * FPS):
            frame = av.VideoFrame.from_ndarray(_yuv_frame(i, width, height, base), format="yuv420p")
            frame.pts, frame.time_base = i, tb
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    os.replace(tmp, path)
    return path


# -- measurements ----------------------------------------------------------------------------
@dataclass
class Timing:
    """Wall and CPU seconds (CPU of this process, decoder threads included). On a shared machine the
    wall time swings with other people's load; the CPU time says what the work itself cost."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def best(self, other: "Timing") -> "Timing":
        return Timing(min(self.wall, other.wall), min(self.cpu, other.cpu))

    def cell(self) -> str:
        return f"{self.wall:.2f} ({self.cpu:.2f})"


def _timed(fn: Callable[[], object]) -> tuple[Timing, object]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return Timing(time.perf_counter() - w0, time.process_time() - c0), out


def full_pyav(path: str, threads: int) -> int:
    """Plain PyAV, decode only: the floor for anything built on FFmpeg's decoder."""
    import av

    n = 0
    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_type, s.thread_count = "AUTO", threads
        for _ in c.decode(s):
            n += 1
    return n


def full_batchproc_rgb(path: str, threads: int, num_frames: int) -> int:
    """Every frame as RGB through batchproc's PyAV decoder (what get_frames(range(n)) costs)."""
    from batchproc.decoders import PyAVDecoder

    with PyAVDecoder(path, threads) as dec:
        return sum(1 for _ in dec.iter_frames(range(num_frames)))


def full_opencv(path: str, threads: int) -> int:
    import cv2

    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, threads])
    n = 0
    while cap.grab():
        n += 1
    cap.release()
    return n


def full_decord(path: str, threads: int) -> int:
    """decord's sequential reader (``next``); its get_batch was measured slower and holding memory."""
    import decord

    vr = decord.VideoReader(path, num_threads=threads)
    n = 0
    try:
        while True:
            vr.next()
            n += 1
    except StopIteration:
        return n


def full_decodes(path: str, threads: int, num_frames: int, repeats: int) -> dict[str, Timing]:
    """A full sequential decode with each decoder that is installed (best of ``repeats``)."""
    runs: dict[str, Callable[[], int]] = {
        "pyav": lambda: full_pyav(path, threads),
        "pyav_rgb": lambda: full_batchproc_rgb(path, threads, num_frames),
        "opencv_grab": lambda: full_opencv(path, threads),
        "decord_rgb": lambda: full_decord(path, threads),
    }
    out = {}
    for name, fn in runs.items():
        best = Timing()
        try:
            for _ in range(repeats):
                t, n = _timed(fn)
                if n != num_frames:
                    raise AssertionError(f"{name} decoded {n} frames, expected {num_frames}")
                best = best.best(t)
        except ImportError:
            continue
        out[name] = best
    return out


def _generator():
    """data_samples/generate.py, loaded by path as the tests do (for read_frame_number)."""
    if "bp_generate" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bp_generate", ROOT / "data_samples" / "generate.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["bp_generate"] = mod
        spec.loader.exec_module(mod)
    return sys.modules["bp_generate"]


def check_numbers(frames: np.ndarray, indices: list[int]) -> None:
    """The sampled frames must be the frames they claim to be (barcode read back)."""
    got = [_generator().read_frame_number(f) for f in frames]
    if got != list(indices):
        raise AssertionError(f"frame-exactness broken: asked {indices[:8]}..., got {got[:8]}...")


@dataclass
class Row:
    video: str
    frames: int
    full: dict[str, Timing] = field(default_factory=dict)
    uniform16: Timing = field(default_factory=Timing)
    every30: Timing = field(default_factory=Timing)
    adaptive: Timing = field(default_factory=Timing)
    adaptive_n: int = 0
    index: Timing = field(default_factory=Timing)  # the demux pass that sparse access starts with

    @property
    def fastest_full(self) -> Timing:
        return Timing(min(t.wall for t in self.full.values()), min(t.cpu for t in self.full.values()))


def _best_of(repeats: int, path: str, cfg: DecordConfig, run: Callable[[VideoLoader], object]) -> tuple[Timing, object]:
    """Best of ``repeats`` runs, each on a fresh loader (opening and indexing included: a worker
    pays them for every video)."""
    best, out = Timing(), None
    for _ in range(repeats):
        with VideoLoader(path, config=cfg) as loader:
            t, out = _timed(lambda: run(loader))
            best = best.best(t)
    return best, out


def index_timing(path: str, repeats: int) -> Timing:
    from batchproc.decoders import PyAVDecoder

    best = Timing()
    for _ in range(repeats):
        with PyAVDecoder(path) as dec:
            best = best.best(_timed(dec.index)[0])
    return best


def sparse_timings(path: str, threads: int, row: Row, repeats: int) -> None:
    cfg = DecordConfig(backend="pyav", num_threads=threads)
    row.index = index_timing(path, repeats)
    row.uniform16, sample = _best_of(repeats, path, cfg, lambda ld: ld.sample_uniform(16))
    check_numbers(sample.frames, sample.indices)
    every = list(range(0, row.frames, 30))
    row.every30, frames = _best_of(repeats, path, cfg, lambda ld: ld.get_frames(every))
    check_numbers(frames, every)
    row.adaptive, sample = _best_of(repeats, path, cfg, lambda ld: ld.sample_adaptive(8, 32))
    row.adaptive_n = len(sample)
    check_numbers(sample.frames, sample.indices)


def table(rows: list[Row], decoders: list[str]) -> str:
    """Markdown table: wall seconds with CPU seconds in brackets; ratios on wall (and CPU)."""
    head = ["video"] + [f"{d} f/s" for d in decoders] + [
        "fastest full s", "16 uniform s", "x faster", "every 30th s", "/ fastest full", "adaptive(8,32) s", "n",
        "index s"]
    lines = [head]
    for r in rows:
        full = r.fastest_full
        lines.append([r.video] + [f"{r.frames / r.full[d].wall:.0f}" if d in r.full else "-" for d in decoders] + [
            full.cell(), r.uniform16.cell(),
            f"{full.wall / r.uniform16.wall:.1f}x ({full.cpu / r.uniform16.cpu:.1f}x)", r.every30.cell(),
            f"{r.every30.wall / full.wall:.2f} ({r.every30.cpu / full.cpu:.2f})", r.adaptive.cell(), str(r.adaptive_n),
            r.index.cell()])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for k, line in enumerate(lines):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1-minute videos only")
    ap.add_argument("--sizes", default="720p,1080p")
    ap.add_argument("--minutes", default="1,10")
    ap.add_argument("--gops", default="30,250")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--repeats", type=int, default=3, help="sparse patterns: best of this many runs")
    args = ap.parse_args(argv)
    minutes = [1] if args.quick else [int(m) for m in args.minutes.split(",")]
    rows = []
    for size in args.sizes.split(","):
        for m in minutes:
            for gop in (int(g) for g in args.gops.split(",")):
                name = f"{size}_{m}min_gop{gop}"
                t0 = time.perf_counter()
                path = str(make_bench_video(OUT / "videos" / f"{name}.mp4", m * 60, SIZES[size], gop))
                print(f"# {name}: ready in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
                # Full decodes of long files run once (minutes each); short ones get the same best-of as sparse runs.
                full_repeats = args.repeats if m == 1 else 1
                row = Row(name, m * 60 * FPS, full_decodes(path, args.threads, m * 60 * FPS, full_repeats))
                sparse_timings(path, args.threads, row, args.repeats)
                rows.append(row)
                print(f"# {name}: {asdict(row)}", file=sys.stderr, flush=True)
    decoders = [d for d in ("pyav", "pyav_rgb", "opencv_grab", "decord_rgb") if any(d in r.full for r in rows)]
    print(f"threads per decoder: {args.threads}; cores: {os.cpu_count()}; load average at the end: "
          f"{os.getloadavg()[0]:.1f}; times: wall s (CPU s of the process), best of {args.repeats} "
          f"(full decodes of 10-minute files: one run); sparse runs on a fresh loader each, index included")
    print(table(rows, decoders))
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_decode.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
