"""Reading and validating the CSV manifest into tasks.

The manifest is read twice, streaming: a validation pass (columns, duplicate ids, content hash)
and then a lazy pass that yields tasks, so a million-row CSV never sits in memory as task objects.
"""
from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import ManifestError

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Task:
    """One video to process: what a worker needs, nothing more."""

    video_id: str
    video_path: str
    row: dict[str, Any] = field(default_factory=dict)
    index: int = 0


def derive_id(path_cell: str) -> str:
    """A stable, readable id for a row without an id column: file stem + hash of the path as written."""
    stem = Path(path_cell).stem or "video"
    digest = hashlib.sha1(path_cell.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem}-{digest}"


@dataclass
class Manifest:
    """A validated manifest: columns, row count, content hash; tasks are produced on demand."""

    csv_path: Path
    video_col: str
    id_col: str
    columns: list[str]
    num_rows: int
    content_hash: str
    has_id_col: bool

    @classmethod
    def load(cls, csv_path: str | os.PathLike, video_col: str = "video_path", id_col: str = "video_id") -> "Manifest":
        path = Path(csv_path)
        if not path.exists():
            raise ManifestError(f"manifest not found: {path}")
        if path.is_dir():
            raise ManifestError(f"manifest is a directory, not a CSV file: {path}")
        hasher = hashlib.sha256()
        try:
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    hasher.update(chunk)
            columns, has_id, num_rows = cls._validate(path, video_col, id_col)
        except UnicodeDecodeError as e:
            raise ManifestError(f"manifest {path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
        except csv.Error as e:
            raise ManifestError(f"manifest {path} is not a readable CSV: {e}") from None
        except OSError as e:
            raise ManifestError(f"cannot read manifest {path}: {e.strerror or e}") from None
        return cls(path, video_col, id_col, columns, num_rows, hasher.hexdigest(), has_id)

    @staticmethod
    def _validate(path: Path, video_col: str, id_col: str) -> tuple[list[str], bool, int]:
        with path.open("r", encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise ManifestError(f"manifest {path} is empty: expected a header row with a {video_col!r} column")
            columns = [h.strip() for h in header]
            if video_col not in columns:
                raise ManifestError(
                    f"manifest {path} has no column {video_col!r}; columns found: {', '.join(columns)}"
                    " (choose one with --video-col)"
                )
            has_id = id_col in columns
            vi = columns.index(video_col)
            ii = columns.index(id_col) if has_id else None
            seen: dict[str, int] = {}
            dups: dict[str, list[int]] = {}
            n = 0
            for lineno, rec in enumerate(reader, start=2):
                if not rec or all(not c.strip() for c in rec):
                    continue  # blank lines are not rows
                n += 1
                cell = rec[vi].strip() if vi < len(rec) else ""
                vid = (rec[ii].strip() if ii is not None and ii < len(rec) else "") or derive_id(cell)
                if vid in seen:
                    dups.setdefault(vid, [seen[vid]]).append(lineno)
                else:
                    seen[vid] = lineno
            if dups:
                shown = "; ".join(f"{k!r} on lines {', '.join(map(str, v))}" for k, v in list(dups.items())[:10])
                more = f" (and {len(dups) - 10} more)" if len(dups) > 10 else ""
                raise ManifestError(f"manifest {path} has duplicate video ids: {shown}{more}")
            return columns, has_id, n

    def tasks(self) -> Iterator[Task]:
        """Yield tasks in manifest order; relative paths resolve against the CSV's folder."""
        base = self.csv_path.resolve().parent
        with self.csv_path.open("r", encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            idx = 0
            for rec in reader:
                if not rec or all(not c.strip() for c in rec):
                    continue
                row = {col: (rec[i] if i < len(rec) else "") for i, col in enumerate(self.columns)}
                cell = row[self.video_col].strip()
                vid = (row.get(self.id_col, "").strip() if self.has_id_col else "") or derive_id(cell)
                resolved = str(base / cell) if cell and not os.path.isabs(cell) else cell
                yield Task(video_id=vid, video_path=resolved, row=row, index=idx)
                idx += 1
