"""Process functions: the registry and the built-ins (imported lazily: fitness pulls in MediaPipe)."""
from __future__ import annotations

from .keyframes import extract_keyframes
from .registry import FnSpec, available, resolve

__all__ = ["extract_keyframes", "FnSpec", "available", "resolve"]
