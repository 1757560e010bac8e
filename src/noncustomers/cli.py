"""The ``noncustomers`` command.

    noncustomers analyze PANEL --schema SCHEMA.toml --out DIR [--seed N] [--k K] [--map pca|umap]
                         [--curve CURVE.csv] [--prize-margin POINTS] ...
    noncustomers assign NEW_PANEL --model MODEL --out DIR

Exit codes: 0 success, 2 bad input (one line on stderr, nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
import warnings
from collections.abc import Sequence

from noncustomers.analytics.prize import DEFAULT_MARGIN
from noncustomers.errors import NoncustomersError
from noncustomers.schema import METHODS
from noncustomers.segmentation.stability import DEFAULT_RUNS

__all__ = ["main"]


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="noncustomers",
        description="Find an industry's non-customers (Blue Ocean tiers), segment them and "
                    "measure what would bring them in.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("analyze", help="assign tiers and segments, measure gaps, write files",
                         description="Writes assignments.csv, gaps.csv, summary.json, "
                                     "profiles.csv, differences.csv, commonalities.csv, "
                                     "drivers.csv and canvas.csv to --out.")
    run.add_argument("panel", help="panel file: .csv, .tsv, .xlsx, .parquet, .sav or .dta")
    run.add_argument("--schema", required=True, help="schema file (TOML) mapping columns to roles")
    run.add_argument("--out", required=True, help="output folder (created when absent)")
    run.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    run.add_argument("--k", type=_k, default=None,
                     help="segments per tier: 'auto' or a number (default: the schema's k)")
    run.add_argument("--method", choices=list(METHODS), default=None,
                     help="segmentation method (default: the schema's, else kmeans)")
    run.add_argument("--stability-runs", type=int, default=DEFAULT_RUNS, metavar="N",
                     help=f"bootstrap refits per tier for segment stability (default "
                          f"{DEFAULT_RUNS}; 0 skips it)")
    run.add_argument("--save-model", metavar="PATH", default=None,
                     help="also save the fitted model (skops format) for `noncustomers assign`")
    run.add_argument("--curve", metavar="CSV", default=None,
                     help="size the prize of your own value curve (columns attribute, level "
                          "on 0-10) instead of the ERRC grid's")
    run.add_argument("--prize-margin", type=float, default=DEFAULT_MARGIN, metavar="POINTS",
                     help=f"points (0-10) a curve must cut a non-customer's unmet need by to "
                          f"win them (default {DEFAULT_MARGIN:g})")
    run.add_argument("--map", choices=["pca", "umap"], default="pca",
                     help="2-D map method for x, y (default pca: instant; umap costs about a "
                          "minute of numba compilation per process)")
    place = sub.add_parser("assign", help="place new respondents with a saved model",
                           description="Writes assignments.csv (id, tier, segment) to --out.")
    place.add_argument("panel", help="panel file with the same columns as the model's panel")
    place.add_argument("--model", required=True, help="model file from analyze --save-model")
    place.add_argument("--out", required=True, help="output folder (created when absent)")
    return parser


def _assign(args: argparse.Namespace) -> int:
    from noncustomers.model import load_model

    try:
        model = load_model(args.model)
        assignments = model.predict(model.read(args.panel))
    except NoncustomersError as exc:
        print(f"noncustomers: error: {exc}", file=sys.stderr)
        return 2
    try:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / ".assignments.csv.tmp"
        assignments.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, out / "assignments.csv")
    except OSError as exc:
        print(f"noncustomers: error: cannot write to '{args.out}': {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    print(f"{len(assignments)} respondents placed; wrote {out / 'assignments.csv'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "assign":
        return _assign(args)
    # Imported here so `noncustomers --help` answers instantly.
    from noncustomers.analysis import analyze
    from noncustomers.analytics.canvas import read_curve
    from noncustomers.panel import read_panel

    if not 0 <= args.prize_margin <= 10:
        print(f"noncustomers: error: --prize-margin must be between 0 and 10 points, got "
              f"{args.prize_margin:g}", file=sys.stderr)
        return 2

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            panel = read_panel(args.panel, args.schema)
            curve = (read_curve(args.curve, list(panel.schema.attributes))
                     if args.curve else None)
            result = analyze(panel, seed=args.seed, k=args.k, map=args.map,
                             method=args.method, stability_runs=max(args.stability_runs, 0),
                             curve=curve, prize_margin=args.prize_margin)
            written = result.write(args.out)
            if args.save_model:
                from noncustomers.model import save_model

                schema_text = Path(args.schema).read_text(encoding="utf-8-sig")
                written.append(save_model(result.model, schema_text, args.save_model))
    except NoncustomersError as exc:
        print(f"noncustomers: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"noncustomers: error: cannot write to '{args.out}': {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    for w in caught:
        if w.category is UserWarning:  # ours; library subclasses (ConvergenceWarning) stay quiet
            print(f"noncustomers: warning: {w.message}", file=sys.stderr)
    for message in result.warnings:
        print(f"noncustomers: warning: {message}", file=sys.stderr)
    summary = result.summary()
    tiers = ", ".join(f"{t} {v['n']}" for t, v in summary["tiers"].items())
    print(f"{summary['n']} respondents: {tiers}")
    print(f"{len(summary['segments'])} segments")
    cells = "; ".join(f"{action} " + ", ".join(e["attribute"] for e in entries)
                      for action, entries in summary["errc"].items() if entries)
    print(f"ERRC: {cells or 'nothing placed'}")
    barriers = summary["commonalities"]["barriers"]
    if barriers:
        top = barriers[0]
        print(f"most shared barrier: {top['label']} ({top['floor']:.0%} to "
              f"{max(v for v in top['prevalence'].values() if v is not None):.0%} of each "
              "non-customer tier)")
    total = summary["prize"]["total"]
    if total["share"] is not None:
        print(f"prize: the {summary['prize']['curve_source']} curve wins {total['share']:.0%} of "
              f"non-customers (95% interval {total['share_lo']:.0%}-{total['share_hi']:.0%})")
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
