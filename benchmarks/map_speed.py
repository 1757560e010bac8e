"""How long the 2-D map costs: UMAP (first and second fit of a process, numba cache empty or filled) vs PCA.

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
import hashlib, time, sys
t0 = time.perf_counter()
import numpy as np
from noncustomers.embedding import map_coordinates
X = np.random.default_rng(0).normal(size=(int(sys.argv[1]), 10))
t1 = time.perf_counter()
xy = map_coordinates(X, method=sys.argv[2], seed=0)
t2 = time.perf_counter()
map_coordinates(X, method=sys.argv[2], seed=1)
t3 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {t3 - t2:.2f} {hashlib.sha256(xy.tobytes()).hexdigest()[:12]}")
"""


def run(n: int, method: str, env_extra: dict[str, str]) -> tuple[float, float, float, str]:
    """Seconds to import, first fit, second fit; and the first map's SHA-256 (12 digits)."""
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), method], env=env,
                         capture_output=True, text=True, check=True)
    imp, first, second, digest = out.stdout.split()
    return float(imp), float(first), float(second), digest


def main() -> None:
    print(f"# map speed, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'method':<28}{'rows':>8}{'import s':>10}{'1st fit s':>11}{'2nd fit s':>11}"
          f"{'vs PCA':>9}  map sha256")
    for n in (5_000, 20_000):
        # An empty numba cache folder: the first process compiles every kernel and stores
        # the machine code (noncustomers.embedding.import_umap turns the cache on), the
        # second loads what it can.
        cache = tempfile.mkdtemp(prefix="numba-cache-")
        _, pca_first, _, _ = run(n, "pca", {})
        umap_maps = set()
        rows = [("pca", {}),
                ("umap, empty numba cache", {"NUMBA_CACHE_DIR": cache}),
                ("umap, numba cache filled", {"NUMBA_CACHE_DIR": cache})]
        for name, env in rows:
            method = "pca" if name == "pca" else "umap"
            imp, first, second, digest = run(n, method, env)
            ratio = first / max(pca_first, 1e-3)
            print(f"{name:<28}{n:>8}{imp:>10.2f}{first:>11.2f}{second:>11.2f}{ratio:>8.0f}x"
                  f"  {digest}")
            if method == "umap":
                umap_maps.add(digest)
        # The cache changes when the code is compiled, never the map.
        assert len(umap_maps) == 1, f"UMAP maps differ with and without the cache: {umap_maps}"


if __name__ == "__main__":
    main()
