"""The ``noncustomers`` command.

    noncustomers analyze PANEL --schema SCHEMA.toml --out DIR [--seed N] [--k K] [--map pca|umap]
                         [--curve CURVE.csv] [--prize-margin POINTS] ...
    noncustomers analyze PANEL --config DIR/config.toml --out NEW [options that override it]
    noncustomers assign NEW_PANEL --model MODEL --out DIR
    noncustomers init PANEL [--out SCHEMA.toml] [--force] [--sheet SHEET]
    noncustomers analyze ... --charts png,svg,pdf      (every chart in DIR/charts/)
    noncustomers report PANEL --schema SCHEMA.toml --out deck.pptx | report.html

Exit codes: 0 success, 2 bad input (one line on stderr, nothing written), 130 or 143
when interrupted by SIGINT or SIGTERM (nothing written either).

Every output path is checked before any work; the output folder appears as a whole
or not at all (:class:`noncustomers.export.OutputFolder`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from noncustomers.analytics.prize import DEFAULT_MARGIN, DEFAULT_RESAMPLES
from noncustomers.errors import NoncustomersError, one_line
from noncustomers.limits import MAX_SEED
from noncustomers.segmentation.methods import METHODS
from noncustomers.segmentation.stability import DEFAULT_RUNS

__all__ = ["main"]



class _Parser(argparse.ArgumentParser):
    """argparse with errors in one line (its default prints the usage first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"noncustomers: error: {one_line(message)} (see {self.prog} --help)\n")


def _whole_number(lo: int, hi: int):
    """An argparse type: a whole number from ``lo`` to ``hi``."""
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{value}'") from None
        if not lo <= number <= hi:
            raise argparse.ArgumentTypeError(f"expected a whole number from {lo} to {hi}, got "
                                             f"{number}")
        return number

    return parse


_seed = _whole_number(0, MAX_SEED)
_runs = _whole_number(0, 10_000)


