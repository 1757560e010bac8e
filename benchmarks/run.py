"""End-to-end scale benchmark: every stage of a run, its wall time and peak memory, against
the obvious alternatives on the same data.

    .venv/bin/python benchmarks/run.py [--sizes 10000,100000] [--out benchmarks/RESULTS.md]
                                       [--umap-max 20000] [--no-umap] [--quality]
                                       [--quality-size 100000]

For every size it generates the seeded synthetic gym panel
(``sample_data/generate_gym_panel.py``, ``generate(n, seed=0)``) as a CSV in a temporary
folder, with ``sample_data/gym_schema.toml``, and runs, each in a **fresh Python process**
(numba's compilation and memory peaks do not carry over; ``OMP_NUM_THREADS`` is unset):

1. **the toolkit**, stage by stage: ``read_panel`` (read), then every stage of
   :func:`noncustomers.analyze` as its ``progress`` callback names them
   (:data:`noncustomers.analysis.STAGES`; default settings: seed 0, k auto, k-means,
   ``--map pca``, 10 stability refits, 200 curve resamples, 50 driver bootstraps), then
   writing: ``run_files`` (the bytes of every file) and writing them through the CLI's
   ``OutputFolder`` (staging folder, manifest, fsync, rename);
2. **the obvious alternatives**, on the same file and the same basis matrix
   (``map_matrix``: the basis answers median-imputed and weighted-standardised):

   - ``pandas.read_csv`` of the CSV (against *read*) and ``DataFrame.to_csv`` of what it
     read (against *writing*, both rows together);
   - scikit-learn ``KMeans(n_init=10)`` on the whole matrix for k = 2..8, k chosen by
     the silhouette on a 2,000-row sample (against *segments*, which also chooses k per
     tier, tests for structure and measures stability), as it comes (OpenMP's threads, one
     per core) and again on one native thread, as the toolkit runs it;
   - ``umap.UMAP().fit_transform`` on every row, only when n <= ``--umap-max``, against
     the toolkit's ``--map umap`` path (``map_coordinates(X, "umap", 0)``: fitted on at
     most 10,000 rows, the rest placed with ``transform``).  Both are timed warm: numba's
     compilation (``warm_umap`` and a small plain-UMAP fit) is its own row, paid once
     per process by either (minutes on a busy 2-core machine: ``--no-umap`` skips the
     three UMAP rows).

Memory is the process's resident set (RSS), sampled every 50 ms by a background thread
(psutil when installed, else ``/proc/self/statm``) and at every stage boundary; a stage's
*peak* is the largest RSS seen while it ran, *+MB* how far that is above the RSS at the
stage's start (what the stage itself added, roughly).  End to end is read through writing
(Python's start-up and imports are reported on their own line); its peak is also the
kernel's high-water mark (``ru_maxrss``).  Ratios are toolkit / alternative: time, and
+MB.

``--quality`` also runs the toolkit at ``--quality-size`` (default 100,000) with its
sampling switched off (``ChooseK(max_select=None)``, ``engine.STABILITY_SAMPLE`` and
``drivers.MAX_ROWS`` set beyond the panel, monkeypatched in the subprocess) and compares
it with the default run: the adjusted Rand index of the segments (all respondents, and
within each tier), k per tier, and per tier whether the drivers' ranks are identical and
Spearman's rho of their importance; and the time of both.

Prints the tables (markdown) and appends them, with the machine (CPU, cores, RAM, load
average), Python and library versions, the date and the command line, as a dated
section of ``--out`` (older sections are kept).  Asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata as md
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "sample_data" / "gym_schema.toml"
GENERATOR_SEED = 0  # of the synthetic panel
SEED = 0  # of the analysis and of every alternative
SAMPLE_EVERY = 0.05  # seconds between RSS samples
K_RANGE = range(2, 9)  # the alternative k-means's candidates
SILHOUETTE_SAMPLE = 2000
UNLIMITED = 10 ** 12  # "no sampling": larger than any panel
VERSIONS = ("noncustomers", "numpy", "pandas", "scikit-learn", "scipy", "umap-learn",
            "pynndescent", "numba", "psutil")
MB = 1024 * 1024
MB_FLOOR = 5.0  # +MB under this is noise (freed memory reused): no memory ratio

# Row names of the tables (the analysis stages come from the child, in STAGES order).
READ = "read"
RUN_FILES = "writing: run_files (bytes)"
TO_DISK = "writing: files to disk"
READ_CSV = "pandas read_csv"
TO_CSV = "pandas DataFrame.to_csv"
PREP = "(basis matrix for the alternatives)"
KMEANS = "sklearn KMeans, k 2-8 by silhouette"
KMEANS_1 = "the same KMeans, 1 native thread"
WARM = "UMAP warm-up: numba compilation, both paths"
MAP_UMAP = "toolkit --map umap"
PLAIN_UMAP = "umap.UMAP().fit_transform"


# ---- measuring ----------------------------------------------------------------------------

def _rss_reader():
    """(function returning this process's RSS in bytes, its source's name)."""
    try:
        import psutil

        process = psutil.Process()
        return (lambda: process.memory_info().rss), "psutil"
    except ImportError:
        page = os.sysconf("SC_PAGE_SIZE")

        def read() -> int:
            with open("/proc/self/statm", "rb") as statm:
                return int(statm.read().split()[1]) * page
        return read, "/proc/self/statm"


class Recorder:
    """Wall time and RSS (start, peak) of named stages, one after another.

    ``stage(name)`` ends the current stage and starts ``name`` (None: ends it only); a
    name equal to the current stage's is ignored, so the caller may open a stage that a
    progress callback names again.  A daemon thread samples RSS every ``interval``
    seconds into the current stage's peak.
    """

    def __init__(self, label: str, interval: float = SAMPLE_EVERY) -> None:
        self.read_rss, self.source = _rss_reader()
        self.label, self.interval = label, interval
        self.rows: list[dict] = []
        self._current: dict | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self.read_rss()
            with self._lock:
                if self._current is not None and rss > self._current["peak"]:
                    self._current["peak"] = rss

    def stage(self, name: str | None) -> None:
        now, rss = time.perf_counter(), self.read_rss()
        with self._lock:
            current = self._current
            if current is not None and current["name"] == name:
                return
            if current is not None:
                current["seconds"] = now - current.pop("t0")
                current["peak"] = max(current["peak"], rss)
                self.rows.append(current)
            self._current = (None if name is None else
                             {"name": name, "t0": now, "start": rss, "peak": rss})
        if name is not None:
            print(f"  [{self.label}] {name}", file=sys.stderr, flush=True)

    def close(self) -> list[dict]:
        self.stage(None)
        self._stop.set()
        self._thread.join()
        return [{"name": r["name"], "seconds": r["seconds"], "peak_mb": r["peak"] / MB,
                 "delta_mb": (r["peak"] - r["start"]) / MB} for r in self.rows]


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- the subprocesses ---------------------------------------------------------------------

def child_toolkit(spec: dict) -> dict:
    """Read, analyse and write one panel, stage by stage; with ``unsampled``, with the
    toolkit's sampling switched off (the quality check)."""
    started = time.perf_counter()
    recorder = Recorder(spec["label"])
    import numpy as np
    import pandas as pd

    from noncustomers import analyze, read_panel
    from noncustomers.export.folder import OutputFolder
    from noncustomers.export.run import OUTPUT_FILES, run_files

    imports = time.perf_counter() - started
    if spec.get("unsampled"):
        from noncustomers.analytics import drivers
        from noncustomers.segmentation import engine, make_segmenter, selection

        selection.ChooseK.__init__.__kwdefaults__["max_select"] = None
        engine.STABILITY_SAMPLE = UNLIMITED
        drivers.MAX_ROWS = UNLIMITED
        assert make_segmenter("kmeans", "auto", SEED, 30.0, 0.05).max_select is None
    recorder.stage(READ)
    panel = read_panel(spec["csv"], spec["schema"])
    recorder.stage("tiers")  # analyze's own first stage; its set-up counts here
    analysis = analyze(panel, seed=SEED, progress=recorder.stage)
    out: dict = {}
    if not spec.get("unsampled"):
        recorder.stage(RUN_FILES)
        files = run_files(analysis)
        recorder.stage(TO_DISK)
        with OutputFolder(Path(spec["work"]) / "out", replaceable=OUTPUT_FILES) as folder:
            for name, data in files.items():
                folder.write(name, data)
            folder.publish()
        out["bytes_written"] = sum(len(data) for data in files.values())
    rows = recorder.close()
    out.update(rows=rows, imports_s=imports, ru_maxrss_mb=_max_rss_mb(),
               rss_source=recorder.source)
    truth = pd.read_csv(spec["truth"])["segment"].to_numpy()
    from sklearn.metrics import adjusted_rand_score

    out["ari_truth"] = float(adjusted_rand_score(truth, analysis.segments.to_numpy()))
    out["k"] = {tier: int(np.unique(analysis.segments[analysis.tiers == tier]).size)
                for tier in panel.schema.tier_names}
    if spec.get("dump"):
        pd.DataFrame({"tier": analysis.tiers.to_numpy(),
                      "segment": analysis.segments.to_numpy()}).to_csv(
            Path(spec["dump"]) / "segments.csv", index=False)
        analysis.drivers.to_csv(Path(spec["dump"]) / "drivers.csv", index=False)
    return out


