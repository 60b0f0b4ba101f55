"""The JSON checkpoint: what a run is (fingerprint) and how far it got (committed parts).

Why parts are counted, not listed: parts are numbered 1, 2, 3, ... and the checkpoint records only
how many are committed. A video is done once its row is in a committed part, so the checkpoint's
size, and the cost of saving it, stay the same at 10 rows or 10 million. A part numbered beyond
the committed count is the leftover of a crash between writing the part and saving the checkpoint;
it is deleted on resume and its videos run again, so nothing is ever in the outputs twice.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .atomic import atomic_write_json
from .errors import BatchprocError, FingerprintMismatch, LockHeld

FORMAT_VERSION = 1
RECENT_FAILURES = 50


@dataclass
class Fingerprint:
    """What makes two runs the same run: resuming under a different one would mix results."""

    manifest_sha256: str
    function: str
    params: dict[str, Any]
    video_col: str
    id_col: str
    batchproc_version: str

    def digest(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def differences(self, other: dict[str, Any]) -> list[str]:
        mine = asdict(self)
        return [k for k in mine if json.dumps(mine[k], sort_keys=True, default=str) != json.dumps(other.get(k), sort_keys=True, default=str)]


@dataclass
class CheckpointState:
    fingerprint: dict[str, Any]
    fingerprint_digest: str
    parts_committed: int = 0
    ok: int = 0
    failed: int = 0
    total_videos: int = 0
    recent_failures: list[dict[str, Any]] = field(default_factory=list)
    status: str = "running"
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    run_started_at: float = field(default_factory=time.time)
    runs: int = 0
    output_dir: str = ""
    format: int = FORMAT_VERSION

    @property
    def done(self) -> int:
        return self.ok + self.failed


class Checkpoint:
    """Load, validate and atomically save the checkpoint file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> CheckpointState | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BatchprocError(
                f"checkpoint {self.path} is unreadable ({e}); it is only ever replaced atomically, so it was "
                "edited or damaged by something else. Remove it (and the output folder's parts/) to start over."
            ) from None
        if raw.get("format") != FORMAT_VERSION:
            raise BatchprocError(f"checkpoint {self.path} has format {raw.get('format')!r}; this batchproc reads format {FORMAT_VERSION}")
        known = {f for f in CheckpointState.__dataclass_fields__}
        return CheckpointState(**{k: v for k, v in raw.items() if k in known})

    def verify(self, state: CheckpointState, fp: Fingerprint, resume_anyway: bool) -> None:
        if state.fingerprint_digest == fp.digest() or resume_anyway:
            return
        diff = fp.differences(state.fingerprint)
        raise FingerprintMismatch(
            f"checkpoint {self.path} belongs to a different run: {', '.join(diff) or 'fingerprint'} changed. "
            "Use --resume-anyway to continue it regardless, --restart to start over, or another --output-dir."
        )

    def save(self, state: CheckpointState) -> None:
        state.updated_at = time.time()
        state.recent_failures = state.recent_failures[-RECENT_FAILURES:]
        atomic_write_json(self.path, asdict(state))


class RunLock:
    """One run per checkpoint. flock is released by the kernel when a process dies, so a lock left by
    a run killed with ``kill -9`` is never in the way: the next run simply takes it."""

    def __init__(self, checkpoint_path: str | os.PathLike):
        self.path = Path(str(checkpoint_path) + ".lock")
        self._fd: int | None = None

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text() or "{}")
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
            return f"pid {info.get('pid')} on {info.get('host')} since {since}"
        except (OSError, ValueError):
            return "another process"

    def is_held(self) -> bool:
        """True while a live process holds the lock (used by `batchproc status`)."""
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockHeld(f"another run holds the lock on {self.path.name[:-5]} ({self.holder()}); "
                               "wait for it to finish or stop it first") from None
            raise
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