def _k(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or a whole number, got '{value}'")
    if k < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {k}")
    return k


def _tier_pair(value: str) -> tuple[str, str]:
    from noncustomers.vocabulary import TIERS

    tier, sep, setting = value.partition("=")
    if not sep or tier not in TIERS:
        raise argparse.ArgumentTypeError(f"expected TIER=VALUE with a tier of "
                                         f"{', '.join(TIERS)}, got '{value}'")
    return tier, setting


def _tier_k(value: str) -> tuple[str, int | str]:
    tier, setting = _tier_pair(value)
    return tier, _k(setting)


def _tier_method(value: str) -> tuple[str, str]:
    tier, setting = _tier_pair(value)
    if setting not in METHODS:
        raise argparse.ArgumentTypeError(f"method '{setting}' of tier '{tier}' is not known; "
                                         f"use one of {', '.join(METHODS)}")
    return tier, setting


def _analysis_options(parser: argparse.ArgumentParser) -> None:
    """The options of a run, shared by analyze and report."""
    parser.add_argument("--quiet", action="store_true",
                        help="no progress display on stderr (it is shown only when stderr "
                             "is a terminal anyway)")
    parser.add_argument("panel", help="panel file: .csv, .tsv, .xlsx, .parquet, .sav or .dta")
    parser.add_argument("--schema", default=None,
                        help="schema file (TOML) mapping columns to roles (needed unless --config)")
    parser.add_argument("--config", metavar="CONFIG.toml", default=None,
                        help="replay a run: the config.toml of its output folder (schema, seed "
                             "and every setting); options given here override it")
    parser.add_argument("--seed", type=_seed, default=None,
                        help=f"seed of every random step, 0 to {MAX_SEED} (default 0)")
    parser.add_argument("--k", type=_k, default=None,
                        help="segments per tier: 'auto' or a number (default: the schema's k)")
    parser.add_argument("--method", choices=list(METHODS), default=None,
                        help="segmentation method (default: the schema's, else kmeans); "
                             "a tier's own method in the schema still applies")
    parser.add_argument("--tier-k", type=_tier_k, action="append", default=None,
                        metavar="TIER=K",
                        help="one tier's own k ('auto' or a number), e.g. --tier-k refusing=2; "
                             "repeat for more tiers (over the schema's [segmentation.tiers])")
    parser.add_argument("--tier-method", type=_tier_method, action="append", default=None,
                        metavar="TIER=METHOD",
                        help="one tier's own segmentation method, e.g. --tier-method "
                             "unexplored=agglomerative; repeat for more tiers")
    parser.add_argument("--stability-runs", type=_runs, default=None, metavar="N",
                        help=f"bootstrap refits per tier for segment stability (default "
                             f"{DEFAULT_RUNS}; 0 skips it)")
    parser.add_argument("--curve", metavar="CSV", default=None,
                        help="also test your own value curve (columns attribute, level on 0-10) "
                             "beside the ERRC grid's; it is named after the file")
    parser.add_argument("--prize-margin", type=float, default=None, metavar="POINTS",
                        help=f"points (0-10) of unmet need a curve must move a respondent by to "
                             f"count as better or worse served (default {DEFAULT_MARGIN:g})")
    parser.add_argument("--curve-resamples", type=_runs, default=None, metavar="N",
                        help=f"bootstrap resamples behind the curve test's intervals (default "
                             f"{DEFAULT_RESAMPLES}; 0 skips them)")
    parser.add_argument("--where", metavar="RULE", default=None,
                        help="analyse only the respondents this rule selects, in the tier rules' "
                             "language, e.g. \"region in ['East', 'West'] and age >= 35\" "
                             "(recorded in config.toml)")
    parser.add_argument("--unweighted", action="store_true", default=None,
                        help="give every respondent the weight 1 (default: the schema's "
                             "weight column)")
    parser.add_argument("--map", choices=["pca", "umap", "none"], default=None,
                        help="2-D map method for x, y (default pca: instant; umap compiles numba "
                             "kernels in each process, 35 s the first time on a machine and 5 s "
                             "after; none leaves x, y empty)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="noncustomers",
        description="Find an industry's non-customers (Blue Ocean tiers), segment them and "
                    "measure what would bring them in.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("analyze", help="assign tiers and segments, measure gaps, write files",
                         description="Writes assignments.csv, gaps.csv, summary.json, "
                                     "profiles.csv, differences.csv, commonalities.csv, "
                                     "drivers.csv, canvas.csv and config.toml to --out "
                                     "(and the charts to --out/charts with --charts).")
    _analysis_options(run)
    run.add_argument("--out", required=True,
                     help="output folder: new, empty or holding an earlier run, which is "
                          "replaced as a whole")
    run.add_argument("--save-model", metavar="PATH", default=None,
                     help="also save the fitted model (skops format) for `noncustomers assign`")
    run.add_argument("--charts", metavar="FORMATS", default=None,
                     help="also write every chart to --out/charts/<name>.<ext> in these "
                          "formats, comma-separated: png (1920 x 1080), svg, pdf; needs a "
                          "local Chromium")
    report = sub.add_parser("report", help="analyse and write a PowerPoint deck or an HTML "
                                           "report",
                            description="Runs the analysis as analyze does and writes one "
                                        "file: a 16:9 PowerPoint deck with native, editable "
                                        "charts (--out NAME.pptx) or a self-contained HTML "
                                        "report with interactive charts (--out NAME.html).")
    _analysis_options(report)
    report.add_argument("--out", required=True, metavar="FILE.pptx|FILE.html",
                        help="the deck (.pptx) or the report (.html) to write")
    report.add_argument("--title", default=None,
                        help="title of the deck or report (default: a plain statement of "
                             "what it shows)")
    report.add_argument("--force", action="store_true", help="replace --out when it exists")
    place = sub.add_parser("assign", help="place new respondents with a saved model",
                           description="Writes assignments.csv (id, tier, segment) to --out.")
    place.add_argument("panel", help="panel file with the same columns as the model's panel")
    place.add_argument("--model", required=True, help="model file from analyze --save-model")
    place.add_argument("--out", required=True,
                       help="output folder: new, empty or holding an earlier run, which is "
                            "replaced as a whole")
    cluster = place.add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="ADDRESS", default=None,
                         help="read and place the panel in partitions on a running "
                              "dask.distributed scheduler (e.g. tcp://10.0.0.5:8786); the "
                              "panel (CSV or Parquet) must be readable at the same path on "
                              "every worker (docs/scale.md)")
    cluster.add_argument("--workers", type=_whole_number(1, 1024), default=None, metavar="N",
                         help="the same on a local cluster of N worker processes, bound to "
                              "127.0.0.1 with no dashboard (docs/scale.md)")
    init = sub.add_parser("init", help="draft a schema for a panel file",
                          description="Reads PANEL and writes a draft schema (TOML) whose "
                                      "comments say why each guess was made and how sure it "
                                      "is; it runs as it is with analyze.")
    init.add_argument("panel", help="panel file: .csv, .tsv, .xlsx, .parquet, .sav or .dta")
    init.add_argument("--out", metavar="SCHEMA.toml", default=None,
                      help="write the draft to this file (default: print it)")
    init.add_argument("--force", action="store_true",
                      help="replace --out when it exists")
    init.add_argument("--sheet", default=None,
                      help="the sheet of an Excel panel (default: the first)")
    return parser