def child_alternatives(spec: dict) -> dict:
    """What one would do without the toolkit, on the same file and basis matrix."""
    recorder = Recorder(spec["label"])
    import pandas as pd

    n = spec["n"]
    out: dict = {}
    recorder.stage(READ_CSV)
    frame = pd.read_csv(spec["csv"])
    recorder.stage(TO_CSV)
    copy = Path(spec["work"]) / "copy.csv"
    frame.to_csv(copy, index=False)
    recorder.stage(PREP)
    out["bytes_to_csv"] = copy.stat().st_size
    copy.unlink()
    del frame
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    from noncustomers import read_panel
    from noncustomers.analysis import map_matrix

    panel = read_panel(spec["csv"], spec["schema"])
    X = map_matrix(panel)
    del panel
    gc.collect()
    from threadpoolctl import threadpool_limits

    def kmeans() -> tuple[float, int, np.ndarray]:
        best = None
        for k in K_RANGE:
            labels = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit(X).labels_
            score = silhouette_score(X, labels, sample_size=min(SILHOUETTE_SAMPLE, n),
                                     random_state=SEED)
            if best is None or score > best[0]:
                best = (score, k, labels)
        return best

    recorder.stage(KMEANS)
    best = kmeans()  # as it comes: OpenMP's threads, one per core
    recorder.stage(KMEANS_1)  # as the toolkit runs it (ChooseK limits every pool to 1)
    with threadpool_limits(limits=1):
        kmeans()
    recorder.stage(PREP)
    truth = pd.read_csv(spec["truth"])["segment"].to_numpy()
    out["kmeans_k"] = best[1]
    out["kmeans_ari_truth"] = float(adjusted_rand_score(truth, best[2]))
    if spec["umap"]:
        import umap

        from noncustomers.embedding import map_coordinates, warm_umap

        recorder.stage(WARM)
        warm_umap()
        # the plain path's own kernels (parallel; exact neighbours below 4,096 rows, else
        # nearest-neighbour descent, as on the real data)
        umap.UMAP().fit_transform(
            np.random.default_rng(0).normal(size=(min(n, 5000), X.shape[1])))
        recorder.stage(MAP_UMAP)
        map_coordinates(X, "umap", SEED)
        if n <= spec["umap_max"]:
            recorder.stage(PLAIN_UMAP)
            umap.UMAP().fit_transform(X)
    out["rows"] = [r for r in recorder.close() if r["name"] != PREP]
    return out


