"""Segment profiles: how each segment differs from the whole sample, with weighted tests.

One row per (segment, variable) for numeric variables and one row per
(segment, variable, level) for categorical ones, each with the segment's
figure, the whole sample's figure, an index (100 = average) and a
survey-weighted significance test of the segment against the rest of the
sample, corrected for multiple testing (Benjamini-Hochberg).  See
:func:`segment_profiles` for the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from noncustomers.errors import DataError, closest
from noncustomers.analytics.differences import defining_columns
from noncustomers.analytics.significance import bh_qvalues, two_proportion_test, welch_test
from noncustomers.analytics.weighted import kish_n_eff
from noncustomers.panel import Panel
from noncustomers.vocabulary import UNCLASSIFIED, segment_order

__all__ = ["PROFILE_COLUMNS", "kish_n_eff", "segment_profiles"]

PROFILE_COLUMNS = ["segment", "variable", "level", "value", "total", "index", "p_value",
                   "significant", "q_value", "basis",
                   # appended: the variable in people's words (Panel.describe)
                   "label"]


def _ordered_segments(panel: Panel, tiers: np.ndarray, segments: np.ndarray) -> list[str]:
    """Segments by tier order (schema order) then their number ``<tier>-<n>``; no unclassified."""
    tier_rank = {t: i for i, t in enumerate(panel.schema.tier_names)}
    keys = []
    for seg in pd.unique(segments):
        if pd.isna(seg) or seg == UNCLASSIFIED:
            continue
        seg_tiers = pd.Series(tiers[segments == seg]).dropna()
        tier = seg_tiers.mode().iloc[0] if len(seg_tiers) else None
        rank = tier_rank.get(tier, len(tier_rank))
        keys.append(((rank, *segment_order(str(seg), str(tier)), str(seg)), seg))
    return [seg for _, seg in sorted(keys, key=lambda item: item[0])]


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def segment_profiles(panel: Panel, tiers: pd.Series, segments: pd.Series,
                     variables: list[str] | None = None, alpha: float = 0.05,
                     describe_only: Iterable[str] | None = None) -> pd.DataFrame:
    r"""Profile every segment against the whole sample, with weighted significance tests.

    Parameters
    ----------
    panel : Panel
    tiers, segments : Series
        One label per respondent in panel order (``Analysis.tiers`` and
        ``Analysis.segments``); matched to the panel by position.
    variables : list of str, optional
        Panel columns to profile, in the order wanted.  Default: the basis
        columns (``panel.basis``) then the profile columns of the schema.
    alpha : float, default 0.05
        False discovery rate for ``significant``.
    describe_only : iterable of str, optional
        Variables described but not tested (``basis = True``); default: the columns the
        segments were built from (:func:`~noncustomers.analytics.differences.defining_columns`).
        Pass ``()`` to test every variable, e.g. for segments made some other way.

    Returns
    -------
    DataFrame
        Columns ``segment, variable, level, value, total, index, p_value,
        significant, q_value, basis`` (see :data:`PROFILE_COLUMNS`).  Rows: segments ordered by
        tier (schema order) then number (``unexplored-1`` before
        ``unexplored-2``; the ``unclassified`` segment is skipped); within a
        segment, variables in the given order; within a categorical variable,
        levels by descending ``total`` (ties alphabetically).

    Notes
    -----
    **Which variables are numeric.**  A variable found in ``panel.answers``
    (basis and attribute columns) is numeric and taken from there, so the
    schema's missing codes are already NaN.  Any other column comes from
    ``panel.data``: numeric if its dtype is numeric (booleans excepted), else
    categorical with its values as text levels.  Profile columns get no
    missing-code cleaning, as the README defines the codes for attribute and
    basis columns only (an age of 9 is an age).  Missing answers (NaN, empty
    text) are left out of every figure of that variable: each figure is over
    the respondents who answered.

    **Figures.**  With survey weights :math:`w_i` over the respondents who
    answered, in the segment :math:`S` or in the whole sample (``total``,
    every respondent including ``unclassified``):

    - numeric: ``value`` :math:`= \sum_S w_i x_i / \sum_S w_i`, the weighted
      mean; ``level`` is empty (``""``);
    - categorical: ``value`` :math:`= \sum_S w_i [x_i = \ell] / \sum_S w_i`,
      the weighted share (0-1) of level :math:`\ell`;
    - ``index = 100 * value / total`` (100 = as in the whole sample; NaN when
      ``total`` is 0 or missing).  It is the usual market-research index and
      reads well on ratio scales (ratings, ages, shares); on a variable whose
      zero is arbitrary or that takes negative values, read ``value`` and
      ``total`` instead.

    **Tests: the segment against the rest.**  The comparison group is the rest
    of the sample :math:`R` (every respondent not in the segment), not the
    total: the total contains the segment, so the two are not independent
    samples and a two-sample test against it would understate the difference
    (most for large segments).

    Survey weights make a sample less informative than its raw size.  Each
    side uses Kish's effective sample size of the respondents who answered,
    :math:`n_\text{eff} = (\sum w)^2 / \sum w^2` (equal to :math:`n` without
    weights), which discounts unequal weighting without needing design
    information (strata, clusters) that panel files do not carry.

    - numeric (Welch's test on effective sizes): with the weighted variance
      :math:`s^2 = \frac{\sum w_i (x_i - \bar x)^2}{\sum w_i}
      \cdot \frac{n_\text{eff}}{n_\text{eff} - 1}` on each side (the
      reliability-weights unbiased variance; the sample variance with
      ``ddof=1`` without weights),
      :math:`t = (\bar x_S - \bar x_R) / \sqrt{s_S^2/n_S + s_R^2/n_R}` with
      Welch-Satterthwaite degrees of freedom
      :math:`\nu = (a + b)^2 / (a^2/(n_S - 1) + b^2/(n_R - 1))`,
      :math:`a = s_S^2/n_S`, :math:`b = s_R^2/n_R`, and
      :math:`p = 2\,P(T_\nu > |t|)`.  Welch does not assume equal variances
      (segments are chosen to differ); without weights it is exactly
      ``scipy.stats.ttest_ind(equal_var=False)``, and for large segments it is
      the two-sample z-test.
    - categorical (pooled two-proportion z-test on effective sizes):
      :math:`\hat p = (n_S p_S + n_R p_R)/(n_S + n_R)`,
      :math:`z = (p_S - p_R) / \sqrt{\hat p (1 - \hat p)(1/n_S + 1/n_R)}`,
      :math:`p = 2\,P(Z > |z|)`.  The pooled variance is the variance under
      the null hypothesis of equal shares, and it stays defined when one side's
      share is 0 or 1; without weights :math:`z^2` is the Pearson chi-square
      of the 2x2 table (no continuity correction).

    ``p_value`` is NaN when a test is undefined: a side with
    :math:`n_\text{eff} \le 1` (means) or no answer, or zero variance on both
    sides with different figures; zero variance with equal figures gives 1.

    **Multiple testing.**  A profile table holds many cells (segments x
    variables x levels); at ``alpha = 0.05`` one null cell in twenty would
    light up by chance.  The raw p-values of all cells of the table (NaN ones
    left out) are adjusted with Benjamini-Hochberg
    (``scipy.stats.false_discovery_control``), and ``significant = q < alpha``:
    at most a share ``alpha`` of the flagged cells are expected to be false
    discoveries.  BH keeps far more power than a Bonferroni (family-wise)
    correction, which suits a descriptive table where a few false flags cost
    little.  ``p_value`` stays the raw, per-cell p; ``q_value`` is its BH value.

    **No circular tests.**  Segments are built from their basis (and sit in tiers
    built by the tier rules' columns): a segment is bound to differ from the rest
    on those variables, and those certain rejections would loosen the BH threshold
    for every real test.  Such rows have ``basis = True`` and are described but not
    tested: ``p_value``, ``q_value`` and ``significant`` empty, outside the BH family.

    Raises
    ------
    DataError
        When a variable is not a column of the panel.
    ValueError
        When ``tiers`` or ``segments`` do not have one label per respondent, or
        ``alpha`` is not between 0 and 1.

    Examples
    --------
    >>> result = analyze(panel, map=None)                              # doctest: +SKIP
    >>> table = segment_profiles(panel, result.tiers, result.segments)  # doctest: +SKIP
    >>> table.query("significant and index > 120")                     # doctest: +SKIP
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    n = len(panel)
    if len(tiers) != n or len(segments) != n:
        raise ValueError(f"tiers and segments need one label per respondent ({n}), got "
                         f"{len(tiers)} and {len(segments)}")
    columns = list(panel.data.columns)
    if variables is None:
        variables = panel.basis + panel.schema.profile_columns(columns)
    variables = list(dict.fromkeys(variables))
    for var in variables:
        if var not in panel.answers.columns and var not in panel.data.columns:
            raise DataError(f"{panel.source}: column '{var}' (profile variable) is not in the "
                            f"panel{closest(var, columns)}")

    weights = np.asarray(panel.weights, dtype=float)
    seg_values = segments.to_numpy(dtype=object)
    order = _ordered_segments(panel, tiers.to_numpy(dtype=object), seg_values)
    masks = {seg: seg_values == seg for seg in order}

    rows: list[tuple] = []
    for var in variables:
        if var in panel.answers.columns or _is_numeric(panel.data[var]):
            source = panel.answers if var in panel.answers.columns else panel.data
            x = source[var].to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(x)
            total = float(np.dot(x[ok], weights[ok]) / weights[ok].sum()) if ok.any() else math.nan
            for seg, mask in masks.items():
                s, r = mask & ok, ~mask & ok
                value = (float(np.dot(x[s], weights[s]) / weights[s].sum()) if s.any()
                         else math.nan)
                p = welch_test(x[s], weights[s], x[r], weights[r])
                rows.append((seg, var, "", value, total, p))
            continue

        raw = panel.data[var]
        text = raw.astype(object).where(raw.notna(), None)
        labels = np.array([None if v is None else str(v) for v in text], dtype=object)
        ok = np.array([v is not None and v.strip() != "" for v in labels], dtype=bool)
        if not ok.any():
            continue
        codes, levels = pd.factorize(labels[ok], sort=True)
        w_ok = weights[ok]
        total_share = np.bincount(codes, weights=w_ok, minlength=len(levels)) / w_ok.sum()
        level_order = sorted(range(len(levels)), key=lambda j: (-total_share[j], levels[j]))
        for seg, mask in masks.items():
            in_seg = mask[ok]
            w_s, w_r = w_ok[in_seg], w_ok[~in_seg]
            sums_s = np.bincount(codes[in_seg], weights=w_s, minlength=len(levels))
            sums_r = np.bincount(codes[~in_seg], weights=w_r, minlength=len(levels))
            n_s, n_r = kish_n_eff(w_s), kish_n_eff(w_r)
            share_s = sums_s / w_s.sum() if w_s.size else np.full(len(levels), np.nan)
            share_r = sums_r / w_r.sum() if w_r.size else np.full(len(levels), np.nan)
            for j in level_order:
                p = two_proportion_test(float(share_s[j]), n_s, float(share_r[j]), n_r)
                rows.append((seg, var, str(levels[j]), float(share_s[j]), float(total_share[j]), p))

    table = pd.DataFrame(rows, columns=["segment", "variable", "level", "value", "total",
                                        "p_value"])
    # Rows were built variable by variable; put them in segment order, keeping the rest stable.
    seg_rank = {seg: i for i, seg in enumerate(order)}
    table = (table.assign(_rank=table["segment"].map(seg_rank))
             .sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True))
    value = table["value"].to_numpy(dtype=float)
    total = table["total"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(total != 0, 100.0 * value / total, np.nan)
    table["index"] = index
    # A segment's own basis (and the tier rules' columns) made it differ: described, not
    # tested, and kept out of the Benjamini-Hochberg family of the real tests.
    defining = defining_columns(panel)[1] if describe_only is None else set(describe_only)
    table["basis"] = table["variable"].isin(defining)
    table.loc[table["basis"], "p_value"] = np.nan
    p = table["p_value"].to_numpy(dtype=float)
    q = bh_qvalues(p)
    table["q_value"] = q
    table["significant"] = pd.Series(np.where(np.isnan(p), None, q < alpha), dtype=object,
                                     index=table.index)
    names = {var: panel.describe(var) for var in pd.unique(table["variable"])}
    table["label"] = table["variable"].map(names).astype(object)
    return table[PROFILE_COLUMNS].astype({"value": float, "total": float, "index": float,
                                          "p_value": float, "q_value": float, "basis": bool})
