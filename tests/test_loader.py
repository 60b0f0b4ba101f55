"""VideoLoader and the decoders on real generated files.

Counter clips carry their frame number as a barcode, so every test can check that the frame a
decoder returns for index i is frame i of a full sequential decode. Odd files (rotated, variable
frame rate, HEVC, 10-bit, AV1, an unknown codec) are made here with PyAV.
"""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from batchproc import decoders
from batchproc.config import DecordConfig, threads_per_worker
from batchproc.decoders import PyAVDecoder, plan_access
from batchproc.errors import DECODE_ERROR, UNSUPPORTED_VIDEO, VideoError
from batchproc.loader import VideoLoader

DECODERS = ["pyav", "decord", "opencv"]
N = 320  # frames in the counter clips: GOP 250 gives two keyframes, GOP 30 eleven
PATTERNS = {
    "sparse": [7, 150, 263, 319],
    "dense": list(range(40, 120, 2)),
    "every_30th": list(range(0, N, 30)),
    "unsorted_repeats": [300, 5, 5, 251, 249, 0],
}


def loader(path, backend="pyav", **kw) -> VideoLoader:
    return VideoLoader(path, config=DecordConfig(backend=backend, **kw))


def numbers(gen, frames) -> list[int]:
    return [gen.read_frame_number(f) for f in frames]


def encode(path: Path, frames, codec="libx264", pix_fmt="yuv420p", pts=None, time_base=Fraction(1, 30),
           rotation: int = 0, options: dict | None = None, gop: int = 10) -> Path:
    """A small clip from RGB frames, with optional explicit pts (VFR) and display rotation."""
    frames = list(frames)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=30, options=options or {})
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        s.codec_context.time_base = time_base
        s.codec_context.gop_size = gop
        if rotation:
            s.set_display_rotation(rotation)
        for i, rgb in enumerate(frames):
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            f.pts, f.time_base = (pts[i] if pts is not None else i), time_base
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory, gen):
    d = tmp_path_factory.mktemp("loader")
    return {gop: gen.make_counter_video(d / f"c{gop}.mp4", num_frames=N, fps=30, size=(160, 120), gop=gop)
            for gop in (30, 250)}