def run_child(kind: str, spec: dict, work: Path) -> dict:
    """Run ``kind`` (toolkit or alternatives) in a fresh interpreter; its result dict."""
    spec_path = work / f"{kind}-{spec['label']}.json".replace(" ", "_")
    result_path = spec_path.with_suffix(".result.json")
    spec_path.write_text(json.dumps({**spec, "kind": kind, "result": str(result_path)}))
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                   env=env, check=True)
    return json.loads(result_path.read_text())


def child_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    kind = spec["kind"]
    result = child_toolkit(spec) if kind == "toolkit" else child_alternatives(spec)
    Path(spec["result"]).write_text(json.dumps(result))


# ---- the parent ---------------------------------------------------------------------------

def make_panel(n: int, work: Path) -> tuple[Path, Path]:
    """The seeded synthetic panel of n respondents as CSV (and its planted truth)."""
    sys.path.insert(0, str(ROOT / "sample_data"))
    from generate_gym_panel import generate

    panel, truth = generate(n, GENERATOR_SEED)
    csv, truth_csv = work / f"panel-{n}.csv", work / f"truth-{n}.csv"
    panel.to_csv(csv, index=False, lineterminator="\n")
    truth.to_csv(truth_csv, index=False, lineterminator="\n")
    return csv, truth_csv


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
                break
    except OSError:
        pass
    versions = {}
    for package in VERSIONS:
        try:
            versions[package] = md.version(package)
        except md.PackageNotFoundError:
            versions[package] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "usable": len(os.sched_getaffinity(0)),
            "ram": ram, "python": platform.python_version(), "versions": versions}


