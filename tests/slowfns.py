"""Process functions for CLI tests, importable as ``slowfns:NAME`` (tests/ is put on PYTHONPATH)."""
import time


def sleepy(loader, delay: float = 0.05):
    time.sleep(float(delay))
    return {"row_label": loader.row.get("label", ""), "delay": float(delay)}


def fail_odd(loader):
    if int(loader.row.get("label", 0)) % 2:
        raise RuntimeError("odd rows fail")
    return {"ok": True}