class _Interrupted(BaseException):
    """SIGINT, SIGTERM or SIGHUP during a run; unwinds through every cleanup."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """Turn termination signals into an exception, so staging folders are removed."""
    def raise_interrupted(signum: int, frame: object) -> None:
        raise _Interrupted(signum)

    wanted = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    try:
        previous = {sig: signal.signal(sig, raise_interrupted) for sig in wanted}
    except ValueError:  # not the main thread (e.g. called from a worker): leave them be
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Progress:
    """The stages of a run on one line of stderr: a bar of the stages done, the elapsed
    time and the stage under way, redrawn in place and cleared at the end.

    Shown only when stderr is a terminal and --quiet is not given, so logs and pipes get
    the run's own lines and nothing else.  (Written here, a dozen lines: tqdm drew
    nothing on some terminals, and a stage bar needs no more than this.)
    """

    def __init__(self, enabled: bool, extra: Sequence[str] = ()) -> None:
        from noncustomers.analysis import STAGES

        self.enabled = enabled
        self.total = 2 + len(STAGES) + len(extra)
        self.done = -1
        self.start = time.monotonic()

    def __call__(self, stage: str) -> None:
        self.done += 1
        if self.enabled:
            filled = round(20 * self.done / self.total)
            sys.stderr.write(f"\r\033[Knoncustomers: [{'#' * filled}{'.' * (20 - filled)}] "
                             f"{time.monotonic() - self.start:6.1f} s  {stage}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done >= 0:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _progress(args: argparse.Namespace, extra: Sequence[str] = ()) -> _Progress:
    return _Progress(not args.quiet and sys.stderr.isatty(), extra)


MAX_PROBLEM_LINES = 20


def _fail(error: object) -> int:
    """One line per problem on stderr (at most 20, then how many more); exit code 2."""
    problems = getattr(error, "problems", None) or [error]
    for problem in problems[:MAX_PROBLEM_LINES]:
        print(f"noncustomers: error: {one_line(str(problem))}", file=sys.stderr)
    if len(problems) > MAX_PROBLEM_LINES:
        print(f"noncustomers: error: ... and {len(problems) - MAX_PROBLEM_LINES} more problems",
              file=sys.stderr)
    return 2


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _report(summary: dict) -> list[str]:
    """The lines printed after a run, from its summary (computed before anything is written)."""
    tiers = ", ".join(f"{t} {v['n']}" for t, v in summary["tiers"].items())
    lines = [f"{summary['n']} respondents: {tiers}", f"{len(summary['segments'])} segments"]
    chosen = [f"where {summary['config']['where']}"] if "where" in summary["config"] else []
    if summary["config"].get("weighted") is False:
        chosen.append("unweighted")
    if chosen:  # said first: every figure below is about these respondents only
        lines.insert(0, f"analysed: {', '.join(chosen)}")
    def placed(entry: dict) -> str:
        borderline = entry["evidence"].get("confidence") == "borderline"
        return entry["attribute"] + (" (borderline)" if borderline else "")

    cells = "; ".join(f"{action} " + ", ".join(placed(e) for e in entries)
                      for action, entries in summary["errc"].items() if entries)
    lines.append(f"ERRC: {cells or 'nothing placed'}")
    wanted = []
    for attribute, evidence in summary["errc_evidence"].items():
        calls = evidence.get("segment_calls") or []
        if calls and evidence["action"] not in ("raise", "create"):
            share = sum(c["share_of_noncustomers"] or 0 for c in calls)
            wanted.append(f"{attribute} ({', '.join(c['segment'] for c in calls)}: "
                          f"{_pct(share)} of non-customers)")
    if wanted:
        lines.append("segments calling to raise or create what the grid leaves: "
                     + "; ".join(wanted))
    barriers = summary["commonalities"]["barriers"]
    if barriers:
        top = barriers[0]
        shares = [v for v in top["prevalence"].values() if v is not None]
        lines.append(f"most shared barrier: {top['label']} ({_pct(top['floor'])} to "
                     f"{_pct(max(shares) if shares else None)} of each non-customer tier)")
    total = summary["prize"].get("total", {})
    if total.get("people") is not None and total["n"]:
        lines.append(f"prize: {total['people']:,.0f} non-customers (95% interval "
                     f"{total['people_lo']:,.0f}-{total['people_hi']:,.0f})"
                     + (f", spending {total['spend']:,.0f}" if total.get("spend") is not None
                        else ""))
    for name, test in summary["curves"].items():
        better, worse = test["better_served"], test["worse_served"]
        if better.get("non-customers") is None:
            continue
        level = test["offering_level"]
        lines.append(
            f"curve test, {name}: {_pct(better['non-customers'])} of non-customers better "
            f"served (95% interval {_pct(better.get('non-customers_lo'))}-"
            f"{_pct(better.get('non-customers_hi'))}), {_pct(worse['non-customers'])} worse; "
            f"customers {_pct(better.get('customers'))} better, {_pct(worse.get('customers'))} "
            f"worse; offering level {'n/a' if level is None else f'{level:.2f}'} x the "
            "industry's")
    return lines


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder.resolve()


def _assign(args: argparse.Namespace) -> int:
    from noncustomers.export import OutputFolder, csv_bytes
    from noncustomers.model import load_model

    folder = OutputFolder(args.out, replaceable=("assignments.csv",))
    with folder:
        model = load_model(args.model)
        if args.scheduler is not None or args.workers is not None:
            from noncustomers.distributed import cluster_client, open_panel, write_assignments

            source = open_panel(args.panel, model.schema)  # the header checked before a cluster
            with cluster_client(args.scheduler, args.workers) as client:
                placed = write_assignments(source, model, client, folder)
        else:
            assignments = model.predict(model.read(args.panel))
            folder.write("assignments.csv", csv_bytes(assignments, round_figures=False))
            placed = len(assignments)
        written = folder.publish()
    print(f"{placed} respondents placed; wrote {written[0]}")
    return 0


def _print_warnings(caught: Sequence[warnings.WarningMessage]) -> None:
    """The toolkit's own warnings of a run, one line each on stderr (library subclasses of
    UserWarning, such as scikit-learn's ConvergenceWarning, stay quiet)."""
    for w in caught:
        if w.category is UserWarning:
            print(f"noncustomers: warning: {one_line(str(w.message))}", file=sys.stderr)


