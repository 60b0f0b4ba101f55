"""Adaptive sampling: the pure selection logic on known scores, then real generated videos with
known scene cuts, a static clip and a busy clip, and the built-in ``adaptive`` function end to end."""
from __future__ import annotations

import json

import numpy as np
import pytest

from batchproc import BatchVideoProcessor
from batchproc.config import DecordConfig
from batchproc.fns.registry import resolve
from batchproc.loader import VideoLoader
from batchproc.sampling import (
    _largest_remainder,
    change_scores,
    find_cuts,
    probe_positions,
    select_frames,
    thumb_size,
)

from conftest import write_csv

SCENES = (40, 30, 50, 35, 45)
SHORT_SCENES = (12, 40, 9, 30, 60, 25, 15, 50)


def scene_of(frame: int, scenes) -> int:
    return int(np.searchsorted(np.cumsum(scenes), frame, side="right"))


@pytest.fixture(scope="module")
def clips(tmp_path_factory, gen):
    d = tmp_path_factory.mktemp("adaptive")
    return {
        "scenes": gen.make_scene_cut_video(d / "scenes.mp4", scenes=SCENES, size=(160, 120), gop=60),
        "short_scenes": gen.make_scene_cut_video(d / "short.mp4", scenes=SHORT_SCENES, size=(160, 120), gop=250),
        "busy": gen.make_scene_cut_video(d / "busy.mp4", scenes=(6,) * 50, size=(160, 120), gop=30),
        "static": gen.make_static_video(d / "static.mp4", num_frames=150, size=(160, 120)),
    }


# -- pure functions --------------------------------------------------------------------------
def test_probe_grid_snaps_to_nearby_keyframes_and_stays_within_bounds():
    grid = probe_positions(9000, 30, [], max_frames=32)  # 5 minutes: 600 probes at 2/s, capped at 16 x 32
    assert len(grid) == 512 and grid == sorted(set(grid)) and 0 <= grid[0] and grid[-1] < 9000
    keys = list(range(0, 36000, 30))  # 20 minutes, GOP 30: the grid step (70) is longer than the GOP
    snapped = probe_positions(36000, 30, keys, max_frames=32)
    assert len(snapped) == 512 and set(snapped) <= set(keys)  # keyframes only: no decoding between them
    assert max(np.diff(snapped)) <= 2 * 70 + 1
    keys = list(range(0, 9000, 250))  # GOP 250: only grid points near a keyframe move
    snapped = probe_positions(9000, 30, keys, max_frames=32)
    moved = [p for p in snapped if p not in set(grid)]
    assert moved and set(moved) <= set(keys) and len(snapped) > 400
    assert len(probe_positions(50, 30, [], max_frames=32)) == 50  # short clip: every frame
    assert probe_positions(0, 30, [], 32) == []


def test_change_scores_and_cuts():
    flat = np.zeros((4, 6, 8, 3), np.uint8)
    flat[2:] = 255
    assert change_scores(flat).tolist() == [0.0, 0.0, 1.0, 0.0]
    s = np.array([0, .02, .03, .02, .4, .02, .03, .02, .02])
    assert find_cuts(s).tolist() == [False] * 4 + [True] + [False] * 4
    assert not find_cuts(np.full(20, 0.3)).any()  # steady fast motion is not a cut
    assert not find_cuts(np.full(20, 0.05)).any()
    assert thumb_size(1920, 1080, 64) == (64, 36) and thumb_size(100, 400, 64) == (64, 256)


def test_selection_places_a_frame_in_every_scene_and_scales_with_change():
    pos = list(range(0, 300, 3))
    s = np.zeros(len(pos))
    s[[20, 45, 70]] = 0.5  # three cuts: scenes start at frames 60, 135, 210
    sel = select_frames(pos, s, 4, 16, 300)
    assert sel.cuts == [60, 135, 210]
    assert 4 <= len(sel.indices) <= 16 and len(sel.indices) == 4  # no motion: the minimum
    bounds = [0, 60, 135, 210, 300]
    per_scene = [sum(a <= i < b for i in sel.indices) for a, b in zip(bounds, bounds[1:])]
    assert all(n >= 1 for n in per_scene)
    assert sel.scores == [round(float(s[np.searchsorted(pos, i)]), 6) for i in sel.indices]
    # frames are never picked on the wrong side of a cut: inside [first, last] probe of a scene
    for i in sel.indices:
        assert not any(pos[j - 1] < i < pos[j] for j in (20, 45, 70))

    moving = s.copy()
    moving[50:70] = 0.2  # motion in the third scene earns more frames, all inside it
    sel2 = select_frames(pos, moving, 4, 16, 300)
    assert len(sel2.indices) > len(sel.indices)
    assert sum(135 <= i < 210 for i in sel2.indices) > sum(135 <= i < 210 for i in sel.indices)

    many_cuts = np.zeros(len(pos))
    many_cuts[1::2] = np.linspace(0.3, 0.9, len(many_cuts[1::2]))
    assert len(select_frames(pos, many_cuts, 4, 16, 300).indices) == 16  # busy: the maximum
    with pytest.raises(ValueError):
        select_frames(pos, s, 0, 4, 300)


