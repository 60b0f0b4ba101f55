from pathlib import Path

import pytest

from batchproc.errors import ManifestError
from batchproc.manifest import Manifest, derive_id

from conftest import write_csv


def test_missing_column_names_the_columns_found(tmp_path):
    p = write_csv(tmp_path / "m.csv", [{"id": "a", "path": "x.mp4"}])
    with pytest.raises(ManifestError) as e:
        Manifest.load(p)
    assert "video_path" in str(e.value) and "id, path" in str(e.value)


def test_duplicate_ids_are_named_with_lines(tmp_path):
    p = write_csv(tmp_path / "m.csv", [{"video_id": "a", "video_path": "1.mp4"}, {"video_id": "b", "video_path": "2.mp4"},
                                       {"video_id": "a", "video_path": "3.mp4"}])
    with pytest.raises(ManifestError) as e:
        Manifest.load(p)
    assert "'a'" in str(e.value) and "2, 4" in str(e.value)


def test_ids_derived_from_paths_when_no_id_column_and_stable(tmp_path):
    p = write_csv(tmp_path / "m.csv", [{"video_path": "clips/one.mp4"}, {"video_path": "other/one.mp4"}])
    tasks = list(Manifest.load(p).tasks())
    assert [t.video_id for t in tasks] == [derive_id("clips/one.mp4"), derive_id("other/one.mp4")]
    assert tasks[0].video_id.startswith("one-") and tasks[0].video_id != tasks[1].video_id
    assert [t.video_id for t in Manifest.load(p).tasks()] == [t.video_id for t in tasks]


def test_relative_paths_resolve_against_csv_folder_and_extra_columns_kept(tmp_path):
    sub = tmp_path / "data"
    sub.mkdir()
    p = write_csv(sub / "m.csv", [{"video_id": "a", "video_path": "v/a.mp4", "label": "squat"},
                                  {"video_id": "b", "video_path": "/abs/b.mp4", "label": ""}])
    a, b = Manifest.load(p).tasks()
    assert a.video_path == str(sub.resolve() / "v/a.mp4")
    assert b.video_path == "/abs/b.mp4"
    assert a.row["label"] == "squat"


def test_unreadable_manifests(tmp_path):
    with pytest.raises(ManifestError, match="not found"):
        Manifest.load(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ManifestError, match="empty"):
        Manifest.load(tmp_path / "empty.csv")
    (tmp_path / "latin.csv").write_bytes("video_path\nvid\xe9o.mp4\n".encode("latin-1"))
    with pytest.raises(ManifestError, match="UTF-8"):
        Manifest.load(tmp_path / "latin.csv")
    with pytest.raises(ManifestError, match="directory"):
        Manifest.load(tmp_path)


def test_content_hash_changes_with_content(tmp_path):
    p = write_csv(tmp_path / "m.csv", [{"video_path": "a.mp4"}])
    h1 = Manifest.load(p).content_hash
    write_csv(p, [{"video_path": "b.mp4"}])
    assert Manifest.load(p).content_hash != h1