def _s(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _ratio(a: float, b: float, floor: float = 0.005) -> str:
    """``a / b`` as "x1.3"; "-" when ``b`` is under ``floor`` (measured as about nothing)."""
    return f"x{a / b:.2g}" if b >= floor else "-"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}")


def render(results: dict[int, dict], quality: dict | None, info: dict, args,
           command: str, started: datetime, loads: tuple) -> str:
    sizes = sorted(results)
    toolkit_rows = [r["name"] for r in results[sizes[0]]["toolkit"]["rows"]]
    alt_rows = [READ_CSV, TO_CSV, KMEANS, KMEANS_1, WARM, MAP_UMAP, PLAIN_UMAP]
    big = 1_000_000 if {100_000, 1_000_000} <= set(sizes) else None

    def cell(n: int, name: str) -> dict | None:
        for r in results[n]["toolkit"]["rows"] + results[n]["alternatives"]["rows"]:
            if r["name"] == name:
                return r
        return None

    def end_to_end(n: int) -> dict:
        rows = results[n]["toolkit"]["rows"]
        peak = max(r["peak_mb"] for r in rows)
        start = rows[0]["peak_mb"] - rows[0]["delta_mb"]  # RSS when read began
        return {"seconds": sum(r["seconds"] for r in rows), "peak_mb": peak,
                "delta_mb": peak - start}

    def combined(n: int, names: list[str]) -> dict:
        rows = [cell(n, name) for name in names]
        return {"seconds": sum(r["seconds"] for r in rows),
                "delta_mb": max(r["delta_mb"] for r in rows)}

    header = "| stage | " + " | ".join(
        f"{_size(n)} s | {_size(n)} peak MB | {_size(n)} +MB" for n in sizes)
    rule = "|---|" + "---:|---:|---:|" * len(sizes)
    if big:
        header += " | 1M / 100k time |"
        rule += "---:|"
    else:
        header += " |"
    lines = [header, rule]

    def row(label: str, cells: list[dict | None], growth: str | None = None) -> None:
        parts = []
        for r in cells:
            parts.append("- | - | -" if r is None else
                         f"{_s(r['seconds'])} | {r['peak_mb']:.0f} | {r['delta_mb']:.0f}")
        line = f"| {label} | " + " | ".join(parts) + " |"
        if big:
            line += f" {growth or ''} |"
        lines.append(line)

    def growth(name_cells: list[dict | None]) -> str | None:
        if not big:
            return None
        by_size = dict(zip(sizes, name_cells))
        a, b = by_size.get(100_000), by_size.get(1_000_000)
        return _ratio(b["seconds"], a["seconds"]) if a and b else None

    for name in toolkit_rows:
        cells = [cell(n, name) for n in sizes]
        row(name, cells, growth(cells))
    cells = [end_to_end(n) for n in sizes]
    row("**end to end** (read to writing)", cells, growth(cells))
    lines.append("| *alternatives, same data* |" + " | | |" * len(sizes)
                 + (" |" if big else ""))
    for name in alt_rows:
        cells = [cell(n, name) for n in sizes]
        if any(c is not None for c in cells):
            row(name, cells, growth(cells))

    def ratio_row(label: str, ours, theirs) -> None:
        parts = []
        for n in sizes:
            a, b = ours(n), theirs(n)
            parts.append("- | | -" if a is None or b is None else
                         f"{_ratio(a['seconds'], b['seconds'])} | | "
                         f"{_ratio(a['delta_mb'], b['delta_mb'], MB_FLOOR)}")
        lines.append(f"| {label} | " + " | ".join(parts) + " |" + (" |" if big else ""))

    lines.append("| *ratios, toolkit / alternative (time, +MB)* |" + " | | |" * len(sizes)
                 + (" |" if big else ""))
    ratio_row("read / read_csv", lambda n: cell(n, READ), lambda n: cell(n, READ_CSV))
    ratio_row("segments / KMeans", lambda n: cell(n, "segments"), lambda n: cell(n, KMEANS))
    ratio_row("segments / KMeans, 1 thread", lambda n: cell(n, "segments"),
              lambda n: cell(n, KMEANS_1))
    ratio_row("writing (both rows) / to_csv", lambda n: combined(n, [RUN_FILES, TO_DISK]),
              lambda n: cell(n, TO_CSV))
    ratio_row("--map umap / UMAP().fit_transform", lambda n: cell(n, MAP_UMAP),
              lambda n: cell(n, PLAIN_UMAP))

    notes = []
    for n in sizes:
        tk, alt = results[n]["toolkit"], results[n]["alternatives"]
        notes.append(
            f"- {n:,} respondents: CSV {results[n]['csv_mb']:.1f} MB; start-up and imports "
            f"{tk['imports_s']:.1f} s (not in end to end); peak RSS {end_to_end(n)['peak_mb']:.0f}"
            f" MB (ru_maxrss {tk['ru_maxrss_mb']:.0f} MB); files written "
            f"{tk['bytes_written'] / MB:.1f} MB (to_csv of the panel: "
            f"{alt['bytes_to_csv'] / MB:.1f} MB); segments per tier "
            + ", ".join(f"{t} {k}" for t, k in tk["k"].items())
            + f" (ARI against the planted segments {tk['ari_truth']:.3f}); the direct KMeans "
            f"chose k = {alt['kmeans_k']} (ARI {alt['kmeans_ari_truth']:.3f})"
            + ("" if cell(n, PLAIN_UMAP) or not cell(n, MAP_UMAP) else
               f"; plain UMAP skipped (n > --umap-max {args.umap_max:,})") + ".")
    if big:
        a, b = end_to_end(100_000), end_to_end(1_000_000)
        notes.append(f"- **100k vs 1M** (10x the rows): end to end "
                     f"{_ratio(b['seconds'], a['seconds'])} the time, "
                     f"{_ratio(b['peak_mb'], a['peak_mb'])} the peak RSS.")

    out = [f"## {started:%Y-%m-%d %H:%M} UTC: `{command}`", "",
           f"Machine: {info['cpu']}, {info['cores']} cores ({info['usable']} usable), "
           f"{info['ram']} RAM; load average {loads[0]:.1f} at the start, {loads[1]:.1f} at "
           f"the end (a shared machine: other work ran beside this). Python {info['python']}; "
           + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".",
           "",
           (f"Panels: `generate(n, seed={GENERATOR_SEED})` of sample_data/generate_gym_panel.py"
           ", as CSV, with sample_data/gym_schema.toml; analysis defaults (seed 0, k auto, "
           "k-means, map pca, 10 stability refits, 200 curve resamples, 50 driver "
           "bootstraps). Each size in fresh processes (toolkit; alternatives), "
           "OMP_NUM_THREADS unset. Seconds are wall time; peak MB the largest RSS sampled "
           f"in the stage (every {SAMPLE_EVERY * 1000:.0f} ms, "
           f"{results[sizes[0]]['toolkit']['rss_source']}); +MB that peak above the RSS at "
           "the stage's start."), "", *lines, "", *notes]
    if quality:
        out += ["", *render_quality(quality)]
    return "\n".join(out) + "\n"


