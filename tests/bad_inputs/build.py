"""A generated corpus of bad (and odd-but-usable) inputs for ``noncustomers analyze``.

Nothing here is a committed data file: every panel, schema and curve is written by code,
so the corpus can be rebuilt anywhere and read as a specification.

    python tests/bad_inputs/build.py OUT_DIR     # write every case for a human to browse

Each case lives in ``OUT_DIR/<case name>/`` with its files and an ``expect.txt`` giving the
command line, what should happen and the fragments the message must contain.

What "should happen" (``Case.expect``):

``error``
    exit code 2, exactly one line ``noncustomers: error: ...`` on stderr that contains every
    fragment (file base name, column, data row, tier, rule position ...), no traceback,
    nothing on stdout and nothing written to ``--out`` (not even a hidden staging folder).
``warning``
    exit code 0, the outputs written, and one ``noncustomers: warning: ...`` line that
    contains every fragment.
``runs``
    exit code 0 and the outputs written (warnings allowed, none required).

Rows are numbered as the tool numbers them: ``data row 1`` is the first row under the
header (line 2 of a CSV file).
"""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Case", "build"]


@dataclass
class Case:
    """One bad input: its files, the command line, and what the tool should answer."""

    name: str
    args: list[str]                      # after "analyze"; file names relative to the folder
    expect: str                          # "error", "warning" or "runs"
    fragments: list[str] = field(default_factory=list)  # all in the one message line
    forbidden: list[str] = field(default_factory=list)  # none may appear in that line
    files: list[str] = field(default_factory=list)      # names in args that are the case's files
    panel: str | None = None             # the panel file name (None: not a file of the case)
    schema: str = "schema.toml"
    cli_only: str | None = None          # why the case cannot go through the app, if so
    rows: int | None = None              # runs/warning: rows expected in assignments.csv
    ids: list[str] = field(default_factory=list)  # runs/warning: ids expected in assignments.csv
    note: str = ""                       # what the case is about, for humans

    def argv(self, folder: Path) -> list[str]:
        """The arguments after ``analyze`` with the case's files as absolute paths."""
        return [str(folder / a) if a in self.files else a for a in self.args]


# ---- the data ---------------------------------------------------------------------------------

SCHEMA = """\
id = "rid"
weight = "pweight"
missing = [9]

[tiers]
customers  = {customers}
refusing   = "member == 'yes'"
unexplored = "true"

[attributes]
price = {{ importance = "imp_price", performance = "perf_price", scale = [1, 5], label = "Low price" }}
fun   = {{ importance = "imp_fun", performance = "perf_fun", scale = [1, 5]{fun_extra} }}

[segmentation]
basis = ["imp_*"]
k = {k}
{tail}"""

CUSTOMERS_RULE = "member == 'yes' and visits >= 4"
COLUMNS = ["rid", "pweight", "member", "visits", "imp_price", "perf_price", "imp_fun", "perf_fun"]


def schema_text(customers: str = CUSTOMERS_RULE, k: str = '"auto"', tail: str = "",
                fun_extra: str = "", **replace: str) -> str:
    """The base schema; ``customers`` is the rule text (quoted here), ``replace`` swaps lines."""
    quoted = '"' + customers.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = SCHEMA.format(customers=quoted, k=k, tail=tail, fun_extra=fun_extra)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def small_frame(n: int = 8) -> pd.DataFrame:
    """A tiny valid panel, as text cells: ids R01.., one customer in three."""
    rows = []
    for i in range(1, n + 1):
        rows.append({
            "rid": f"R{i:02d}", "pweight": str(1 + i % 3), "member": "yes" if i % 2 else "no",
            "visits": str((i * 3) % 8), "imp_price": str(1 + i % 5), "perf_price": str(1 + (i * 2) % 5),
            "imp_fun": str(1 + (i * 3) % 5), "perf_fun": str(1 + (i + 2) % 5),
        })
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def runs_frame(n: int = 60, seed: int = 7, customers: int | None = None) -> pd.DataFrame:
    """A small panel that analyses in seconds: three equal tiers unless ``customers`` says
    how many of the ``n`` respondents are customers (the rest split between the others)."""
    rng = np.random.default_rng(seed)
    customers = n // 3 if customers is None else customers
    refusing = (n - customers) // 2
    member = ["yes"] * (customers + refusing) + ["no"] * (n - customers - refusing)
    visits = ([int(v) for v in rng.integers(4, 12, customers)]
              + [int(v) for v in rng.integers(0, 4, n - customers)])
    frame = pd.DataFrame({
        "rid": [f"R{i:03d}" for i in range(1, n + 1)],
        "pweight": [f"{w:.2f}" for w in rng.uniform(0.5, 2.0, n)],
        "member": member,
        "visits": visits,
        "imp_price": rng.integers(1, 6, n),
        "perf_price": rng.integers(1, 6, n),
        "imp_fun": rng.integers(1, 6, n),
        "perf_fun": rng.integers(1, 6, n),
    })
    return frame.astype(str).astype(object)


