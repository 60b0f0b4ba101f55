"""`make bench`: every benchmark, one after the other, each printing its figures and ratios.

Each runs as its own process so one missing optional piece (Ray, the shared clips) does not stop
the others. Extra arguments are passed to none; run a single benchmark script for its options.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES = [
    ("engine overhead and checkpoint save cost", ["bench_engine.py", "--backends", "local,dask,ray"]),
    ("decoding and frame access", ["bench_decode.py"]),
    ("fitness throughput", ["bench_fitness.py"]),
]


def main() -> int:
    failed = []
    for title, argv in BENCHES:
        script = HERE / argv[0]
        print(f"\n######## {title} ({' '.join(argv)})", flush=True)
        if not script.exists():
            print(f"  (not present: {argv[0]})")
            continue
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script), *argv[1:]])
        print(f"  [{argv[0]} finished in {time.perf_counter() - t0:.0f} s, exit {rc}]", flush=True)
        if rc:
            failed.append(argv[0])
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