def compare_quality(default_dir: Path, unsampled_dir: Path, order: list[str]) -> dict:
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr
    from sklearn.metrics import adjusted_rand_score

    a = pd.read_csv(default_dir / "segments.csv")
    b = pd.read_csv(unsampled_dir / "segments.csv")
    tiers = {}
    for tier in order:
        mask = (a["tier"] == tier).to_numpy()
        tiers[tier] = {"ari": float(adjusted_rand_score(a["segment"][mask], b["segment"][mask])),
                       "k": (int(a["segment"][mask].nunique()),
                             int(b["segment"][mask].nunique()))}
    da = pd.read_csv(default_dir / "drivers.csv")
    db = pd.read_csv(unsampled_dir / "drivers.csv")
    drivers = {}
    for tier, rows in da.groupby("tier", sort=False):
        other = db[db["tier"] == tier].set_index("attribute").loc[rows["attribute"]]
        rho = spearmanr(rows["importance"].to_numpy(), other["importance"].to_numpy()).statistic
        moved = [f"{attribute} {r1}->{r2}" for attribute, r1, r2
                 in zip(rows["attribute"], rows["rank"], other["rank"]) if r1 != r2]
        drivers[tier] = {"identical": bool(np.array_equal(rows["rank"].to_numpy(),
                                                          other["rank"].to_numpy())),
                         "rho": float(rho), "moved": moved,
                         "top": (list(rows.sort_values("rank")["attribute"][:3]),
                                 list(other.sort_values("rank").index[:3]))}
    return {"ari": float(adjusted_rand_score(a["segment"], b["segment"])), "tiers": tiers,
            "drivers": drivers}


