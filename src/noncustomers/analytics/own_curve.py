"""A value curve of your own: the ERRC moves it makes, its curve test and its CSV file.

Three pieces behind "shape your own curve" (the app's canvas page), each usable alone:

- :func:`errc_from_curve` reads a curve as the four actions against the industry's
  curve, per factor (``t`` today's industry level, ``c`` the curve's, both 0-10,
  ``tolerance`` the change that counts)::

      t absent, not offered or < hardly_offered, and c > t + tolerance  -> create
      t > tolerance and c <= tolerance                                  -> eliminate
      c < t - tolerance                                                 -> reduce
      c > t + tolerance                                                 -> raise
      otherwise                                                         -> kept as it is

  "Hardly offered" is the ERRC grid's own definition of a factor not on the market
  (:class:`~noncustomers.analytics.errc.ErrcRules` ``hardly_offered``, 3.5, or the
  schema's ``offered = false``), so the grid's own proposed curve reads back as the
  grid (a factor the grid raises but whose curve stays at today's level reads "kept").
- :func:`own_curve_test` is :func:`~noncustomers.analytics.prize.curve_test` of a curve
  against an :class:`~noncustomers.analysis.Analysis`, with the run's margin, seed,
  derived needs and bootstrap subsample: without resamples it is the point figures
  only (a few milliseconds on 5,000 respondents); with them, the intervals re-derive
  the industry curve on each resample while your curve stays as given (as
  ``noncustomers analyze --curve`` does).
- :func:`curve_csv` writes the CSV that :func:`~noncustomers.analytics.canvas.read_curve`
  (and so ``noncustomers analyze --curve``) reads; :func:`read_curve_upload` reads one
  from bytes, naming the file in its errors.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from noncustomers.analytics.canvas import read_curve
from noncustomers.analytics.errc import ERRC_ACTIONS, ErrcRules
from noncustomers.errors import DataError

__all__ = [
    "CHANGE_TOLERANCE",
    "YOUR_CURVE",
    "curve_csv",
    "errc_from_curve",
    "own_curve_test",
    "read_curve_upload",
]

#: The name of a curve of your own (``AnalysisConfig.curve_name``'s default).
YOUR_CURVE = "your curve"
#: A change of less than this (0-10 points) keeps a factor as it is: half the 0.1 step a
#: level is shown and typed with, so a level retyped as shown is not a move.
CHANGE_TOLERANCE = 0.05


def errc_from_curve(curve: Mapping[str, float], industry: Mapping[str, float],
                    offered: Mapping[str, bool] | None = None,
                    hardly_offered: float = ErrcRules().hardly_offered,
                    tolerance: float = CHANGE_TOLERANCE) -> dict[str, list[str]]:
    """The ERRC grid a curve implies against the industry's curve (module docstring).

    Parameters
    ----------
    curve, industry : mapping
        attribute -> level (0-10).  Factors of ``curve`` without a level (NaN) are left
        out; a factor absent from ``industry`` (or NaN there) is not on the market.
    offered : mapping, optional
        attribute -> False when the industry does not offer it today (schema ``offered``).
    hardly_offered : float
        Below this industry level a factor counts as not on the market, so giving it a
        level creates it (the ERRC rules' threshold).
    tolerance : float
        Changes smaller than this keep the factor as it is.

    Returns
    -------
    dict
        action -> attributes, in the curve's order, for each of ``eliminate``,
        ``reduce``, ``raise`` and ``create`` (the shape of ``Analysis.errc``, names only);
        factors kept as they are appear in none.

    Examples
    --------
    >>> errc_from_curve({"spa": 0.0, "gym": 5.0, "kids": 6.0, "hours": 9.0, "price": 7.0},
    ...                 {"spa": 7.8, "gym": 8.6, "kids": 1.6, "hours": 7.5, "price": 7.0})
    {'eliminate': ['spa'], 'reduce': ['gym'], 'raise': ['hours'], 'create': ['kids']}
    """
    offered = offered or {}
    grid: dict[str, list[str]] = {action: [] for action in ERRC_ACTIONS}
    for name, level in curve.items():
        level = float(level)
        if np.isnan(level):
            continue
        today = float(industry.get(name, np.nan))
        on_market = (not np.isnan(today) and today >= hardly_offered
                     and offered.get(name, True))
        base = 0.0 if np.isnan(today) else today
        if level > base + tolerance:
            grid["raise" if on_market else "create"].append(name)
        elif base > tolerance and level <= tolerance:
            grid["eliminate"].append(name)
        elif level < base - tolerance:
            grid["reduce"].append(name)
    return grid


def own_curve_test(analysis, curve: Mapping[str, float], resamples: int = 0,
               seed: int | None = None, margin: float | None = None) -> dict:
    """The curve test of ``curve`` against ``analysis``'s industry curve.

    Parameters
    ----------
    analysis : Analysis
        An analysed panel (:func:`noncustomers.analyze`).
    curve : mapping
        attribute -> level (0-10); factors left out stay at the industry's level.
    resamples : int
        Bootstrap resamples behind the 95% intervals; 0 (the default) gives the point
        figures only, fast enough to rerun on every edit.
    seed, margin : optional
        Default to the run's (``analysis.config``), so ``resamples=200`` gives the
        intervals ``noncustomers analyze --curve`` writes for the same curve.

    Returns
    -------
    dict
        As :func:`~noncustomers.analytics.prize.curve_test`.
    """
    return analysis.curve_test(curve, resamples=resamples, seed=seed, margin=margin)


def curve_csv(curve: Mapping[str, float]) -> str:
    """The CSV :func:`~noncustomers.analytics.canvas.read_curve` reads: a header
    ``attribute,level`` and one row per factor, levels written in full (the shortest
    decimal that reads back as the same number), ``\\n`` line ends.

    >>> print(curve_csv({"price": 7.0, "spa": 0.0, "childcare": 6.25}), end="")
    attribute,level
    price,7
    spa,0
    childcare,6.25
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["attribute", "level"])
    for name, level in curve.items():
        writer.writerow([name, np.format_float_positional(float(level), trim="-")])
    return out.getvalue()


def read_curve_upload(data: bytes, name: str, attributes: list[str]) -> dict[str, float]:
    """:func:`~noncustomers.analytics.canvas.read_curve` of an uploaded file's bytes.

    The bytes are read from a private temporary folder (removed afterwards); errors name
    the file as ``name`` (its base name), never the temporary path.

    Raises
    ------
    DataError
        read_curve's, naming ``name``.
    """
    shown = Path(name).name or "curve.csv"
    with tempfile.TemporaryDirectory(prefix="noncustomers-curve-") as tmp:
        path = Path(tmp) / shown
        path.write_bytes(data)
        try:
            return read_curve(path, attributes)
        except DataError as exc:
            raise DataError(str(exc).replace(str(path), shown).replace(tmp, "upload")) from None
