"""Finding process functions by name: built-ins, the ``batchproc.fns`` entry-point group, or
``module:attr``. A callable (lambdas and closures included) is used as it is."""
from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import ConfigError

ENTRY_POINT_GROUP = "batchproc.fns"

BUILTINS: dict[str, str] = {
    "keyframes": "batchproc.fns.keyframes:extract_keyframes",
    "adaptive": "batchproc.fns.adaptive:adaptive_sample",
    "fitness": "batchproc.fns.fitness:analyze_fitness",
}


@dataclass
class FnSpec:
    name: str
    fn: Callable[..., dict]
    source: str
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def setup(self) -> Callable[[], Any] | None:
        return getattr(self.fn, "setup", None)


def describe(fn: Callable) -> tuple[str, dict[str, Any]]:
    doc = (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
    params: dict[str, Any] = {}
    try:
        for i, (pname, p) in enumerate(inspect.signature(fn).parameters.items()):
            if i == 0 or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue  # the loader, *args, **kwargs
            params[pname] = None if p.default is inspect.Parameter.empty else p.default
    except (TypeError, ValueError):
        pass
    return doc, params


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    if sys.version_info >= (3, 10):
        eps = entry_points(group=ENTRY_POINT_GROUP)
    else:  # pragma: no cover
        eps = entry_points().get(ENTRY_POINT_GROUP, [])
    return {ep.name: ep for ep in eps}


def _import(target: str) -> Callable:
    mod_name, _, attr = target.partition(":")
    if not mod_name or not attr:
        raise ConfigError(f"process function {target!r}: expected a registered name or 'module:attr'")
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as e:
        raise ConfigError(f"process function {target!r}: cannot import module {mod_name!r} ({e})") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ConfigError(f"process function {target!r}: module {mod_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        raise ConfigError(f"process function {target!r} is not callable")
    return obj


def resolve(fn: str | Callable) -> FnSpec:
    if callable(fn):
        name = f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', type(fn).__name__)}"
        for bname, target in BUILTINS.items():
            if target == f"{getattr(fn, '__module__', '')}:{getattr(fn, '__name__', '')}":
                name = bname
        doc, params = describe(fn)
        return FnSpec(name, fn, "callable", doc, params)
    if not isinstance(fn, str) or not fn.strip():
        raise ConfigError(f"process function must be a name, 'module:attr' or a callable, got {fn!r}")
    if fn in BUILTINS:
        obj = _import(BUILTINS[fn])
        source = "built-in"
    else:
        eps = _entry_points()
        if fn in eps:
            obj, source = eps[fn].load(), f"entry point ({eps[fn].value})"
        elif ":" in fn:
            obj, source = _import(fn), "module:attr"
        else:
            known = ", ".join(sorted(set(BUILTINS) | set(eps)))
            raise ConfigError(f"unknown process function {fn!r}; registered: {known} (or give 'module:attr')")
    doc, params = describe(obj)
    return FnSpec(fn, obj, source, doc, params)


def available() -> list[FnSpec]:
    """Every function that can be named on the command line and imports here."""
    out = []
    for name in list(BUILTINS) + sorted(set(_entry_points()) - set(BUILTINS)):
        try:
            out.append(resolve(name))
        except ConfigError:
            continue
    return out
