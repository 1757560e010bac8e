"""Read any supported panel file into a :class:`pandas.DataFrame`.

Supported: CSV (delimiter sniffed; UTF-8 with or without BOM), TSV, Excel
(.xlsx, first sheet), Parquet.  Only empty cells and the usual "not available"
markers are read as missing; answer codes (e.g. 9 = don't know) are handled by
the schema, not here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from noncustomers.errors import DataError

__all__ = ["SUPPORTED_SUFFIXES", "read_table"]

SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".parquet", ".pq")
NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A"]


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


def read_table(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a panel file by its extension.

    Parameters
    ----------
    path : str or Path
        The file.
    text_columns : tuple of str
        Columns kept as text exactly as written (e.g. ids with leading zeros).

    Raises
    ------
    DataError
        When the file is missing, of an unsupported type, unreadable, or has no data rows.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(f"{path}: unsupported file type '{suffix}'; expected one of "
                        f"{', '.join(SUPPORTED_SUFFIXES)}")
    try:
        if suffix in (".tsv", ".tab", ".csv", ".txt"):
            sep = "\t" if suffix in (".tsv", ".tab") else _sniff_delimiter(path)
            header = pd.read_csv(path, sep=sep, encoding="utf-8-sig", nrows=0).columns
            frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig",
                                dtype=_text_dtypes(header, text_columns),
                                keep_default_na=False, na_values=NA_VALUES)
        elif suffix in (".xlsx", ".xlsm"):
            header = pd.read_excel(path, nrows=0).columns
            frame = pd.read_excel(path, dtype=_text_dtypes(header, text_columns),
                                  keep_default_na=False, na_values=NA_VALUES)
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
    return frame
