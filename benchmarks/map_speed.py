"""How long the 2-D map costs: UMAP (cold and warm process, numba cache on/off) vs PCA.

Run ``make benchmark`` (or ``.venv/bin/python benchmarks/map_speed.py``). Prints a
table; each UMAP "cold" row is a fresh Python process, as a CLI run is.

Why it matters: umap-learn compiles its numba kernels on the first fit of every
process.  This decides the CLI default (``--map pca``) and why the app warms a
worker process once per server.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import time, sys
t0 = time.perf_counter()
import numpy as np
from noncustomers.embedding import map_coordinates
X = np.random.default_rng(0).normal(size=(int(sys.argv[1]), 10))
t1 = time.perf_counter()
map_coordinates(X, method=sys.argv[2], seed=0)
t2 = time.perf_counter()
map_coordinates(X, method=sys.argv[2], seed=1)
t3 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {t3 - t2:.2f}")
"""


def run(n: int, method: str, env_extra: dict[str, str]) -> tuple[float, float, float]:
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), method], env=env,
                         capture_output=True, text=True, check=True)
    return tuple(float(v) for v in out.stdout.split())


def main() -> None:
    print(f"# map speed, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'method':<28}{'rows':>8}{'import s':>10}{'1st fit s':>11}{'2nd fit s':>11}"
          f"{'vs PCA':>9}")
    cache = tempfile.mkdtemp(prefix="numba-cache-")
    for n in (5_000, 20_000):
        _, pca_first, _ = run(n, "pca", {})
        rows = [("pca", {}), ("umap (no numba cache)", {}),
                ("umap, NUMBA_CACHE_DIR run 1", {"NUMBA_CACHE_DIR": cache}),
                ("umap, NUMBA_CACHE_DIR run 2", {"NUMBA_CACHE_DIR": cache})]
        for name, env in rows:
            method = "pca" if name == "pca" else "umap"
            imp, first, second = run(n, method, env)
            ratio = first / max(pca_first, 1e-3)
            print(f"{name:<28}{n:>8}{imp:>10.2f}{first:>11.2f}{second:>11.2f}{ratio:>8.0f}x")


if __name__ == "__main__":
    main()
