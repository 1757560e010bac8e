"""Tables and JSON as bytes: one formatting for the CLI's files and the app's downloads.

- Figures keep 6 decimals; p- and q-values 6 significant digits (1e-24 stays 1e-24).
- Formula-safe (OWASP, "CSV injection"): a text cell or header that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula when the file is
  opened in a spreadsheet, so it is written with a single quote in front (``'=HYPERLINK(...)``);
  numbers stay numbers, in numeric columns and as text (a level ``-3`` or an id ``+44``
  is a plain number, which no spreadsheet runs; ``-2+3`` is not, and is quoted).  To join
  such an id back to the panel, strip one leading quote from ids that begin with ``'``
  followed by one of those characters.
- summary.json: UTF-8, indented, no NaN (null instead), one final newline.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMULA_START", "csv_bytes", "json_bytes", "neutralise", "neutralise_frame",
           "rounded"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DECIMALS = 6


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _risky(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and _PLAIN_NUMBER.fullmatch(value) is None)


def neutralise(value: Any) -> Any:
    """``value`` with a leading single quote when it is text a spreadsheet would execute."""
    return "'" + value if _risky(value) else value


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and headers are formula-safe; numbers untouched."""
    out = table.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        values = series.to_numpy(dtype=object)
        # Only cells that start with a formula character need the exact test (a million
        # ids are screened by their first character in bulk, not one Python call each).
        text = pd.Series(values, dtype=object)
        is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool,
                              count=len(values))
        first = text[is_text].astype(str).str[:1]
        candidates = np.flatnonzero(is_text)[first.isin(FORMULA_START).to_numpy(dtype=bool)]
        risky = np.zeros(len(values), dtype=bool)
        risky[candidates] = [_risky(values[i]) for i in candidates]
        if risky.any():
            values = values.copy()
            values[risky] = ["'" + v for v in values[risky]]
            out[column] = pd.Series(values, index=out.index, dtype=object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Figures to 6 decimals; p- and q-values to 6 significant digits."""
    out = table.round(DECIMALS)
    for column in ("p_value", "q_value"):
        if column in table.columns:
            out[column] = [float(f"{v:.6g}") for v in table[column].to_numpy(dtype=float)]
    return out


def csv_bytes(table: pd.DataFrame, round_figures: bool = True) -> bytes:
    """The CSV file of ``table`` as written everywhere: UTF-8, ``\\n``, formula-safe."""
    table = rounded(table) if round_figures else table
    return neutralise_frame(table).to_csv(index=False, lineterminator="\n").encode("utf-8")


def json_bytes(value: Any) -> bytes:
    """Indented UTF-8 JSON with NaN refused (callers give null), ending in a newline."""
    return (json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            ).encode("utf-8")
