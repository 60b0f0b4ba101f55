"""Per-worker resources: load a model once per worker process, not once per video."""
from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def worker_resource(name: str, factory: Callable[[], T]) -> T:
    """Return the process-wide object called ``name``, creating it with ``factory`` on first use.

    Each sandbox is a long-lived process that runs many videos, so a pose model or tokenizer
    created here is built once per worker and reused for every video it processes.
    """
    with _lock:
        if name not in _cache:
            _cache[name] = factory()
        return _cache[name]


def setup_hook(setup: Callable[[], Any]) -> Callable[[Callable], Callable]:
    """Decorator: run ``setup`` once when each worker starts (e.g. to load and warm a model), so a
    broken model fails fast as ``setup_error`` instead of deep inside the first video."""

    def deco(fn: Callable) -> Callable:
        fn.setup = setup  # type: ignore[attr-defined]
        return fn

    return deco