def csv_text(frame: pd.DataFrame, sep: str = ",") -> str:
    out = io.StringIO()
    frame.to_csv(out, index=False, sep=sep, lineterminator="\n")
    return out.getvalue()


def with_cell(frame: pd.DataFrame, data_row: int, column: str, value: str) -> pd.DataFrame:
    """A copy with one cell replaced; ``data_row`` counts from 1 under the header."""
    frame = frame.copy()
    frame.loc[data_row - 1, column] = value
    return frame


def lines(frame: pd.DataFrame) -> list[str]:
    return csv_text(frame).splitlines()


def png_bytes() -> bytes:
    """A real (1x1, grey) PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


# ---- the cases --------------------------------------------------------------------------------


class _Writer:
    """Collects cases and writes their files into ``root/<name>/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []

    def add(self, name: str, expect: str, fragments: list[str], *,
            panel: str | bytes | None = None, panel_name: str = "panel.csv",
            schema: str | bytes | None = None, extra: list[str] | None = None,
            other_files: dict[str, str | bytes] | None = None, panel_arg: str | None = None,
            **kw) -> Case:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=False)
        files: dict[str, str | bytes] = {}
        if panel is not None:
            files[panel_name] = panel
        files["schema.toml"] = schema_text() if schema is None else schema
        files.update(other_files or {})
        for file_name, content in files.items():
            path = folder / file_name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                with path.open("w", encoding="utf-8", newline="") as fh:
                    fh.write(content)
        panel_arg = panel_arg or panel_name
        case = Case(name=name, args=[panel_arg, "--schema", "schema.toml", *(extra or [])],
                    expect=expect, fragments=fragments,
                    files=[panel_arg, "schema.toml", *(other_files or {})],
                    panel=panel_name if panel is not None else None, **kw)
        (folder / "expect.txt").write_text(
            f"noncustomers analyze {' '.join(case.args)} --out OUT\n"
            f"expect: {case.expect}\n"
            f"fragments: {case.fragments!r}\n"
            + (f"forbidden: {case.forbidden!r}\n" if case.forbidden else "")
            + (f"note: {case.note}\n" if case.note else ""), encoding="utf-8")
        self.cases.append(case)
        return case