def counter_frames(gen, path: Path, num_frames: int, size: tuple[int, int]) -> list[np.ndarray]:
    """RGB counter frames (the generator's public clip, decoded), to re-encode in odd ways."""
    gen.make_counter_video(path, num_frames=num_frames, size=size, gop=10)
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def odd(tmp_path_factory, gen):
    """Rotated, VFR, edit-list, HEVC/10-bit, AV1 and unknown-codec files of counter frames."""
    d = tmp_path_factory.mktemp("odd")
    up = counter_frames(gen, d / "portrait_src.mp4", 24, (96, 128))  # portrait, as shot
    out = {}
    for rot in (90, 180, 270):
        # stored turned clockwise by `rot`, with a display matrix that turns it back
        stored = [np.ascontiguousarray(np.rot90(f, k=-rot // 90)) for f in up]
        out[f"rot{rot}"] = encode(d / f"rot{rot}.mp4", stored, rotation=rot, options={"bf": "2"})
    land = counter_frames(gen, d / "landscape_src.mp4", 40, (160, 120))
    gaps = [33, 33, 50, 100, 33, 67, 20, 33] * 5
    out["vfr_pts_ms"] = [0, *np.cumsum(gaps)[:39].tolist()]
    out["vfr"] = encode(d / "vfr.mp4", land, pts=out["vfr_pts_ms"], time_base=Fraction(1, 1000), options={"bf": "2"})
    # an edit list hides the first 5 frames (a trimmed clip): a decode shows frames 5..39 only
    out["edit_list"] = encode(d / "edit_list.mp4", land, pts=[i - 5 for i in range(40)], options={"bf": "2"})
    out["hevc"] = gen.make_counter_video(d / "hevc.mp4", num_frames=40, size=(160, 120), gop=10, codec="hevc").path
    ten = {"libx264": "h264_10bit", "libx265": "hevc_10bit"}
    for codec, name in ten.items():
        opts = {"preset": "ultrafast"} if codec == "libx264" else {"preset": "ultrafast", "x265-params": "log-level=error:pools=1"}
        out[name] = encode(d / f"{name}.mp4", land, codec=codec, pix_fmt="yuv420p10le", options=opts)
    out["av1"] = encode(d / "av1.mp4", land[:20], codec="libsvtav1", options={"preset": "12", "svtav1-params": "lp=1"})
    data = out["hevc"].read_bytes()
    at = data.rfind(b"hvc1") if b"hvc1" in data else data.rfind(b"hev1")
    out["unknown_codec"] = d / "unknown_codec.mp4"
    out["unknown_codec"].write_bytes(data[:at] + b"zzzz" + data[at + 4:])
    return out


# -- frame exactness -------------------------------------------------------------------------
@pytest.mark.parametrize("gop", [30, 250])
@pytest.mark.parametrize("backend", DECODERS)
def test_frames_are_exact_for_every_pattern(clips, gen, backend, gop):
    with loader(clips[gop].path, backend) as ld:
        assert ld.decoder_name == backend
        for name, pattern in PATTERNS.items():
            frames = ld.get_frames(pattern)
            assert frames.shape == (len(pattern), 120, 160, 3) and frames.dtype == np.uint8
            assert numbers(gen, frames) == pattern, (backend, gop, name)
        sample = ld.sample_uniform(16)
        assert sample.indices == ld.uniform_indices(16) and numbers(gen, sample.frames) == sample.indices


@pytest.mark.parametrize("gop", [30, 250])
def test_pyav_sparse_frames_equal_a_full_sequential_decode_pixel_for_pixel(clips, gop):
    path = str(clips[gop].path)
    with av.open(path) as c:
        full = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    pattern = sorted({3, 29, 30, 31, 140, 249, 250, 251, 318, 319} | set(range(60, 100, 3)))
    with loader(path) as ld:
        got = ld.get_frames(pattern)
    for i, frame in zip(pattern, got):
        assert np.array_equal(frame, full[i]), i


def test_sparse_access_seeks_and_dense_access_decodes_forward(clips):
    """Few frames: jump to the keyframe before each; many: one forward pass. Never the whole file."""
    path = str(clips[30].path)
    with PyAVDecoder(path, threads=1) as dec:
        list(dec.iter_frames([45, 200, 290]))
        assert dec.seeks == 3 and dec.frames_decoded < 3 * 30 + 10
    with PyAVDecoder(path, threads=1) as dec:
        list(dec.iter_frames(range(100, 160, 2)))
        assert dec.seeks == 1 and dec.frames_decoded < 80
    with PyAVDecoder(path, threads=1) as dec:  # the end of the file without decoding its start
        list(dec.iter_frames([N - 1]))
        assert dec.seeks == 1 and dec.frames_decoded <= 30 + 5
    with PyAVDecoder(str(clips[250].path), threads=1) as dec:  # frames between keyframes skip non-reference frames
        list(dec.iter_frames([240]))
        assert dec.frames_decoded < 240


def test_plan_access_seeks_only_past_the_seek_cost():
    keys = [0, 30, 60, 90]
    assert plan_access([5, 40, 95], keys, seek_cost=8) == [0, 30, 90]
    assert plan_access(list(range(0, 100, 5)), keys, seek_cost=8) == [0] + [None] * 19
    # a keyframe only a few frames ahead of the current position is not worth a seek
    assert plan_access([25, 33], keys, seek_cost=8) == [0, None]
    assert plan_access([20, 33], keys, seek_cost=8) == [0, 30]
    assert plan_access([20, 33], keys, seek_cost=0) == [0, 30]
    assert plan_access([3], [], seek_cost=8) == [0]


# -- timestamps and metadata -----------------------------------------------------------------
@pytest.mark.parametrize("backend", DECODERS)
def test_metadata_and_timestamps(clips, backend):
    with loader(clips[30].path, backend) as ld:
        m = ld.get_metadata()
        assert (m.num_frames, m.width, m.height, m.rotation, m.decoder) == (N, 160, 120, 0, backend)
        assert m.fps == pytest.approx(30) and m.duration == pytest.approx(N / 30, abs=0.05)
        assert m["num_frames"] == N and m.to_dict()["fps"] == m.fps
        if backend != "decord":
            assert m.codec == "h264"
        idx = [0, 1, 29, 150, N - 1]
        assert ld.timestamps(idx) == pytest.approx([i / 30 for i in idx], abs=1e-3)
        got = {f.index: f.timestamp for f in ld.iter_frames(idx)}
        assert [got[i] for i in idx] == pytest.approx([i / 30 for i in idx], abs=1e-3)
        assert ld.fps_indices(3) == list(range(0, N, 10))
        assert ld.decode_s > 0


@pytest.mark.parametrize("backend", DECODERS)
def test_variable_frame_rate_timestamps_come_from_the_file(odd, gen, backend):
    truth = [p / 1000 for p in odd["vfr_pts_ms"]]
    with loader(odd["vfr"], backend) as ld:
        assert ld.get_metadata().num_frames == 40
        sample = ld._sample(list(range(40)))
        assert numbers(gen, sample.frames) == list(range(40))
        assert sample.timestamps == pytest.approx(truth, abs=1e-3)
        if backend != "opencv":  # OpenCV learns a frame's time only by decoding it
            assert ld.timestamps(range(40)) == pytest.approx(truth, abs=1e-3)
            # frames nearest to every 0.1 s, by the real times (a 1/fps guess would pick others)
            want = np.arange(0, truth[-1] + 1e-9, 0.1)
            expect = sorted({int(np.argmin(np.abs(np.array(truth) - w))) for w in want})
            assert ld.fps_indices(10) == expect


# -- odd files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("rot", [90, 180, 270])
@pytest.mark.parametrize("backend", DECODERS)
def test_rotated_phone_videos_come_out_upright(odd, gen, backend, rot):
    with loader(odd[f"rot{rot}"], backend) as ld:
        m = ld.get_metadata()
        assert (m.width, m.height) == (96, 128)
        if backend != "decord":  # decord turns frames upright but does not report the rotation
            assert m.rotation == rot
        frames = ld.get_frames([0, 5, 23])
        assert frames.shape == (3, 128, 96, 3)
        assert numbers(gen, frames) == [0, 5, 23]
        assert ld.iter_thumbnails([4], (24, 32)).__next__().image.shape == (32, 24, 3)


@pytest.mark.parametrize("backend", ["pyav", "opencv"])
def test_frames_hidden_by_an_edit_list_do_not_count(odd, gen, backend):
    """Position i is the i-th frame a decode shows. (decord counts the hidden frames and returns
    repeats past the end on such files: a known decord limitation, so it is not tested here.)"""
    with av.open(str(odd["edit_list"])) as c:
        shown = [gen.read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert shown == list(range(5, 40))
    with loader(odd["edit_list"], backend) as ld:
        frames = ld._sample([0, 1, 12, 34])
        assert numbers(gen, frames.frames) == [5, 6, 17, 39] and ld.decoder_name == backend
        assert frames.timestamps == pytest.approx([0, 1 / 30, 12 / 30, 34 / 30], abs=1e-3)
        if backend == "pyav":
            assert ld.get_metadata().num_frames == 35


@pytest.mark.parametrize("name", ["hevc", "h264_10bit", "hevc_10bit"])
@pytest.mark.parametrize("backend", DECODERS)
def test_hevc_and_10_bit_decode_exactly(odd, gen, backend, name):
    with loader(odd[name], backend) as ld:
        frames = ld.get_frames([0, 3, 17, 25, 39])
        assert ld.decoder_name == backend and frames.dtype == np.uint8
        assert numbers(gen, frames) == [0, 3, 17, 25, 39]
        assert ld.get_metadata().codec in ("hevc", "h264", "")


def test_unknown_codec_fails_as_unsupported_video(odd):
    with pytest.raises(VideoError) as e:
        loader(odd["unknown_codec"]).get_metadata()
    assert e.value.error_type == UNSUPPORTED_VIDEO
    assert "pyav" in str(e.value) and "decord" in str(e.value) and "opencv" in str(e.value)


@pytest.mark.parametrize("backend", ["decord", "opencv"])
def test_a_decoder_that_cannot_read_a_file_hands_it_to_the_next(odd, gen, backend):
    """AV1: decord cannot open it, OpenCV opens it and fails on the first frame; PyAV reads it."""
    with loader(odd["av1"], backend) as ld:
        assert numbers(gen, ld.get_frames([0, 7, 19])) == [0, 7, 19]
        assert ld.decoder_name == "pyav" and backend in ld._failed


def test_out_of_range_and_corrupt_files_fail_with_decode_error(clips, videos):
    with pytest.raises(VideoError) as e:
        loader(clips[30].path).get_frames([N])
    assert e.value.error_type == DECODE_ERROR and "out of range" in str(e.value)
    _, _, broken = videos
    with pytest.raises(VideoError) as e:
        loader(broken["corrupt"]).get_frames(range(60))
    assert e.value.error_type == DECODE_ERROR


# -- thread budget and GPU -------------------------------------------------------------------
THREAD_PROBE = """
import json, os, sys
from batchproc.decoders import PyAVDecoder, DecordDecoder, OpenCVDecoder
def count():
    return len(os.listdir('/proc/self/task'))
out = {}
for cls in (PyAVDecoder, DecordDecoder, OpenCVDecoder):
    base = count()
    dec = cls(sys.argv[1], threads=int(sys.argv[2]))
    peak = base
    for _ in dec.iter_frames(range(0, 300, 3)):
        peak = max(peak, count())
    dec.close()
    out[cls.name] = peak - base
print(json.dumps(out))
"""


def test_decoders_keep_to_the_thread_budget(clips):
    """With one thread per worker (workers == cores) no decoder starts a pool of its own.

    Counted in a fresh interpreter, where no other test's threads can blur the count."""
    def extra_threads(n: int) -> dict:
        r = subprocess.run([sys.executable, "-c", THREAD_PROBE, str(clips[30].path), str(n)],
                           capture_output=True, text=True, timeout=120, check=True)
        return json.loads(r.stdout.strip().splitlines()[-1])

    one = extra_threads(1)
    assert all(v <= 1 for v in one.values()), one  # at most the decoder's own reader thread
    assert extra_threads(3)["pyav"] >= 2  # the budget is really passed on, not ignored
    assert threads_per_worker(4, 0) >= 1 and threads_per_worker(1, 3) == 3


def test_gpu_request_falls_back_to_cpu_and_says_so_once(clips, gen, caplog, monkeypatch):
    monkeypatch.setattr(decoders, "_GPU", decoders._GpuState())
    caplog.set_level(logging.WARNING, logger="batchproc")
    for _ in range(3):
        with loader(clips[30].path, "auto", device="gpu") as ld:
            assert numbers(gen, ld.get_frames([3, 200])) == [3, 200]
    if decoders._GPU.worked:  # a machine with a working GPU decoder: nothing to warn about
        assert not caplog.records
        return
    warnings = [r for r in caplog.records if "device='gpu'" in r.getMessage()]
    assert len(warnings) == 1 and "CPU" in warnings[0].getMessage()
