"""Error types a user sees, one per failure cause.

Every failure of a single video ends as an ``Outcome`` with one of these ``error_type``
strings, so an operator can group failures (``errors_by_type``) and decide what to retry.
Errors that concern the whole run (bad manifest, lock held) are exceptions with an exit code.
"""
from __future__ import annotations

# Per-video error types (the `error_type` column).
INVALID_PATH = "invalid_path"          # empty path cell
FILE_NOT_FOUND = "file_not_found"
NOT_A_FILE = "not_a_file"              # a directory or a special file
EMPTY_FILE = "empty_file"              # zero bytes
PERMISSION_DENIED = "permission_denied"
DECODE_ERROR = "decode_error"          # no decoder could open or decode the frames asked for
UNSUPPORTED_VIDEO = "unsupported_video"  # opened, but a codec/format we cannot decode
PROCESS_ERROR = "process_error"        # the process function raised
BAD_RESULT = "bad_result"              # the process function returned something unusable
SETUP_ERROR = "setup_error"            # the per-worker setup hook failed
TIMEOUT = "timeout"
WORKER_CRASHED = "worker_crashed"      # the sandbox process died (segfault, os._exit, OOM killer)
MEMORY_LIMIT = "memory_limit"


class BatchprocError(Exception):
    """An error about the run as a whole; ``exit_code`` is what the CLI returns."""

    exit_code = 2


class ManifestError(BatchprocError):
    """The CSV manifest cannot be used (missing file or column, duplicate ids)."""


class ConfigError(BatchprocError):
    """A bad option, parameter or process-function name."""


class FingerprintMismatch(BatchprocError):
    """The checkpoint belongs to a different run (manifest, function or parameters changed)."""


class LockHeld(BatchprocError):
    """Another live run holds the checkpoint's lock."""

    exit_code = 3


class VideoError(Exception):
    """A problem with one video; carries its ``error_type``."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
