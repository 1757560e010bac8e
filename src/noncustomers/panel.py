"""Panel: a validated survey file together with its schema.

:func:`read_panel` reads the file, checks every rule of the schema against it
and collects the cleaned numeric answers (missing codes turned into NaN), so
everything downstream works on checked data only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from noncustomers.errors import DataError
from noncustomers.io import read_table
from noncustomers.schema import Attribute, Schema, load_schema

__all__ = ["Panel", "read_panel", "panel_from_frame"]


@dataclass
class Panel:
    """Validated panel data plus its schema.

    Attributes
    ----------
    data : DataFrame
        The file as read, rows in file order.
    schema : Schema
    weights : ndarray
        One positive survey weight per row (all 1 without a weight column).
    scales : dict
        ``attribute -> (lo, hi)``, from the schema or observed.
    answers : DataFrame
        Numeric attribute and basis columns with missing answers as NaN.
    source : str
        Where the data came from (file name), used in messages.
    notes : list of str
        Warnings raised while reading (also issued with :func:`warnings.warn`).
    """

    data: pd.DataFrame
    schema: Schema
    weights: np.ndarray
    scales: dict[str, tuple[float, float]]
    answers: pd.DataFrame
    source: str = "panel"
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def ids(self) -> pd.Series:
        return self.data[self.schema.id]

    @property
    def basis(self) -> list[str]:
        """Columns clustered into segments (schema patterns expanded)."""
        return self.schema.basis_columns(list(self.data.columns))

    def ratings(self, attribute: str, kind: str) -> np.ndarray | None:
        """Cleaned ``importance`` or ``performance`` answers of an attribute, NaN when missing."""
        column = getattr(self.schema.attributes[attribute], kind)
        return None if column is None else self.answers[column].to_numpy(dtype=float)


def _row(panel: pd.DataFrame, id_col: str, i: int) -> str:
    ident = panel[id_col].iloc[i] if id_col in panel.columns else None
    return f"data row {i + 1}" + (f" (id {ident})" if ident is not None and not pd.isna(ident) else "")


def _numeric(frame: pd.DataFrame, column: str, source: str, id_col: str, role: str) -> np.ndarray:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.to_numpy(dtype=float, copy=True)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{source}: column '{column}' ({role}) has the non-numeric value "
                        f"'{raw.iloc[i]}' in {_row(frame, id_col, i)}"
                        + (f" and {bad.size - 1} more rows" if bad.size > 1 else "")
                        + "; expected numbers (declare no-answer codes under 'missing')")
    return values


def panel_from_frame(frame: pd.DataFrame, schema: Schema, source: str = "panel") -> Panel:
    """Validate an in-memory table against a schema (see :func:`read_panel`)."""
    frame = frame.reset_index(drop=True)
    if len(frame) == 0:
        raise DataError(f"{source}: the panel has no data rows")
    schema.check_columns(list(frame.columns), source)
    notes: list[str] = []
    id_col = schema.id

    ids = frame[id_col]
    missing_ids = np.flatnonzero(ids.isna().to_numpy() | (ids.astype("string").str.strip() == "").fillna(False).to_numpy())
    if missing_ids.size:
        raise DataError(f"{source}: column '{id_col}' (id) is empty in data row "
                        f"{missing_ids[0] + 1}; every respondent needs an id")
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((ids == ids.iloc[i]).to_numpy())[0])
        raise DataError(f"{source}: column '{id_col}' (id) repeats '{ids.iloc[i]}' in data rows "
                        f"{first + 1} and {i + 1}; ids must be unique")

    if schema.weight:
        w = _numeric(frame, schema.weight, source, id_col, "weight")
        bad = np.flatnonzero(~(w > 0))
        if bad.size:
            i = int(bad[0])
            shown = "empty" if np.isnan(w[i]) else f"{w[i]:g}"
            raise DataError(f"{source}: column '{schema.weight}' (weight) is {shown} in "
                            f"{_row(frame, id_col, i)}; weights must be positive numbers")
    else:
        w = np.ones(len(frame))

    answers: dict[str, np.ndarray] = {}
    scales: dict[str, tuple[float, float]] = {}
    for attr in schema.attributes.values():
        scale = _attribute_scale(frame, schema, attr, source, id_col, answers, notes)
        scales[attr.name] = scale

    for column in schema.basis_columns(list(frame.columns)):
        if column in answers:
            continue
        values = _numeric(frame, column, source, id_col, "segmentation basis")
        values[np.isin(values, schema.missing)] = np.nan
        answers[column] = values

    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return Panel(frame, schema, w, scales, pd.DataFrame(answers, index=frame.index), source, notes)


def _attribute_scale(frame: pd.DataFrame, schema: Schema, attr: Attribute, source: str,
                     id_col: str, answers: dict[str, np.ndarray],
                     notes: list[str]) -> tuple[float, float]:
    codes = schema.missing_codes(attr)
    cleaned = {}
    for kind in ("importance", "performance"):
        column = getattr(attr, kind)
        if column is None:
            continue
        values = _numeric(frame, column, source, id_col, f"{attr.name} {kind}")
        values[np.isin(values, codes)] = np.nan
        cleaned[column] = values
    if attr.scale is not None:
        lo, hi = attr.scale
        for column, values in cleaned.items():
            outside = np.flatnonzero((values < lo) | (values > hi))
            if outside.size:
                i = int(outside[0])
                raise DataError(f"{source}: column '{column}' has the value {values[i]:g} in "
                                f"{_row(frame, id_col, i)}, outside the scale [{lo:g}, {hi:g}] "
                                f"of attribute '{attr.name}'"
                                + (f" ({outside.size} rows in all)" if outside.size > 1 else "")
                                + "; fix the scale or declare the code under 'missing'")
    else:
        stacked = np.concatenate(list(cleaned.values()))
        if np.all(np.isnan(stacked)):
            lo, hi = 0.0, 1.0
        else:
            lo, hi = float(np.nanmin(stacked)), float(np.nanmax(stacked))
        if lo == hi:
            hi = lo + 1.0
        notes.append(f"{schema.source}: attribute '{attr.name}' has no scale; using the observed "
                     f"range [{lo:g}, {hi:g}] (add scale = [low, high] to fix it)")
    answers.update(cleaned)
    return (lo, hi)


def read_panel(path: str | Path, schema: Schema | str | Path) -> Panel:
    """Read a panel file and validate it against a schema.

    Parameters
    ----------
    path : str or Path
        CSV, TSV, Excel or Parquet file.
    schema : Schema, str or Path
        A parsed schema or the path of a schema TOML file.

    Returns
    -------
    Panel

    Raises
    ------
    NoncustomersError
        With one sentence naming the file, column, row or rule at fault.

    Examples
    --------
    >>> from noncustomers import read_panel, analyze          # doctest: +SKIP
    >>> panel = read_panel("sample_data/gym_panel.csv", "sample_data/gym_schema.toml")
    >>> result = analyze(panel, seed=0)
    """
    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    path = Path(path)
    frame = read_table(path, text_columns=(schema.id,))
    return panel_from_frame(frame, schema, source=str(path))
