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

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.errors import DataError, closest

__all__ = ["SUPPORTED_SUFFIXES", "SurveyMeta", "read_survey", "read_table"]

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


def _sniff_delimiter(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(64 * 1024)
    if not sample.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","  # a single-column file has no delimiter to find


def _text_dtypes(header: pd.Index, text_columns: tuple[str, ...]) -> dict[str, str]:
    """dtype mapping for the text columns, keyed by the header as written (the header is
    stripped of surrounding spaces only after reading, so ' id ' must still match 'id')."""
    return {raw: "string" for raw in header if str(raw).strip() in text_columns}


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
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(f"{path}: unsupported file type '{suffix}'; expected one of "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")
    meta = SurveyMeta()
    try:
        if suffix in (".tsv", ".tab", ".csv", ".txt"):
            sep = "\t" if suffix in (".tsv", ".tab") else _sniff_delimiter(path)
            header = pd.read_csv(path, sep=sep, encoding="utf-8-sig", nrows=0).columns
            frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig",
                                dtype=_text_dtypes(header, text_columns),
                                keep_default_na=False, na_values=NA_VALUES)
        elif suffix in EXCEL_SUFFIXES:
            with pd.ExcelFile(path) as book:
                name = _excel_sheet(book, sheet, path)
                header = pd.read_excel(book, sheet_name=name, nrows=0).columns
                frame = pd.read_excel(book, sheet_name=name,
                                      dtype=_text_dtypes(header, text_columns),
                                      keep_default_na=False, na_values=NA_VALUES)
        elif suffix in SURVEY_SUFFIXES:
            frame, meta = _read_labelled(path, suffix, text_columns)
        else:
            frame = pd.read_parquet(path)
    except DataError:
        raise
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; save the file as UTF-8 CSV") from None
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