def test_largest_remainder_is_exact_and_deterministic():
    assert _largest_remainder(5, np.array([1, 1, 1])).tolist() == [2, 2, 1]
    assert _largest_remainder(4, np.array([0, 0])).tolist() == [2, 2]
    assert _largest_remainder(0, np.array([3, 1])).tolist() == [0, 0]


# -- real videos -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, scenes", [("scenes", SCENES), ("short_scenes", SHORT_SCENES)])
@pytest.mark.parametrize("backend", ["pyav", "decord", "opencv"])
def test_every_scene_gets_a_frame(clips, name, scenes, backend):
    truth = clips[name]
    with VideoLoader(truth.path, config=DecordConfig(backend=backend)) as ld:
        sample = ld.sample_adaptive(8, 32)
        assert 8 <= len(sample) <= 32
        assert sample.indices == sorted(set(sample.indices))
        assert {scene_of(i, scenes) for i in sample.indices} == set(range(len(scenes)))
        # each detected cut is within one probe step after a true cut
        assert len(sample.profile.cuts) == len(truth.cut_frames)
        for found, true in zip(sample.profile.cuts, truth.cut_frames):
            assert true <= found <= true + 3
        assert len(sample.scores) == len(sample) and all(0 <= s <= 1 for s in sample.scores)
        assert sample.timestamps == pytest.approx([i / 30 for i in sample.indices], abs=1e-3)
        assert np.array_equal(sample.frames, ld.get_frames(sample.indices))


def test_static_video_gets_min_frames_spread_over_time(clips):
    with VideoLoader(clips["static"].path) as ld:
        sample = ld.sample_adaptive(5, 32)
    assert len(sample) == 5 and sample.profile.cuts == []
    gaps = np.diff(sample.indices)
    assert gaps.min() >= 20 and gaps.max() <= 40  # evenly spread over the 150 frames


def test_busy_video_gets_max_frames(clips):
    with VideoLoader(clips["busy"].path) as ld:
        sample = ld.sample_adaptive(4, 20)
    assert len(sample) == 20


def test_same_file_same_frames(clips):
    runs = []
    for _ in range(2):
        with VideoLoader(clips["scenes"].path) as ld:
            s = ld.sample_adaptive(8, 32)
            runs.append((s.indices, s.scores, s.profile.scores))
    assert runs[0] == runs[1]


def test_builtin_adaptive_function_end_to_end(tmp_path, clips):
    spec = resolve("adaptive")
    assert spec.source == "built-in" and spec.params["min_frames"] == 8 and spec.params["max_frames"] == 32
    rows = [{"video_id": k, "video_path": str(v.path)} for k, v in clips.items() if k in ("scenes", "static")]
    csv = write_csv(tmp_path / "m.csv", rows)
    res = BatchVideoProcessor(num_workers=1).process_dataset(
        csv, process_fn="adaptive", params={"min_frames": 4, "max_frames": 12, "max_side": 80},
        output_dir=tmp_path / "out", show_progress=False)
    assert res["stats"]["processed"] == 2 and res["stats"]["failed"] == 0
    recs = {r["video_id"]: r["result"] for r in res["results"]}
    scenes = recs["scenes"]
    assert len(scenes["scene_cuts"]) == 4 and 5 <= scenes["num_frames"] <= 12
    frames = np.load(tmp_path / "out" / scenes["frames"]["artifact"])
    assert frames.shape == (scenes["num_frames"], 60, 80, 3)
    assert len(scenes["indices"]) == len(scenes["timestamps"]) == len(scenes["scores"]) == scenes["num_frames"]
    assert recs["static"]["num_frames"] == 4 and recs["static"]["scene_cuts"] == []
    json.dumps(recs["static"])  # the record is plain JSON