def build(folder: Path) -> list[Case]:
    """Write every case's files into ``folder/<case name>/`` and return the cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder)
    small = small_frame()
    good = csv_text(small)

    # ---- the file itself ----------------------------------------------------------------
    w.add("empty-file", "error", ["empty.csv", "empty"], panel=b"", panel_name="empty.csv",
          note="0 bytes")
    w.add("header-only", "error", ["header_only.csv", "no data rows"],
          panel=",".join(COLUMNS) + "\n", panel_name="header_only.csv")
    garbage = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    w.add("binary-garbage", "error", ["garbage.csv"], panel=b"\x00\xff\xfe" + garbage,
          panel_name="garbage.csv", forbidden=["codec", "0x"],
          note="random bytes with a .csv name; no codec jargon in the message")
    w.add("png-renamed-csv", "error", ["photo.csv", "PNG"], panel=png_bytes(),
          panel_name="photo.csv", forbidden=["codec", "0x"],
          note="a real PNG image renamed .csv: the message should say what the file really is")
    w.add("unsupported-extension", "error", ["panel.json", ".json"],
          panel=small.to_json(orient="records"), panel_name="panel.json",
          cli_only="the app's uploader only accepts the supported extensions")
    latin = small.copy()
    latin.insert(2, "city", ["Paris", "Lyon", "Montréal", "Nice", "Lille", "Nantes", "Brest", "Metz"])
    w.add("latin1", "error", ["latin1.csv", "UTF-8", "row 3"],
          panel=csv_text(latin).encode("latin-1"), panel_name="latin1.csv",
          forbidden=["codec", "0x"],
          note="Latin-1 file with 'é' in data row 3: say where, and how to fix (save as UTF-8)")
    runs = runs_frame()
    w.add("utf16-bom", "runs", [], panel=csv_text(runs).encode("utf-16"),
          panel_name="utf16.csv", rows=len(runs),
          note="UTF-16 with a BOM (Excel's 'Unicode text'): the BOM makes the encoding "
               "certain, so the file should simply be read")
    comma = with_cell(small, 4, "imp_price", "4,5")
    w.add("decimal-comma", "error", ["decimal_comma.csv", "imp_price", "row 4", "4,5"],
          panel=csv_text(comma, sep=";"), panel_name="decimal_comma.csv",
          note="';'-separated with a decimal comma in a rating: a clear error naming the column, "
               "the row and the value (reading it as 4.5 would also be acceptable, but then "
               "change this case to 'runs')")
    rows = lines(small)
    too_many = rows.copy()
    too_many[3] += ",7"          # data row 3
    w.add("ragged-too-many-fields", "error", ["ragged_long.csv", "row 3"],
          panel="\n".join(too_many) + "\n", panel_name="ragged_long.csv",
          note="data row 3 has 9 fields under an 8-column header")
    too_few = rows.copy()
    too_few[3] = too_few[3].rsplit(",", 2)[0]   # data row 3 loses its last two fields
    w.add("ragged-too-few-fields", "error", ["ragged_short.csv", "row 3"],
          panel="\n".join(too_few) + "\n", panel_name="ragged_short.csv",
          note="data row 3 has 6 fields under an 8-column header (pandas pads it silently)")
    dup = [line + ("," + line.split(",")[4]) for line in rows]   # a 9th column: imp_price again
    w.add("duplicate-header", "error", ["dup_header.csv", "imp_price"],
          panel="\n".join(dup) + "\n", panel_name="dup_header.csv",
          forbidden=["imp_price.1"],
          note="imp_price twice in the header (pandas would silently rename one imp_price.1)")
    unnamed = runs.copy()
    unnamed.insert(4, "", [str(i % 7) for i in range(len(unnamed))])
    w.add("empty-header-name", "warning", ["unnamed.csv", "column 5"],
          panel=csv_text(unnamed), panel_name="unnamed.csv", rows=len(unnamed),
          forbidden=["Unnamed:"],
          note="the 5th header cell is empty; the schema does not use it, so the file is "
               "usable: warn with its position, do not show pandas' 'Unnamed: 4'")

    # ---- ids and weights ----------------------------------------------------------------
    w.add("duplicate-ids", "error", ["dup_ids.csv", "rid", "R03"],
          panel=csv_text(with_cell(small, 6, "rid", "R03")), panel_name="dup_ids.csv",
          note="R03 in data rows 3 and 6")
    w.add("missing-id", "error", ["missing_id.csv", "rid", "row 4"],
          panel=csv_text(with_cell(small, 4, "rid", "")), panel_name="missing_id.csv")
    na_id = with_cell(runs, 5, "rid", "NA")
    w.add("id-NA", "runs", [], panel=csv_text(na_id), panel_name="na_id.csv", rows=len(runs),
          ids=["NA"],
          note="'NA' is a valid id (ids are text): kept as the id 'NA', never read as missing")
    w.add("rating-text", "error", ["rating_text.csv", "imp_price", "row 5", "very"],
          panel=csv_text(with_cell(small, 5, "imp_price", "very")), panel_name="rating_text.csv")
    w.add("rating-outside-scale", "error", ["outside.csv", "imp_price", "row 2", "7"],
          panel=csv_text(with_cell(small, 2, "imp_price", "7")), panel_name="outside.csv",
          note="7 on the 1-5 scale of attribute price")
    for label, row, value, frags in (("zero", 2, "0", ["row 2"]),
                                     ("negative", 3, "-1", ["row 3", "-1"]),
                                     ("empty", 4, "", ["row 4"]),
                                     ("text", 5, "heavy", ["row 5", "heavy"]),
                                     ("inf", 6, "inf", ["row 6", "inf"])):
        w.add(f"weight-{label}", "error", [f"weight_{label}.csv", "pweight", *frags],
              panel=csv_text(with_cell(small, row, "pweight", value)),
              panel_name=f"weight_{label}.csv")
    huge = small.copy()
    huge["pweight"] = "1e308"
    w.add("weight-overflow", "error", ["weight_huge.csv", "pweight"], panel=csv_text(huge),
          panel_name="weight_huge.csv",
          note="1e308 in every row: each weight is finite, their sum overflows to inf")

    # ---- the schema -----------------------------------------------------------------------
    bad_toml = schema_text().replace('refusing   = "member == \'yes\'"',
                                     "refusing   = member == 'yes'")
    bad_line = bad_toml.splitlines().index("refusing   = member == 'yes'") + 1
    w.add("schema-not-toml", "error", ["schema.toml", f"line {bad_line}"], panel=good,
          schema=bad_toml, note="an unquoted rule: the TOML parser's line number must be shown")
    w.add("schema-deep-array", "error", ["schema.toml"], panel=good,
          schema=schema_text() + "x = " + "[" * 5000 + "]" * 5000 + "\n",
          forbidden=["RecursionError", "recursion"],
          note="an array nested 5000 deep (Python's TOML parser recurses)")
    w.add("schema-unknown-key", "error", ["schema.toml", "weigth", "'weight'"], panel=good,
          schema=schema_text().replace('weight = "pweight"', 'weigth = "pweight"'),
          note="a typo of 'weight': suggest it")
    w.add("schema-column-not-in-panel", "error",
          ["schema.toml", "panel.csv", "imp_prise", "'imp_price'"], panel=good,
          schema=schema_text().replace('importance = "imp_price"', 'importance = "imp_prise"'),
          note="a typo of a column: suggest the closest column of the panel")
    bad_rule = "member == 'yes' and and visits >= 4"
    w.add("rule-syntax-error", "error",
          ["schema.toml", "customers", f"position {bad_rule.index('and and') + 5}"],
          panel=good, schema=schema_text(customers=bad_rule))
    typed_rule = "member == 'yes' and visits >= '4'"
    w.add("rule-type-error", "error",
          ["schema.toml", "customers", "visits", f"position {typed_rule.index('>=') + 1}"],
          panel=good, schema=schema_text(customers=typed_rule),
          note="a numeric column compared with a quoted string")
    w.add("rule-deep-parentheses", "error",
          ["schema.toml", "customers", "nests more than 50 levels"], panel=good,
          schema=schema_text(customers="(" * 300 + "visits >= 4" + ")" * 300))
    w.add("rule-deep-not", "error",
          ["schema.toml", "refusing", "nests more than 50 levels"], panel=good,
          schema=schema_text().replace('refusing   = "member == \'yes\'"',
                                       'refusing   = "' + "not " * 300 + "member == 'no'\""))
    w.add("scale-inf", "error", ["schema.toml", "price", "scale"], panel=good,
          schema=schema_text().replace("scale = [1, 5], label", "scale = [1, inf], label"),
          note="an infinite end of a scale cannot be rescaled to 0-10")
    w.add("errc-nan", "error", ["schema.toml", "valued"], panel=good,
          schema=schema_text(tail="\n[errc]\nvalued = nan\n"))
    w.add("errc-inf", "error", ["schema.toml", "reach"], panel=good,
          schema=schema_text(tail="\n[errc]\nreach = inf\n"))
    long_name = "imp_" + "x" * (1 << 20)
    w.add("schema-1mb-column-name", "error", ["schema.toml", "price"], panel=good,
          schema=schema_text().replace('importance = "imp_price"', f'importance = "{long_name}"'),
          note="a 1 MB column name: the message must stay one short line (< 500 characters)")

    # ---- the command line -------------------------------------------------------------
    cli = "a command-line option"
    w.add("seed-negative", "error", ["--seed", "-1"], panel=good, extra=["--seed", "-1"],
          cli_only=cli)
    w.add("seed-too-large", "error", ["--seed", "1099511627776"], panel=good,
          extra=["--seed", "1099511627776"], cli_only=cli, note="2**40")
    w.add("k-zero", "error", ["--k", "0"], panel=good, extra=["--k", "0"], cli_only=cli)
    w.add("prize-margin-11", "error", ["--prize-margin", "11"], panel=good,
          extra=["--prize-margin", "11"], cli_only=cli)
    w.add("curve-unknown-attribute", "error", ["curve.csv", "prise", "'price'"], panel=good,
          extra=["--curve", "curve.csv"],
          other_files={"curve.csv": "attribute,level\nprise,8\nfun,3\n"}, cli_only=cli)
    w.add("curve-level-out-of-range", "error", ["curve.csv", "fun", "11"], panel=good,
          extra=["--curve", "curve.csv"],
          other_files={"curve.csv": "attribute,level\nprice,8\nfun,11\n"}, cli_only=cli)
    case = w.add("panel-is-directory", "error", ["panel.csv", "directory"],
                 forbidden=["no such file"], cli_only="a path on the command line")
    (folder / case.name / "panel.csv").mkdir()
    case = w.add("panel-is-fifo", "error", ["panel.csv"], forbidden=["no such file"],
                 cli_only="a path on the command line",
                 note="a named pipe nobody writes to: reading it would block forever")
    os.mkfifo(folder / case.name / "panel.csv")
    w.add("panel-is-dev-null", "error", ["/dev/null"], panel_arg="/dev/null",
          forbidden=["no such file"], cli_only="a path on the command line")

    # ---- odd but usable: must run ----------------------------------------------------------
    w.add("baseline", "runs", [], panel=csv_text(runs), rows=len(runs),
          note="the valid panel the runs cases start from")
    one = runs_frame(n=1, customers=1)
    w.add("single-respondent", "warning", ["customers", "1 respondent"], panel=csv_text(one),
          rows=1, note="a panel of one customer: every other tier is empty; run and warn")
    nobody = runs.copy()
    nobody["imp_fun"] = ""
    w.add("attribute-nobody-answered", "warning", ["imp_fun"], panel=csv_text(nobody),
          rows=len(runs), note="imp_fun (a rating and a basis column) is empty in every row")
    constant = runs.copy()
    constant["imp_price"] = "3"
    constant["imp_fun"] = "3"
    w.add("constant-basis", "warning", ["imp_price"], panel=csv_text(constant), rows=len(runs),
          note="every basis column (imp_*) is 3 for everyone: nothing to segment on")
    w.add("nobody-is-customer", "runs", [], panel=csv_text(runs), rows=len(runs),
          schema=schema_text(customers="false"))
    w.add("everybody-is-customer", "runs", [], panel=csv_text(runs), rows=len(runs),
          schema=schema_text(customers="true"))
    w.add("k-larger-than-tier", "warning", ["50", "customers"], panel=csv_text(runs),
          rows=len(runs), extra=["--k", "50"], cli_only="a command-line option",
          note="--k 50 on tiers of 20 respondents")
    few = runs_frame(n=100, customers=12)
    w.add("tier-under-30", "warning", ["customers", "12"], panel=csv_text(few), rows=len(few),
          note="12 customers among 100 respondents")
    half = runs.copy()
    half.loc[half.index % 5 < 3, "imp_fun"] = ""
    w.add("attribute-mostly-missing", "warning", ["imp_fun"], panel=csv_text(half),
          rows=len(runs), note="imp_fun is empty for 60% of respondents")
    return w.cases


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python tests/bad_inputs/build.py OUT_DIR", file=sys.stderr)
        return 2
    cases = build(Path(argv[0]))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["case", "expect", "fragments"])
    for case in cases:
        writer.writerow([case.name, case.expect, " | ".join(case.fragments)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
