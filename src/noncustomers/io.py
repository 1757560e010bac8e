"""Read any supported panel file into a :class:`pandas.DataFrame`.

Supported: CSV (delimiter sniffed; UTF-8 with or without BOM), TSV, Excel
(.xlsx, the first sheet or a named one), Parquet, SPSS (.sav, .zsav) and Stata
(.dta).  Only empty cells and the usual "not available" markers are read as
missing; answer codes (e.g. 9 = don't know) are handled by the schema, not here.

SPSS and Stata files carry more than values, and :func:`read_survey` keeps it
in a :class:`SurveyMeta`:

- value labels turn codes into readable answers (``1 -> 'Selected'``), so tier
  rules compare labels; a column keeps its numbers when most of its distinct
  answers have no label (e.g. a 0-10 scale labelled only at its ends);
- variable labels (the question texts) are kept for display;
- user-defined missing values (SPSS missing values and ranges, Stata's ``.a`` to
  ``.z``) become missing answers, and which answer each respondent gave is kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.errors import DataError, closest

__all__ = ["SUPPORTED_SUFFIXES", "SurveyMeta", "file_sha256", "read_survey", "read_table"]


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (which panel a run read, recorded in config.toml)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

SURVEY_SUFFIXES = (".sav", ".zsav", ".dta")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", *EXCEL_SUFFIXES, ".parquet", ".pq",
                      *SURVEY_SUFFIXES)
NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A"]


@dataclass
class SurveyMeta:
    """What a survey file says besides its values (empty for CSV, Excel and Parquet).

    Attributes
    ----------
    labels : dict
        ``column -> variable label`` (the question text), for columns that have one.
    value_labels : dict
        ``column -> {code: label}`` as declared in the file, for every labelled column.
    codes : dict
        ``column -> Series`` of the numeric codes behind a column that was read as its
        labels (missing answers NaN); ratings and 0/1 items are scored on these.
    missing : dict
        ``column -> [(lo, hi), ...]``: the user-defined missing values declared in the
        file (a single value ``v`` is ``(v, v)``).
    user_missing : dict
        ``column -> Series``: for columns where some respondent gave a user-defined
        missing answer, that answer (its label when it has one) in those rows and NaN
        elsewhere; in the table itself those answers are missing.
    """

    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    codes: dict[str, pd.Series] = field(default_factory=dict)
    missing: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)
    user_missing: dict[str, pd.Series] = field(default_factory=dict)


# Files that are not text tables, by their first bytes: a clear word instead of a decode error.
_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"%PDF", "a PDF document"),
          (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one: name it .xlsx)"),
          (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "an old Excel .xls or "
           "Office file (save it as .xlsx or CSV)"), (b"SQLite format 3", "an SQLite database"),
          (b"$FL2", "an SPSS .sav file (name it .sav)"), (b"PAR1", "a Parquet file (name it "
                                                           ".parquet)"))


def _text_encoding(path: Path) -> str:
    """The encoding of a CSV file: UTF-8 (with or without BOM) or UTF-16 with its BOM.

    Raises DataError naming what the file is when it is not text, and the data row
    of the first byte that is not UTF-8.
    """
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the byte-order mark says so; Excel's "Unicode text" export
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise DataError(f"{path}: this is {what}, not a CSV table")
    if b"\x00" in head:
        raise DataError(f"{path}: this is a binary file, not a CSV table")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                with path.open("rb") as again:
                    line = again.read(offset + exc.start).count(b"\n") + 1
                raise DataError(
                    f"{path}: not UTF-8 text: data row {line - 1} (line {line}) has a "
                    "character in another encoding (Latin-1 or Windows-1252?); save the file "
                    "as UTF-8 CSV") from None
            offset += len(block)
    return "utf-8-sig"


DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """The delimiter that splits the first 64 KB into records of one width.

    Each candidate (``,`` ``;`` tab ``|``) parses the sample as CSV (quotes honoured,
    so a quoted "Lyon; France" or a line break in a cell cannot mislead it, as they do
    ``csv.Sniffer``); those giving every record the same number of fields qualify, and
    the widest wins, ties in the order above.  A file none fits (ragged rows) falls back
    to ``csv.Sniffer``, then ``,``; its rows are then checked and reported.
    """
    with path.open("r", encoding=encoding, newline="") as fh:
        sample = fh.read(64 * 1024)
        truncated = bool(fh.read(1))
    if not sample.strip():
        raise DataError(f"{path}: the file is empty")
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter,
                                             strict=True) if r]
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]  # the sample may end inside a record
        widths = {len(r) for r in records}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = delimiter, width
    if best is not None:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","  # a single-column file has no delimiter to find


def _csv_header(path: Path, sep: str, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, newline="") as fh:
        for row in csv.reader(fh, delimiter=sep):
            if row:
                return row
    raise DataError(f"{path}: the file is empty")


def _check_header(header: list[str], path: Path) -> None:
    """Duplicate names are an error (pandas would rename one 'x.1'); empty ones a warning."""
    names = [str(h).strip() for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if not name:
            continue
        if name in seen:
            raise DataError(f"{path}: column '{name}' appears twice in the header (columns "
                            f"{seen[name]} and {i}); give each column its own name")
        seen[name] = i
    empty = [i for i, name in enumerate(names, start=1) if not name]
    if empty:
        warnings.warn(f"{path}: column {empty[0]} has no name in the header"
                      + (f" (and {len(empty) - 1} more)" if len(empty) > 1 else "")
                      + "; the schema cannot use it", UserWarning, stacklevel=4)


def _field_counts_ok_fast(path: Path, sep: str, encoding: str, width: int) -> bool:
    """True when every line of a quote-free UTF-8 file has at least ``width - 1``
    separators, counted in bulk (numpy over the bytes: about 0.3 s for a million rows
    against 6 s for the csv module's row loop); False means "look row by row", which
    finds and names the short row, or handles quoting the count cannot."""
    if encoding.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig", "ascii"):
        return False
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    if (data == ord('"')).any() or len(sep.encode()) != 1:
        return False  # a quoted field may hold separators or line breaks
    ends = np.flatnonzero(data == ord("\n"))
    if ends.size == 0 or ends[-1] != data.size - 1:
        ends = np.append(ends, data.size)  # the last line has no line break
    starts = np.concatenate([[0], ends[:-1] + 1])
    counts = np.concatenate([[0], np.cumsum(data == sep.encode()[0])])
    per_line = (counts[ends] - counts[starts])[1:]  # data lines: the header is line 0
    length = (ends - starts)[1:]
    ends_in_cr = np.zeros(length.size, dtype=bool)
    nonempty = length > 0
    ends_in_cr[nonempty] = data[ends[1:][nonempty] - 1] == ord("\r")
    blank = length - ends_in_cr <= 0  # pandas skips blank lines
    return bool(np.all(blank | (per_line >= width - 1)))


def _check_field_counts(path: Path, sep: str, encoding: str, width: int) -> None:
    """Refuse a data row with fewer fields than the header (pandas pads it silently).

    Rows with more fields are refused by pandas itself; this pass uses Python's csv
    module with the same dialect, only when the last column has empty cells (a short
    row always leaves it empty), so a complete file is not read twice.
    """
    if _field_counts_ok_fast(path, sep, encoding, width):
        return
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        next(reader, None)
        row_number = 0
        for row in reader:
            if not row:
                continue  # pandas skips blank lines too
            row_number += 1
            if len(row) < width:
                raise DataError(f"{path}: data row {row_number} (line {reader.line_num}) has "
                                f"{len(row)} fields where the header has {width}; every row "
                                "needs one field per column (empty fields are fine)")


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _text_dtypes(header: pd.Index, text_columns: tuple[str, ...]) -> dict[str, str]:
    """dtype mapping for the text columns, keyed by the header as written (the header is
    stripped of surrounding spaces only after reading, so ' id ' must still match 'id')."""
    return {raw: "string" for raw in header if str(raw).strip() in text_columns}


def _na_values(header: pd.Index, text_columns: tuple[str, ...]) -> dict[str, list[str]]:
    """The "not available" markers of each column: for the id and other text columns only
    an empty cell is missing ('NA' is a valid respondent id)."""
    return {raw: ([""] if str(raw).strip() in text_columns else NA_VALUES) for raw in header}


def _check_regular_file(path: Path) -> None:
    """A panel must be a regular file: a folder, pipe or device is named as such (and a
    FIFO is never opened, which would wait for a writer forever)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot open the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{path}: is a directory (folder), not a panel file")
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise DataError(f"{path}: is {kind}, not a panel file")


def _code_text(value: Any) -> str:
    """A code as a label would show it: 3.0 -> '3', 2.5 -> '2.5'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _excel_sheet(book: pd.ExcelFile, sheet: str | None, path: Path) -> str | int:
    if sheet is None:
        return 0
    names = [str(n) for n in book.sheet_names]
    if sheet not in names:
        raise DataError(f"{path}: no sheet named '{sheet}'{closest(sheet, names)}; the "
                        f"workbook has {', '.join(repr(n) for n in names)}")
    return sheet


def _user_missing_mask(values: pd.Series, ranges: list[tuple[Any, Any]],
                       stata_numeric: bool) -> np.ndarray:
    if stata_numeric:  # pyreadstat gives Stata's .a-.z as the letters 'a'-'z'
        if values.dtype != object:
            return np.zeros(len(values), dtype=bool)
        return (pd.to_numeric(values, errors="coerce").isna() & values.notna()).to_numpy()
    mask = np.zeros(len(values), dtype=bool)
    if not ranges:
        return mask
    present = values.notna().to_numpy()
    array = values.to_numpy(dtype=object)
    for lo, hi in ranges:
        if isinstance(lo, str) or isinstance(hi, str):
            hit = np.array([isinstance(v, str) and v.rstrip() == str(lo).rstrip() for v in array])
        else:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                hit = (numbers >= lo) & (numbers <= hi)
        mask |= hit & present
    return mask


def _read_labelled(path: Path, suffix: str,
                   text_columns: tuple[str, ...]) -> tuple[pd.DataFrame, SurveyMeta]:
    """Read an SPSS or Stata file: labels applied, user-defined missing answers removed."""
    import pyreadstat  # only needed for these formats

    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    raw, info = reader(str(path), user_missing=True, dates_as_pandas_datetime=True)
    meta = SurveyMeta()
    types = getattr(info, "readstat_variable_types", {}) or {}
    columns: dict[str, pd.Series] = {}
    for name in raw.columns:
        values = raw[name]
        value_labels = dict(info.variable_value_labels.get(name) or {})
        ranges = [(r["lo"], r["hi"]) for r in (info.missing_ranges or {}).get(name, [])]
        if ranges:
            meta.missing[name] = ranges
        stata_numeric = suffix == ".dta" and types.get(name) != "string"
        mask = _user_missing_mask(values, ranges, stata_numeric)
        if mask.any():
            shown = pd.Series(np.nan, index=values.index, dtype=object)
            shown[mask] = [value_labels.get(v, f".{v}" if stata_numeric else _code_text(v))
                           for v in values[mask]]
            meta.user_missing[name] = shown
            values = values.mask(mask)
        if values.dtype == object and stata_numeric:
            values = pd.to_numeric(values)
        label = info.column_names_to_labels.get(name)
        if label:
            meta.labels[name] = str(label)
        if name in text_columns:
            values = values.map(_code_text, na_action="ignore").astype("string")
        elif value_labels:
            meta.value_labels[name] = value_labels
            observed = values.dropna().unique()
            if 2 * sum(v in value_labels for v in observed) >= len(observed):
                if pd.api.types.is_numeric_dtype(values):
                    meta.codes[name] = values.astype(float)
                shown = {v: value_labels.get(v, _code_text(v)) for v in observed}
                values = values.map(shown).astype("str")
        columns[name] = values
    return pd.DataFrame(columns, index=raw.index), meta


def read_survey(path: str | Path, text_columns: tuple[str, ...] = (),
                sheet: str | None = None) -> tuple[pd.DataFrame, SurveyMeta]:
    """Read a panel file by its extension, with the labels of SPSS and Stata files.

    Parameters
    ----------
    path : str or Path
        The file.
    text_columns : tuple of str
        Columns kept as text exactly as written (e.g. ids with leading zeros).
    sheet : str, optional
        The sheet of an Excel workbook (default: the first); ignored for other files.

    Returns
    -------
    (DataFrame, SurveyMeta)
        The table (labelled answers as their labels, user-defined missing answers as
        missing) and what the file says about it (empty unless SPSS or Stata).

    Raises
    ------
    DataError
        When the file is missing, of an unsupported type, unreadable, or has no data rows.

    Examples
    --------
    >>> frame, meta = read_survey("survey.sav", text_columns=("id",))    # doctest: +SKIP
    >>> meta.labels["q1"]                                                 # doctest: +SKIP
    'Does respondent have a mobile phone?'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    _check_regular_file(path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(f"{path}: unsupported file type '{suffix}'; expected one of "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")
    meta = SurveyMeta()
    try:
        if suffix in (".tsv", ".tab", ".csv", ".txt"):
            encoding = _text_encoding(path)
            sep = "\t" if suffix in (".tsv", ".tab") else _sniff_delimiter(path, encoding)
            raw_header = _csv_header(path, sep, encoding)
            _check_header(raw_header, path)
            header = pd.read_csv(path, sep=sep, encoding=encoding, nrows=0).columns
            try:
                frame = pd.read_csv(path, sep=sep, encoding=encoding,
                                    dtype=_text_dtypes(header, text_columns),
                                    keep_default_na=False,
                                    na_values=_na_values(header, text_columns))
            except pd.errors.ParserError as exc:
                found = _FIELDS.search(str(exc))
                if found is None:
                    raise
                width, line, seen = (int(g) for g in found.groups())
                raise DataError(f"{path}: data row {line - 1} (line {line}) has {seen} fields "
                                f"where the header has "
                                f"{width}; quote fields that contain '{sep}'") from None
            if len(frame) and frame.iloc[:, -1].isna().any():
                _check_field_counts(path, sep, encoding, len(raw_header))
        elif suffix in EXCEL_SUFFIXES:
            with pd.ExcelFile(path) as book:
                name = _excel_sheet(book, sheet, path)
                first = pd.read_excel(book, sheet_name=name, header=None, nrows=1)
                _check_header(["" if pd.isna(v) else str(v) for v in first.iloc[0]]
                              if len(first) else [], path)
                header = pd.read_excel(book, sheet_name=name, nrows=0).columns
                frame = pd.read_excel(book, sheet_name=name,
                                      dtype=_text_dtypes(header, text_columns),
                                      keep_default_na=False,
                                      na_values=_na_values(header, text_columns))
        elif suffix in SURVEY_SUFFIXES:
            frame, meta = _read_labelled(path, suffix, text_columns)
        else:
            frame = pd.read_parquet(path)
    except DataError:
        raise
    except UnicodeError:
        raise DataError(f"{path}: not readable text in its encoding; save the file as UTF-8 "
                        "CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except Exception as exc:  # every reader has its own exception types
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise DataError(f"{path}: cannot read the file as {suffix[1:]} ({reason})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataError(f"{path}: column '{duplicated[0]}' appears more than once in the header")
    return frame, meta


def read_table(path: str | Path, text_columns: tuple[str, ...] = (),
               sheet: str | None = None) -> pd.DataFrame:
    """Read a panel file by its extension; :func:`read_survey` without the metadata.

    Parameters
    ----------
    path : str or Path
        The file.
    text_columns : tuple of str
        Columns kept as text exactly as written (e.g. ids with leading zeros).
    sheet : str, optional
        The sheet of an Excel workbook (default: the first).

    Raises
    ------
    DataError
        When the file is missing, of an unsupported type, unreadable, or has no data rows.
    """
    return read_survey(path, text_columns, sheet)[0]