def _check_out_file(out: Path, args: argparse.Namespace, example: str) -> None:
    """The checks of a one-file ``--out`` (init, report), before any work."""
    from noncustomers.export import check_file_target

    if out.is_dir():
        raise NoncustomersError(f"--out '{out}' is a folder; give a file name such as "
                                f"'{out / example}'")
    if out.exists() and Path(args.panel).exists() and out.samefile(args.panel):
        raise NoncustomersError(f"--out '{out}' is the panel itself; give another file name")
    if out.exists() and not args.force:
        raise NoncustomersError(f"--out '{out}' exists; use --force to replace it")
    check_file_target(out, "--out")


def _init(args: argparse.Namespace) -> int:
    from noncustomers.draft import draft_from_file
    from noncustomers.export import write_file

    out = Path(args.out) if args.out is not None else None
    if out is not None:  # every output check before any work
        _check_out_file(out, args, "schema.toml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        draft = draft_from_file(args.panel, sheet=args.sheet)
        text = draft.toml()
    _print_warnings(caught)
    if out is None:
        sys.stdout.write(text)
        return 0
    write_file(out, text.encode("utf-8"))
    tiers = ", ".join(f"{t.tier} {t.count:,}" for t in draft.tiers)
    print(f"wrote {out}: id {draft.id.value}, "
          f"{'weight ' + draft.weight.value if draft.weight else 'no weight'}, "
          f"{len(draft.attributes)} attributes, tiers {tiers}; check the guesses, then run "
          f"noncustomers analyze {args.panel} --schema {out} --out DIR")
    return 0


def _run_analysis(args: argparse.Namespace, progress=None):
    """The analysis that ``args`` asks for (analyze and report share it); warnings are
    the caller's to collect."""
    from noncustomers.analysis import analyze
    from noncustomers.analytics.canvas import read_curve
    from noncustomers.config import AnalysisConfig
    from noncustomers.panel import read_panel
    from noncustomers.schema import load_schema

    # Options given on the command line; the rest come from --config or the defaults.
    given = {"seed": args.seed, "k": args.k, "method": args.method,
             "stability_runs": args.stability_runs, "prize_margin": args.prize_margin,
             "curve_resamples": args.curve_resamples, "panel_file": args.panel,
             "where": args.where, "weighted": False if args.unweighted else None}
    if args.map is not None:
        given["map"] = None if args.map == "none" else args.map
    tier_settings: dict[str, dict] = {}
    for tier, k in args.tier_k or []:
        tier_settings.setdefault(tier, {})["k"] = k
    for tier, method in args.tier_method or []:
        tier_settings.setdefault(tier, {})["method"] = method
    given["tier_settings"] = tier_settings or None
    if args.config is not None:
        recorded = AnalysisConfig.read(args.config)
        schema = recorded.schema
    else:
        schema = load_schema(args.schema)
    if progress is not None:
        progress("reading the panel")
    panel = read_panel(args.panel, schema)
    given["panel_sha256"] = panel.sha256
    if args.config is not None and recorded.panel_sha256 not in ("",
                                                                 given["panel_sha256"]):
        warnings.warn(f"{args.panel} is not the panel {args.config} was run on "
                      f"({recorded.panel_file}): the results will differ",
                      UserWarning, stacklevel=1)
    if args.curve:
        given["curve"] = read_curve(args.curve, list(panel.schema.attributes))
        given["curve_name"] = Path(args.curve).stem
    given = {key: value for key, value in given.items() if value is not None}
    config = (recorded.replace(**given) if args.config is not None
              else AnalysisConfig.from_schema(schema, **given))
    return analyze(panel, config, progress=progress)


def _check_run_options(args: argparse.Namespace) -> None:
    """The checks of a run's options that need no file (before any work)."""
    if args.prize_margin is not None and not 0 <= args.prize_margin <= 10:
        raise NoncustomersError(f"--prize-margin must be between 0 and 10 points, got "
                                f"{args.prize_margin:g}")
    if args.schema is None and args.config is None:
        raise NoncustomersError(f"{args.command} needs --schema SCHEMA.toml, or --config with "
                                "the config.toml of an earlier run")
    if args.schema is not None and args.config is not None:
        raise NoncustomersError("give --schema or --config, not both: a config.toml holds the "
                                "schema of its run")


def _analyze(args: argparse.Namespace) -> int:
    # Imported here so `noncustomers --help` answers instantly.
    from noncustomers.export import OutputFolder, check_file_target, remove_stale, staging_name
    from noncustomers.export.images import parse_formats, require_chromium
    from noncustomers.export.run import CHARTS_FOLDER, OUTPUT_FILES, chart_files
    from noncustomers.model import save_model

    _check_run_options(args)
    chart_formats: tuple[str, ...] = ()
    if args.charts is not None:  # no Chromium: say so before any work
        chart_formats = parse_formats(args.charts)
        require_chromium("--charts")
    # Every output path is checked before any work.
    out = Path(args.out)
    model_path = Path(args.save_model) if args.save_model else None
    model_inside = model_path is not None and _inside(model_path, out)
    if (model_path is not None and not model_inside
            and out.resolve() in model_path.resolve().parents):
        raise NoncustomersError(f"--save-model '{model_path}' is in a subfolder of --out "
                                f"'{out}'; put it directly in --out (part of the run) or "
                                "outside it")
    folder = OutputFolder(out, replaceable=OUTPUT_FILES + ((model_path.name,) if model_inside
                                                           else ()),
                          folders=(CHARTS_FOLDER,))
    if model_path is not None:
        check_file_target(model_path, "--save-model")
    staged_model = None
    # The staging folder exists from here on: every way out below removes it.
    with folder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        progress = _progress(args, ["charts"] if chart_formats else [])
        try:
            result = _run_analysis(args, progress)
            progress("writing the files")
            summary = result.summary()
            report = _report(summary)
            for name, data in result.files(summary).items():
                folder.write(name, data)
            if chart_formats:
                progress("charts")
            for name, data in chart_files(result, chart_formats, summary).items():
                folder.write(name, data)
            if model_path is not None:
                schema_text = result.panel.schema.text
                if model_inside:
                    save_model(result.model, schema_text, folder.path(model_path.name))
                else:
                    remove_stale(model_path)
                    staged_model = staging_name(model_path)
                    save_model(result.model, schema_text, staged_model)
            written = folder.publish()
            if staged_model is not None:
                os.replace(staged_model, model_path)
                written.append(model_path)
        finally:
            progress.close()
            if staged_model is not None and staged_model.exists():
                staged_model.unlink()
    _print_warnings(caught)
    for message in result.warnings:
        print(f"noncustomers: warning: {one_line(message)}", file=sys.stderr)
    for line in report:
        print(line)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


_REPORT_KINDS = {".pptx": "deck", ".html": "report", ".htm": "report"}


def _report_file(args: argparse.Namespace) -> int:
    from noncustomers.export import write_file

    _check_run_options(args)
    out = Path(args.out)
    kind = _REPORT_KINDS.get(out.suffix.lower())
    if kind is None:  # every output check before any work
        raise NoncustomersError(f"--out '{out}': a report is a PowerPoint deck (.pptx) or an "
                                "HTML report (.html); give a name ending in one of them")
    _check_out_file(out, args, "deck" + out.suffix)
    progress = _progress(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            result = _run_analysis(args, progress)
            progress(f"writing the {kind}")
            if kind == "deck":
                from noncustomers.export.deck import deck_bytes

                data = deck_bytes(result, title=args.title)
            else:
                from noncustomers.export.report import report_html

                data = report_html(result, title=args.title)
        finally:
            progress.close()
    write_file(out, data)
    _print_warnings(caught)
    for message in result.warnings:
        print(f"noncustomers: warning: {one_line(message)}", file=sys.stderr)
    print(f"wrote {out} ({'PowerPoint deck' if kind == 'deck' else 'HTML report'}, "
          f"{len(data) / 1e6:.1f} MB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    command = {"assign": _assign, "init": _init, "report": _report_file}.get(args.command,
                                                                            _analyze)
    try:
        with _signals_unwind():
            return command(args)
    except NoncustomersError as exc:
        return _fail(exc)
    except BrokenPipeError:
        # The reader of stdout went away (`noncustomers analyze ... | head`): the files are
        # written before anything is printed, so end quietly, as Unix tools do.  Python
        # would otherwise complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        return _fail(f"cannot read or write{where}: {exc.strerror or exc}")
    except (KeyboardInterrupt, _Interrupted) as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"noncustomers: interrupted ({signal.Signals(signum).name}); nothing was written",
              file=sys.stderr)
        return 128 + int(signum)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