def render_quality(q: dict) -> list[str]:
    def stage(rows: list[dict], name: str) -> float:
        return sum(r["seconds"] for r in rows if r["name"] == name)

    def analysis_s(rows: list[dict]) -> float:
        return sum(r["seconds"] for r in rows if r["name"] not in (READ, RUN_FILES, TO_DISK))

    d, u = q["default"]["rows"], q["unsampled"]["rows"]
    lines = [f"### Quality check at {q['n']:,}: sampled (default) against sampling off", "",
             ("Sampling off: `ChooseK(max_select=None)`, `engine.STABILITY_SAMPLE` and "
             f"`drivers.MAX_ROWS` = {UNLIMITED:.0e} (monkeypatched in the subprocess)."), "",
             "| | default (sampled) | sampling off | ratio |", "|---|---:|---:|---:|"]
    for label, a, b in [("analysis s (tiers to commonalities)", analysis_s(d), analysis_s(u)),
                        ("segments s", stage(d, "segments"), stage(u, "segments")),
                        ("drivers s", stage(d, "drivers"), stage(u, "drivers"))]:
        lines.append(f"| {label} | {_s(a)} | {_s(b)} | {_ratio(b, a)} |")
    a, b = max(r["peak_mb"] for r in d), max(r["peak_mb"] for r in u)
    lines.append(f"| peak RSS MB | {a:.0f} | {b:.0f} | {_ratio(b, a)} |")
    c = q["compare"]
    lines += ["", f"Adjusted Rand index of the segments, all respondents: {c['ari']:.4f}.", "",
              "| tier | ARI within tier | k default | k sampling off |",
              "|---|---:|---:|---:|"]
    for tier, t in c["tiers"].items():
        lines.append(f"| {tier} | {t['ari']:.4f} | {t['k'][0]} | {t['k'][1]} |")
    lines += ["", ("| drivers of tier | ranks identical | Spearman rho (importance) | top 3 "
              "default | top 3 sampling off | ranks that moved (default->off) |"),
              "|---|---|---:|---|---|---|"]
    for tier, t in c["drivers"].items():
        lines.append(f"| {tier} | {'yes' if t['identical'] else 'no'} | {t['rho']:.4f} | "
                     f"{', '.join(t['top'][0])} | {', '.join(t['top'][1])} | "
                     f"{', '.join(t['moved']) or '-'} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated panel sizes (default 10000,100000)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"),
                        help="markdown file a dated section is appended to")
    parser.add_argument("--umap-max", type=int, default=20_000,
                        help="largest n for plain UMAP on every row (default 20000)")
    parser.add_argument("--no-umap", action="store_true",
                        help="skip the UMAP rows (their numba compilation costs minutes)")
    parser.add_argument("--quality", action="store_true",
                        help="also compare with a run with sampling switched off")
    parser.add_argument("--quality-size", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child)
        return
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    command = shlex.join(["benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    started = datetime.now(UTC)
    load_start = os.getloadavg()[0]
    info = machine()
    results: dict[int, dict] = {}
    quality = None
    with tempfile.TemporaryDirectory(prefix="noncustomers-bench-") as tmp:
        work = Path(tmp)
        wanted = args.quality_size if args.quality else None
        for n in sorted(set(sizes) | ({wanted} if wanted else set())):
            print(f"{n:,} respondents: generating the panel", file=sys.stderr, flush=True)
            csv, truth = make_panel(n, work)
            gc.collect()
            spec = {"n": n, "csv": str(csv), "truth": str(truth), "schema": str(SCHEMA),
                    "work": str(work), "umap_max": args.umap_max, "umap": not args.no_umap}
            dump = None
            if n == wanted:
                dump = work / f"default-{n}"
                dump.mkdir()
            if n in sizes:
                toolkit = run_child("toolkit", {**spec, "label": f"{n:,} toolkit",
                                                "dump": str(dump) if dump else None}, work)
                alternatives = run_child("alternatives", {**spec, "label": f"{n:,} alternatives"},
                                         work)
                results[n] = {"toolkit": toolkit, "alternatives": alternatives,
                              "csv_mb": csv.stat().st_size / MB}
                default = toolkit
            if n == wanted:
                if n not in sizes:
                    default = run_child("toolkit", {**spec, "label": f"{n:,} default",
                                                    "dump": str(dump)}, work)
                off = work / f"unsampled-{n}"
                off.mkdir()
                unsampled = run_child("toolkit", {**spec, "label": f"{n:,} sampling off",
                                                  "unsampled": True, "dump": str(off)}, work)
                quality = {"n": n, "default": default, "unsampled": unsampled,
                           "compare": compare_quality(dump, off, list(default["k"]))}
            csv.unlink()
            truth.unlink()
    if not results:
        parser.error("no sizes to run")
    text = render(results, quality, info, args, command, started,
                  (load_start, os.getloadavg()[0]))
    print(text)
    out = Path(args.out)
    if not out.exists():
        out.write_text("# Benchmark results: `benchmarks/run.py`\n\nOne dated section per run, "
                       "newest last (the script appends; older sections are kept).\n")
    with out.open("a", encoding="utf-8") as handle:
        handle.write("\n" + text)
    print(f"appended to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
