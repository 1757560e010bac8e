"""Beyond one machine: assign and aggregate a panel in partitions on a Dask cluster.

A CRM extract of tens of millions of customers and prospects does not fit the
single-machine reader, which holds the whole file and its encoded answers in memory.
The pipeline then splits in two (docs/scale.md):

1. fit on a sample on one machine: ``noncustomers analyze SAMPLE --save-model M``;
2. on the cluster, read the full panel as partitions (:func:`dask.dataframe.read_csv` or
   :func:`dask.dataframe.read_parquet`), broadcast the fitted model to the workers
   (``client.scatter``) and, per partition with ``map_partitions``:

   - validate and encode the rows with the library's own reader
     (:func:`noncustomers.panel.panel_from_frame`) and place them with the model's own
     ``predict`` (tier rules, then segments): :func:`write_assignments` streams the
     partitions into ``assignments.csv`` in input order, byte for byte the file of the
     single-machine ``noncustomers assign``;
   - or reduce them to sums of weights and weighted sums per group, combined across
     partitions: :func:`aggregate_figures` (weighted tier shares, the gaps table, the
     commonalities table).

Dask is imported only here, and only when called: ``import noncustomers`` never needs it.
Nothing here schedules work by hand; Dask does (map_partitions, reductions, a shuffle for
the duplicate-id check).

What reads alike and what does not
----------------------------------
Each partition goes through the same checks as the single-machine reader (ids, weights,
ratings, scales, tier rules tried on the data; one sentence naming the partition and the
row within it).  The schema's columns are checked on the header before any work.  A CSV is
first read once as text to learn each column's kind over the whole file (numbers, yes/no
or text), as the single-machine reader infers it from the whole file: a partition alone
could hold only numbers in a text column, or nothing but blanks.  Repeated ids are found
across partitions with a shuffle.

Limits: CSV (UTF-8; a UTF-16 file cannot be split) and Parquet (a file, or a folder of
``.parquet`` files read in name order) only, other files refused in one sentence; a CSV
cell holding a line break is not supported (Dask splits the file at line ends); a row with
fewer fields than the header is read with the missing fields empty (the single-machine
reader refuses it; finding it needs a sequential pass over the file); the reading notes
(warnings) of the single-machine reader are not repeated, as each partition would see only
its own rows.  A text basis column the model one-hot encodes is encoded on the model's
levels (a partition may hold only some of them), so a new panel that lacks a level, or
holds only two, is placed where the single-machine reader would refuse it; without a
model the basis is neither encoded nor checked (it enters no figure).

Exactness of the figures
------------------------
Tier shares, weighted means, top-box shares, ``n``, ``weighted_n``, ``n_eff`` and the
Taylor intervals are combined exactly: each partition gives, per group and measure, the
count, the sums of ``w``, ``w x``, ``w^2``, ``w^2 x`` and the sum of ``w^2`` times the squared
deviations from its own ``w^2``-weighted mean; partitions are merged with the parallel
update of Chan, Golub & LeVeque (1979), which adds positive terms only, so the Taylor
variance ``sum w^2 (x - mean)^2`` loses nothing to cancellation.  The figures equal the
single-machine ones up to floating-point rounding (sums taken in another order; the tests
hold them to 1e-9).  Not computed on the cluster: derived importance (``[importance]
derived_from`` fits models and bootstraps on the respondents themselves; those attributes
get an empty importance and a note), and every figure beyond tiers, gaps and commonalities
(ERRC grid, drivers, prize, curve test: run ``analyze`` on a sample).
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import math
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from noncustomers.analytics.commonalities import (commonality_row,
                                                  ranked_commonalities)
from noncustomers.analytics.gaps import GAP_COLUMNS, LOW_BASE, opportunity_band, quadrant
from noncustomers.analytics.weighted import Z95, rating_columns, share_interval
from noncustomers.errors import DataError, NoncustomersError, Problems
# The single-machine reader's own helpers: the same checks and messages for a CSV's header.
from noncustomers.io import (_FIELDS, SUPPORTED_SUFFIXES, _check_header, _check_regular_file,
                             _csv_header, _na_values, _sniff_delimiter, _text_dtypes,
                             _text_encoding)
from noncustomers.model import NoncustomersModel
from noncustomers.panel import Panel, _as_text, panel_from_frame
from noncustomers.schema import Schema, load_schema
from noncustomers.tiers import assign_tiers
from noncustomers.vocabulary import (NON_CUSTOMER_TIERS, ROW_ID, ROW_ID_COLUMN, UNCLASSIFIED,
                                     segment_order, segment_tier)

__all__ = ["ClusterFigures", "PanelSource", "aggregate_figures", "cluster_client",
           "open_panel", "write_assignments"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
PARQUET_SUFFIXES = (".parquet", ".pq")

#: Dask settings of every graph built here.  ``convert-string`` off: each partition keeps
#: the dtypes pandas itself gives (the single-machine reader's), not Dask's pyarrow strings
#: with their own missing value.  ``tasks`` shuffle for the duplicate-id check: the p2p
#: shuffle logs warnings on every run.
_DASK_CONFIG = {"dataframe.convert-string": False, "dataframe.shuffle.method": "tasks"}

_ROW = "__noncustomers_row__"  # the global row number behind id = "@row" (dropped before reading)
_SEP = "\x1f"  # joins the parts of a group or measure key (unit separator: in no column name)
_ROWS = "rows"  # the measure counting every row of a group (n, weighted_n, n_eff)
_STATS = ["cnt", "sw", "swx", "s2", "s2x", "c2", "lo_min", "lo_max", "hi_min", "hi_max"]
# pandas' C parser reads exactly these as booleans (its default true_values/false_values).
_BOOLEANS = {"True": True, "TRUE": True, "true": True,
             "False": False, "FALSE": False, "false": False}
_KINDS = ["number", "boolean", "text", "missing"]


def _dask() -> tuple[Any, Any, Any]:
    """dask, dask.dataframe and distributed, imported on first use."""
    try:
        import dask
        import dask.dataframe as dd
        import distributed
    except ImportError:
        raise NoncustomersError("--scheduler and --workers need Dask: pip install "
                                "'dask[distributed]'") from None
    return dask, dd, distributed


# ---- the cluster ---------------------------------------------------------------------------

@contextmanager
def cluster_client(scheduler: str | None = None, workers: int | None = None, *,
                   processes: bool = True) -> Iterator[Any]:
    """A :class:`distributed.Client` on a running scheduler, or on a local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``).
    workers : int, optional
        Start a local cluster of this many single-threaded workers instead: bound to
        127.0.0.1, no dashboard, its scratch space in a private temporary folder (mode
        0700) removed afterwards.  Worker processes by default (pandas and scikit-learn
        hold the GIL, so threads would take turns); ``processes=False`` runs them as
        threads of this process.

    Raises
    ------
    NoncustomersError
        When the scheduler cannot be reached.
    """
    if (scheduler is None) == (workers is None):
        raise ValueError("give exactly one of scheduler and workers")
    _, _, distributed = _dask()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise NoncustomersError(f"cannot reach the dask scheduler at '{scheduler}' "
                                    f"({exc.__class__.__name__}); start it first, or use "
                                    "--workers N for a local cluster") from None
        try:
            yield client
        finally:
            client.close()
        return
    with tempfile.TemporaryDirectory(prefix="noncustomers-dask-") as scratch:
        # Worker processes talk over TCP on 127.0.0.1 only; threads need no socket at all
        # (Dask's in-process transport).
        network = {"host": "127.0.0.1", "protocol": "tcp://"} if processes else {}
        # Worker logs at CRITICAL only: a user error raised in a partition comes back to
        # the client as that error (one line on stderr), not also as a logged traceback.
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=processes, dashboard_address=None,
                                           local_directory=scratch,
                                           silence_logs=logging.CRITICAL, **network)
        try:
            client = distributed.Client(cluster, set_as_default=False)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


# ---- the panel file ------------------------------------------------------------------------

@dataclass(frozen=True)
class PanelSource:
    """A panel file checked on the driver, ready to be read in partitions.

    Built by :func:`open_panel`: the header is read and every column the schema names is
    found before any work on the cluster.
    """

    path: Path
    kind: str  # "csv" or "parquet"
    schema: Schema
    columns: tuple[str, ...]  # every column of the file, names stripped, in file order
    needed: tuple[str, ...]  # the columns the schema uses, in file order
    raw_names: dict[str, str] = field(default_factory=dict)  # stripped name -> as written
    sep: str = ","
    encoding: str = "utf-8-sig"
    blocksize: int | str | None = None  # bytes per CSV partition (None: Dask's default)

    @property
    def source(self) -> str:
        return str(self.path)

    @property
    def text_columns(self) -> tuple[str, ...]:
        return () if self.schema.id == ROW_ID else (self.schema.id,)


def _needed_columns(schema: Schema, columns: list[str]) -> tuple[str, ...]:
    """The columns a partition must carry for the schema's checks, in file order.

    Profile columns are among them: the schema's patterns must match in every partition.
    """
    named: set[str] = set() if schema.id == ROW_ID else {schema.id}
    named.update(c for c in (schema.weight, schema.prize_spend, schema.importance_from) if c)
    named.update(c for attr in schema.attributes.values() for c in attr.columns)
    if schema.barriers is not None and schema.barriers.multi:
        named.add(schema.barriers.multi)
    named.update(schema.rfm.values())
    named.update(c for rule in schema.tiers.values() for c in rule.columns)
    named.update(schema.basis_columns(columns))
    named.update(schema.profile_columns(columns))
    named.update(schema.barrier_columns(columns))
    return tuple(c for c in columns if c in named)


def open_panel(path: str | Path, schema: Schema | str | Path,
               blocksize: int | str | None = None) -> PanelSource:
    """Check a CSV or Parquet panel's header against the schema, on this machine.

    ``path`` is a CSV/TSV file or a Parquet file or folder of Parquet files; it must be
    readable at the same path on every worker.  ``blocksize`` sets the bytes per CSV
    partition (default: Dask's).

    Raises
    ------
    NoncustomersError
        With one sentence per problem: an unsupported or unreadable file, a column the
        schema names that the file lacks, a repeated header name.
    """
    if not isinstance(schema, Schema):
        schema = load_schema(schema)
    path = Path(path)
    sep, encoding = ",", "utf-8-sig"
    if path.is_dir():
        kind = "parquet"
        if not any(p.suffix.lower() in PARQUET_SUFFIXES for p in path.iterdir()):
            raise DataError(f"{path}: a folder without .parquet files; give a CSV or Parquet "
                            "file, or a folder of Parquet files")
    else:
        _check_regular_file(path)
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            kind = "csv"
        elif suffix in PARQUET_SUFFIXES:
            kind = "parquet"
        elif suffix in SUPPORTED_SUFFIXES:
            raise DataError(f"{path}: {suffix[1:]} files are read on one machine only; save "
                            "the panel as CSV or Parquet to read it on a cluster")
        else:
            raise DataError(f"{path}: unsupported file type '{suffix}'; a cluster reads "
                            f"{', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)} files")
    try:
        if kind == "csv":
            encoding = _text_encoding(path)
            if encoding != "utf-8-sig":
                raise DataError(f"{path}: a {encoding.upper()} file cannot be split into "
                                "partitions; save it as UTF-8 CSV or as Parquet")
            sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else _sniff_delimiter(
                path, encoding)
            _check_header(_csv_header(path, sep, encoding), path)
            header = [str(c) for c in pd.read_csv(path, sep=sep, encoding=encoding,
                                                  nrows=0).columns]
        else:
            _, dd, _ = _dask()
            with _dask_config():
                header = [str(c) for c in dd.read_parquet(str(path)).columns]
    except DataError:
        raise
    except Exception as exc:  # every reader has its own exception types
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise DataError(f"{path}: cannot read the file as {kind} ({reason})") from None
    columns = [c.strip() for c in header]
    repeated = [c for i, c in enumerate(columns) if c in columns[:i]]
    if repeated:
        raise DataError(f"{path}: column '{repeated[0]}' appears more than once in the header")
    if schema.id == ROW_ID and ROW_ID in columns:  # as panel_from_frame says it
        raise DataError(f"{path}: the panel has a column named '{ROW_ID}', which "
                        f"id = \"{ROW_ID}\" would hide; rename it or name the id column")
    schema.check_columns(([ROW_ID] if schema.id == ROW_ID else []) + columns, str(path))
    return PanelSource(path, kind, schema, tuple(columns), _needed_columns(schema, columns),
                       dict(zip(columns, header)), sep, encoding, blocksize)


@contextmanager
def _dask_config() -> Iterator[None]:
    dask, _, _ = _dask()
    with dask.config.set(_DASK_CONFIG):
        yield


def _read(source: PanelSource, dtypes: dict[str, Any] | None = None) -> Any:
    """The needed columns as a Dask DataFrame, under their stripped names."""
    _, dd, _ = _dask()
    raw = [source.raw_names[c] for c in source.needed]
    if source.kind == "csv":
        frame = dd.read_csv(str(source.path), sep=source.sep, encoding=source.encoding,
                            usecols=raw, dtype=dtypes, keep_default_na=False,
                            na_values=_na_values(raw, source.text_columns),
                            blocksize=source.blocksize or "default")
    else:
        frame = dd.read_parquet(str(source.path), columns=raw)
    renamed = {r: c for c, r in zip(source.needed, raw) if r != c}
    return frame.rename(columns=renamed) if renamed else frame


def _column_kinds(frame: pd.DataFrame) -> pd.DataFrame:
    """Which kinds of value each column of a partition read as text holds.

    Written here because the single-machine reader lets pandas infer each column's dtype
    from the whole file, which no partition sees: the kinds of all partitions, combined,
    give that whole-file dtype (numbers, yes/no, or text as soon as anything else occurs).
    """
    out = {}
    for column in frame.columns:
        values = frame[column]
        present = values.notna().to_numpy()
        text = values[present].astype(object).astype(str)
        number = pd.to_numeric(text, errors="coerce").notna().to_numpy()
        boolean = text.isin(list(_BOOLEANS)).to_numpy()
        out[column] = [bool(number.any()), bool(boolean.any()),
                       bool((~number & ~boolean).any()), bool((~present).any())]
    return pd.DataFrame(out, index=_KINDS, dtype=bool)


def _any_kinds(kinds: pd.DataFrame) -> pd.DataFrame:
    return kinds.groupby(level=0, sort=False).any().reindex(_KINDS)


def _dtype(kinds: pd.Series) -> Any:
    """The dtype pandas gives a whole column with these kinds of value."""
    if kinds["text"] or (kinds["number"] and kinds["boolean"]):
        return "str"
    if kinds["boolean"]:
        return object  # True/False/blank: read as text, made booleans per partition
    return "float64"  # numbers (integers too: their values are the same), or all blank


@dataclass(frozen=True)
class _Plan:
    """What every partition needs to know besides its rows (small: sent with each task)."""

    source: str
    npartitions: int
    schema: Schema  # the schema partitions are read with (see _reading_schema)
    nominal: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> levels
    booleans: dict[str, bool] = field(default_factory=dict)  # yes/no column -> has blanks
    row_numbers: bool = False


def _reading_schema(source: PanelSource, model: NoncustomersModel | None
                    ) -> tuple[Schema, dict[str, tuple[str, ...]]]:
    """The schema each partition is read with, and the text basis columns encoded apart.

    The single-machine reader one-hot encodes a text basis column on the levels the whole
    file holds; a partition holds some of them only (with one or two it would even be
    refused as yes/no-like text without an order).  So the columns the model one-hot
    encodes leave the basis the partition is read with and are encoded on the model's own
    levels (:func:`_one_hot`).  Without a model the basis enters no figure and is left out.
    """
    schema = source.schema
    basis = schema.basis_columns(list(source.needed))
    nominal: dict[str, tuple[str, ...]] = {}
    if model is not None:
        fitted = model.segments.columns
        for column in basis:
            levels = tuple(c[len(column) + 1:] for c in fitted if c.startswith(f"{column}="))
            if levels and column not in fitted:
                nominal[column] = levels
    kept = () if model is None else tuple(glob.escape(c) for c in basis if c not in nominal)
    return dataclasses.replace(schema, basis=kept), nominal


def _prepared(source: PanelSource, client: Any,
              model: NoncustomersModel | None = None) -> tuple[Any, _Plan]:
    """The panel as partitions, after the whole-file checks (one pass over the file).

    For a CSV, one read as text gives each column's kind over the whole file; in the same
    pass (Dask shares the read), a shuffle finds ids that repeat across partitions.
    """
    schema = source.schema
    repeated = kinds = None
    if source.kind == "csv":
        raw = [source.raw_names[c] for c in source.needed]
        text = _read(source, {**{r: object for r in raw},
                              **_text_dtypes(pd.Index(raw), source.text_columns)})
        kinds = text.reduction(chunk=_column_kinds, combine=_any_kinds, aggregate=_any_kinds,
                               meta=pd.DataFrame({c: pd.Series(dtype=bool)
                                                  for c in source.needed}))
        ids = text
    else:
        ids = _read(source)
    wanted = [kinds] if kinds is not None else []
    if schema.id != ROW_ID:
        # Counts land in one output partition per 16 input partitions (a shuffle), so no
        # worker ever holds every id; a small file needs no shuffle at all.
        counts = ids[schema.id].value_counts(split_out=max(1, ids.npartitions // 16))
        wanted.append(counts[counts > 1])
    results = _compute(client, wanted, source) if wanted else []
    if kinds is not None:
        kinds = results.pop(0)
    if schema.id != ROW_ID:
        repeated = results.pop(0)
        if len(repeated):
            repeated = repeated.sort_index(kind="stable")
            shown = ", ".join(f"'{i}' ({n} times)" for i, n in list(repeated.items())[:3])
            raise DataError(f"{source.path}: column '{schema.id}' (id) repeats "
                            + (f"{shown}" if len(repeated) == 1 else
                               f"{len(repeated):,} ids: {shown}")
                            + (", ..." if len(repeated) > 3 else "")
                            + "; ids must be unique: fix them, or number the rows with "
                              f"id = \"{ROW_ID}\" in the schema")
    booleans: dict[str, bool] = {}
    if kinds is not None:
        dtypes: dict[str, Any] = {}
        for column in source.needed:
            dtypes[source.raw_names[column]] = _dtype(kinds[column])
            if dtypes[source.raw_names[column]] is object:
                booleans[column] = bool(kinds[column]["missing"])
        dtypes.update(_text_dtypes(pd.Index(list(dtypes)), source.text_columns))
        frame = _read(source, dtypes)
    else:
        frame = _read(source)
    if schema.id == ROW_ID:
        # The row number over the whole file, with Dask's own scan (a cumulative sum).
        ones = frame.map_partitions(_ones, meta=(_ROW, "int64"))
        frame = frame.assign(**{_ROW: ones.cumsum()})
    reading, nominal = _reading_schema(source, model)
    return frame, _Plan(source.source, frame.npartitions, reading, nominal, booleans,
                        schema.id == ROW_ID)


def _ones(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(1, index=frame.index, dtype="int64", name=_ROW)


# ---- errors raised on the workers ----------------------------------------------------------

class _WorkerError(Exception):
    """A user error raised on a worker, carried back as its message lines.

    :class:`~noncustomers.errors.Problems` (several problems at once) does not survive
    pickling, which is how a worker's exception reaches the client.
    """

    def __init__(self, messages: list[str]) -> None:
        super().__init__(*messages)
        self.messages = list(messages)

    def __reduce__(self) -> tuple[Any, tuple[list[str]]]:
        return (type(self), (self.messages,))


def _lines(exc: NoncustomersError) -> list[str]:
    return [str(p) for p in getattr(exc, "problems", None) or [exc]]


def _compute(client: Any, collections: list[Any], source: PanelSource) -> list[Any]:
    """``client.compute`` of several collections in one graph, user errors translated."""
    with _dask_config(), _translated(source):
        return list(client.gather(client.compute(collections)))


@contextmanager
def _translated(source: PanelSource) -> Iterator[None]:
    try:
        yield
    except _WorkerError as exc:
        errors = [DataError(m) for m in exc.messages]
        raise (errors[0] if len(errors) == 1 else Problems(errors)) from None
    except pd.errors.ParserError as exc:
        found = _FIELDS.search(str(exc))
        if found is None:
            raise DataError(f"{source.path}: cannot read the file as csv "
                            f"({str(exc).splitlines()[0] if str(exc) else 'parser error'})"
                            ) from None
        width, _, seen = (int(g) for g in found.groups())
        raise DataError(f"{source.path}: a data row has {seen} fields where the header has "
                        f"{width}; quote fields that contain '{source.sep}'") from None
    except ModuleNotFoundError as exc:
        raise NoncustomersError(f"the dask workers cannot import '{exc.name}': install "
                                "noncustomers (the same version) on every worker") from None


# ---- one partition -------------------------------------------------------------------------

# warnings.catch_warnings changes process-wide state; threads of one worker process would
# restore each other's filters.  The lock makes the quiet reading one partition at a time
# per process (with threads_per_worker=1 it never waits).
_QUIET = threading.Lock()


def _label(plan: _Plan, number: int) -> str:
    return f"{plan.source} (partition {number + 1} of {plan.npartitions})"


def _carried(exc: NoncustomersError, label: str) -> _WorkerError:
    """A worker's user error, each line naming the partition."""
    return _WorkerError([m if m.startswith(label) else f"{label}: {m}" for m in _lines(exc)])


def _partition_panel(frame: pd.DataFrame, plan: _Plan, number: int) -> Panel:
    """The rows of one partition read as the single-machine reader reads a file."""
    frame = frame.drop(columns=[_ROW], errors="ignore").reset_index(drop=True)
    for column, has_blanks in plan.booleans.items():
        values = frame[column].map(_BOOLEANS)
        frame[column] = values.astype(object) if has_blanks else values.astype(bool)
    label = _label(plan, number)
    with _QUIET, warnings.catch_warnings():
        # The reader's notes (a mostly unanswered column...) would describe this partition
        # only, and once per partition: they are not repeated (see the module docstring).
        warnings.simplefilter("ignore", UserWarning)
        try:
            panel = panel_from_frame(frame, plan.schema, source=label)
        except NoncustomersError as exc:
            raise _carried(exc, label) from None
    return _one_hot(panel, plan.nominal) if plan.nominal else panel


def _one_hot(panel: Panel, nominal: dict[str, tuple[str, ...]]) -> Panel:
    """Add the text basis columns the model one-hot encodes, on the model's levels.

    The encoding of the single-machine reader (``<column>=<level>``: 1 for the row's
    level, 0 for the others, NaN in every level when the answer is missing), with the
    levels fixed by the model instead of read off the rows (see :func:`_reading_schema`).
    """
    answers = dict(panel.answers.items())
    encoded, groups, encoding = list(panel.basis_encoded), dict(panel.basis_groups), dict(
        panel.encoding)
    for column, levels in nominal.items():
        raw = panel.data[column]
        text = _as_text(raw, raw.notna().to_numpy())
        absent = pd.isna(text)
        groups[column] = [f"{column}={level}" for level in levels]
        encoding[column] = "nominal"
        for level, name in zip(levels, groups[column]):
            answers[name] = np.where(absent, np.nan, (text == level).astype(float))
        encoded += groups[column]
    return dataclasses.replace(panel, answers=pd.DataFrame(answers, index=panel.data.index),
                               basis_encoded=encoded, basis_groups=groups, encoding=encoding)


def _placed(panel: Panel, model: NoncustomersModel) -> pd.DataFrame:
    """The model's own ``predict`` (tier rules, then segments), errors carried back."""
    try:
        return model.predict(panel)
    except NoncustomersError as exc:
        raise _carried(exc, panel.source) from None


def _number(partition_info: dict | None) -> int:
    return int(partition_info["number"]) if partition_info else 0


def _assign_partition(frame: pd.DataFrame, model: NoncustomersModel, plan: _Plan,
                      partition_info: dict | None = None) -> pd.DataFrame:
    """Tier and segment of every row of one partition, in its row order."""
    rows = frame[_ROW].to_numpy() if plan.row_numbers else None
    if len(frame) == 0:
        return _empty_assignments(model.schema)
    placed = _placed(_partition_panel(frame, plan, _number(partition_info)), model)
    if rows is not None:  # the row number in the whole file, not in the partition
        placed[ROW_ID_COLUMN] = rows
    return placed


def _empty_assignments(schema: Schema) -> pd.DataFrame:
    id_name = ROW_ID_COLUMN if schema.id == ROW_ID else schema.id
    return pd.DataFrame({id_name: pd.Series(dtype="int64" if schema.id == ROW_ID else object),
                         "tier": pd.Series(dtype=object), "segment": pd.Series(dtype=object)})


def _csv_part(placed: pd.DataFrame) -> pd.DataFrame:
    """One partition's rows as the CSV bytes of assignments.csv (with its header line)."""
    from noncustomers.export import csv_bytes

    return pd.DataFrame({"csv": [csv_bytes(placed, round_figures=False)],
                         "n": [len(placed)]})


# ---- assign --------------------------------------------------------------------------------

def write_assignments(panel: PanelSource | str | Path, model: NoncustomersModel, client: Any,
                      folder: Any, blocksize: int | str | None = None) -> int:
    """Place every respondent of a large panel on the cluster; write ``assignments.csv``.

    The model is broadcast to the workers, each partition is placed with the model's
    ``predict`` and turned into CSV on its worker, and the parts are written in input
    order into ``folder`` (a :class:`noncustomers.export.OutputFolder` inside its
    ``with`` block; the caller publishes it).  The file equals, byte for byte, the one
    the single-machine ``noncustomers assign`` writes.  Returns the number of rows.

    Raises
    ------
    NoncustomersError
        One sentence per problem (naming the partition and the row within it).
    """
    from noncustomers.export import csv_bytes

    schema = model.schema
    source = panel if isinstance(panel, PanelSource) else open_panel(panel, schema, blocksize)
    _check_model_columns(source, model)
    with _dask_config():
        frame, plan = _prepared(source, client, model)
        broadcast = client.scatter(model, broadcast=True, hash=False)
        placed = frame.map_partitions(_assign_partition, broadcast, plan,
                                      meta=_empty_assignments(schema))
        parts = placed.map_partitions(_csv_part, meta=pd.DataFrame(
            {"csv": pd.Series(dtype=object), "n": pd.Series(dtype="int64")})).to_delayed()
    header = csv_bytes(_empty_assignments(schema), round_figures=False)
    count = 0
    with folder.path("assignments.csv").open("wb") as out, _translated(source):
        # One graph for all parts; the parts wait on their workers (a few bytes per row,
        # spilled to disk under memory pressure) until written here, in input order.
        with _dask_config():
            pending = client.compute(parts)
        for i in range(len(pending)):
            result = pending[i].result()
            pending[i] = None  # release the part on its worker once written
            data = result["csv"].iloc[0]
            if i:  # one header line, from the first part
                if not data.startswith(header):
                    raise RuntimeError(f"partition {i + 1} wrote another header")
                data = data[len(header):]
            out.write(data)
            count += int(result["n"].iloc[0])
    if count == 0:
        raise DataError(f"{source.path}: the file has a header but no data rows")
    return count


def _check_model_columns(source: PanelSource, model: NoncustomersModel) -> None:
    """Before any work: the model's basis columns are in the file, and none of them depends
    on the range of answers a partition happens to hold."""
    columns = set(source.columns)
    for column in model.segments.columns:
        base = column if column in columns else next(
            (b for b in source.needed if column.startswith(f"{b}=")), None)
        if base is None:
            raise DataError(f"{source.path}: the panel lacks the basis column '{column}' the "
                            "model was fitted on")
    for attr in source.schema.attributes.values():
        if attr.reverse and attr.scale is None and attr.performance in model.segments.columns:
            raise DataError(f"{source.schema.source}: attribute '{attr.name}' is reversed and "
                            "has no scale, so each partition would reverse it on its own "
                            "range of answers; add scale = [low, high] to it")


# ---- figures -------------------------------------------------------------------------------

@dataclass
class ClusterFigures:
    """The figures :func:`aggregate_figures` computes on a cluster.

    Attributes
    ----------
    n, weighted_n, n_eff : int, float, float
        Respondents, the sum of their weights, Kish's effective base.
    tiers : DataFrame
        One row per schema tier plus ``unclassified`` (index ``tier``): ``n``,
        ``weighted_n``, weighted ``share`` with its 95% interval ``share_lo``, ``share_hi``
        (as ``summary.json`` has them), ``n_eff`` and ``low_base``.
    gaps : DataFrame
        ``gaps.csv``'s columns (:data:`~noncustomers.analytics.gaps.GAP_COLUMNS`), for the
        groups ``all``, each tier and, with a model, each segment.
    commonalities : DataFrame
        ``commonalities.csv``'s columns: barriers and top-box needs per non-customer tier.
    notes : list of str
        What was left out (derived importance).
    """

    n: int
    weighted_n: float
    n_eff: float
    tiers: pd.DataFrame
    gaps: pd.DataFrame
    commonalities: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def aggregate_figures(path: str | Path | PanelSource,
                      model_or_schema: NoncustomersModel | Schema | str | Path,
                      client: Any, blocksize: int | str | None = None) -> ClusterFigures:
    """Weighted tier shares, the gaps table and the commonalities of a large panel.

    Each partition is read and placed as :func:`write_assignments` does (with a model:
    tiers and segments; with a schema, or the path of one: tiers only) and reduced to
    sums per group and measure; Dask combines the partitions (a tree reduction) and the
    figures are made from the totals on this machine.  They equal the single-machine
    ones (``attribute_gaps`` with the crosshair at the midpoint, ``commonalities``, the
    tier shares of ``summary.json``), intervals included, up to floating-point rounding;
    derived importance is left out (see the module docstring).

    Raises
    ------
    NoncustomersError
        One sentence per problem, as :func:`write_assignments`; also when an attribute
        without a scale in the schema has a different observed range in two partitions.
    """
    model = model_or_schema if isinstance(model_or_schema, NoncustomersModel) else None
    if model is not None:
        schema = model.schema
    elif isinstance(model_or_schema, Schema):
        schema = model_or_schema
    else:
        schema = load_schema(model_or_schema)
    source = path if isinstance(path, PanelSource) else open_panel(path, schema, blocksize)
    if model is not None:
        _check_model_columns(source, model)
    with _dask_config():
        frame, plan = _prepared(source, client, model)
        broadcast = client.scatter(model if model is not None else schema, broadcast=True,
                                   hash=False)
        stats = frame.map_partitions(_partition_stats, broadcast, plan, meta=_empty_stats())
        total = stats.reduction(chunk=_merge, combine=_merge, aggregate=_merge,
                                meta=_empty_stats())
    (total,) = _compute(client, [total], source)
    return _figures(total, source, model)


def _measures(panel: Panel, tiers: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every per-row quantity the figures average: names, values (NaN: not answered, not
    asked) and the attribute scale behind each (NaN for the others)."""
    n = len(panel)
    names, columns, scales = [_ROWS], [np.zeros(n)], [(np.nan, np.nan)]
    for name, kind, values, top_box in rating_columns(panel):
        names += [_key("mean", name, kind), _key("top", name, kind)]
        columns += [values, top_box]
        scales += [panel.scales[name]] * 2
    for column in panel.barriers.columns:
        names.append(_key("barrier", column))
        columns.append(panel.barriers[column].to_numpy(dtype=float))
        scales.append((np.nan, np.nan))
    multi = panel.schema.barriers.multi if panel.schema.barriers is not None else None
    if multi:  # who was asked: the base of answers this partition may not hold (_fill_multi)
        answers = [c for c in panel.barriers.columns if c.startswith(f"{multi}=")]
        asked = (panel.barriers[answers].notna().any(axis=1).to_numpy() if answers
                 else np.zeros(n, dtype=bool))
        names.append(_key("asked", multi))
        columns.append(np.where(asked, 0.0, np.nan))
        scales.append((np.nan, np.nan))
    for tier in panel.schema.tier_names + [UNCLASSIFIED]:
        names.append(_key("tier", tier))
        columns.append((tiers == tier).astype(float))
        scales.append((np.nan, np.nan))
    return names, np.column_stack(columns), np.array(scales, dtype=float)


def _key(*parts: str) -> str:
    return _SEP.join(parts)


def _partition_stats(frame: pd.DataFrame, predictor: NoncustomersModel | Schema, plan: _Plan,
                     partition_info: dict | None = None) -> pd.DataFrame:
    """Per group and measure: the sums one partition adds to the figures."""
    if len(frame) == 0:
        return _empty_stats()
    model = predictor if isinstance(predictor, NoncustomersModel) else None
    panel = _partition_panel(frame, plan, _number(partition_info))
    if model is not None:
        placed = _placed(panel, model)
        tiers, segments = placed["tier"].to_numpy(), placed["segment"].to_numpy()
    else:
        tiers, segments = assign_tiers(panel).to_numpy(), None
    names, X, scales = _measures(panel, tiers)
    groups = [("all", np.ones(len(panel), dtype=bool))]
    groups += [(_key("tier", t), tiers == t) for t in pd.unique(tiers)]
    if segments is not None:
        groups += [(_key("segment", s), segments == s) for s in pd.unique(segments)]
    w = np.asarray(panel.weights, dtype=float)
    blocks = []
    for group, mask in groups:
        Xg, wg = X[mask], w[mask]
        ok = ~np.isnan(Xg)
        W = np.where(ok, wg[:, None], 0.0)
        Xz = np.where(ok, Xg, 0.0)
        W2 = W * wg[:, None]
        s2, s2x = W2.sum(axis=0), (W2 * Xz).sum(axis=0)
        # Deviations from this partition's own w^2-weighted mean: all positive terms, merged
        # exactly across partitions by _merge (Chan, Golub & LeVeque).
        centre = np.divide(s2x, s2, out=np.zeros_like(s2), where=s2 > 0)
        c2 = (W2 * (Xz - centre) ** 2).sum(axis=0)
        blocks.append(pd.DataFrame({
            "cnt": ok.sum(axis=0).astype(float), "sw": W.sum(axis=0),
            "swx": (W * Xz).sum(axis=0), "s2": s2, "s2x": s2x, "c2": c2,
            "lo_min": scales[:, 0], "lo_max": scales[:, 0],
            "hi_min": scales[:, 1], "hi_max": scales[:, 1]},
            index=pd.MultiIndex.from_product([[group], names], names=["group", "measure"])))
    return pd.concat(blocks)


def _empty_stats() -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays([pd.Index([], dtype=object)] * 2,
                                      names=["group", "measure"])
    return pd.DataFrame({c: pd.Series(dtype=float) for c in _STATS}, index=index)


def _merge(stats: pd.DataFrame) -> pd.DataFrame:
    """Combine partial sums of the same (group, measure): sums add; the centred sum of
    squares adds each part's ``s2 (centre_i - centre)^2`` (Chan, Golub & LeVeque 1979)."""
    if stats.empty or stats.index.is_unique:
        return stats
    by = stats.groupby(level=[0, 1], sort=False)
    out = by[["cnt", "sw", "swx", "s2", "s2x"]].sum()
    own = np.divide(stats["s2x"], stats["s2"], out=np.zeros(len(stats)),
                    where=stats["s2"].to_numpy() > 0)
    s2, s2x = by["s2"].transform("sum").to_numpy(), by["s2x"].transform("sum").to_numpy()
    pooled = np.divide(s2x, s2, out=np.zeros(len(stats)), where=s2 > 0)
    shifted = stats["c2"] + stats["s2"] * (own - pooled) ** 2
    out["c2"] = shifted.groupby(level=[0, 1], sort=False).sum()
    out["lo_min"], out["lo_max"] = by["lo_min"].min(), by["lo_max"].max()
    out["hi_min"], out["hi_max"] = by["hi_min"].min(), by["hi_max"].max()
    return out[_STATS]


_ZERO = dict.fromkeys(_STATS, 0.0)


def _fill_multi(rows: dict[tuple[str, str], dict], multi: str) -> None:
    """Give every multi-response answer its whole base in every group.

    The answers a partition holds are its own columns, so a partition where nobody gave
    answer X has no X column, though its asked respondents count in X's base with 0.  Those
    rows are the asked base less X's: added here as a part with x = 0, merged like any other.
    """
    asked = _key("asked", multi)
    answers = {m for _, m in rows if m.startswith(_key("barrier", f"{multi}="))}
    keys, parts = [], []
    for group in {g for g, _ in rows}:
        base = rows.get((group, asked))
        if base is None:
            continue
        for answer in answers:
            have = rows.get((group, answer), _ZERO)
            rest = {**_ZERO, "cnt": base["cnt"] - have["cnt"], "sw": base["sw"] - have["sw"],
                    "s2": base["s2"] - have["s2"]}
            if rest["cnt"] > 0:
                keys += [(group, answer)] * 2
                parts += [have, rest]
    if parts:
        merged = _merge(pd.DataFrame(parts, index=pd.MultiIndex.from_tuples(keys))[_STATS])
        for key, values in zip(merged.index, merged.to_numpy()):
            rows[key] = {**rows.get(key, _ZERO), **dict(zip(_STATS[:6], values[:6]))}


def _mean_interval(r: dict) -> tuple[float, float, float]:
    """Weighted mean and its 95% Taylor interval from the sums (as ``mean_interval``)."""
    n, total = r["cnt"], r["sw"]
    mean = r["swx"] / total if total > 0 else math.nan
    if n < 2 or total <= 0:
        return mean, math.nan, math.nan
    half = Z95 * math.sqrt(_taylor(r, mean))
    return mean, mean - half, mean + half


def _taylor(r: dict, mean: float) -> float:
    """``n/(n-1) sum w^2 (x - mean)^2 / (sum w)^2`` from the merged sums
    (:func:`~noncustomers.analytics.weighted.taylor_variance`)."""
    n = r["cnt"]
    centre = r["s2x"] / r["s2"] if r["s2"] > 0 else 0.0
    squares = r["c2"] + r["s2"] * (centre - mean) ** 2
    return n / (n - 1) * squares / r["sw"] ** 2


def _share_interval(r: dict) -> tuple[float, float, float]:
    """A weighted share with its 95% interval from the sums.

    Written here because :func:`~noncustomers.analytics.weighted.taylor_share_interval`
    takes the answers themselves: this is its effective base (Korn & Graubard, capped at
    the number of answers, Kish's base when the share is 0 or 1) from sums, then the same
    :func:`~noncustomers.analytics.weighted.share_interval`.
    """
    n, total = r["cnt"], r["sw"]
    share = r["swx"] / total if total > 0 else math.nan
    if n == 0 or total <= 0:
        n_eff = 0.0
    else:
        variance = _taylor(r, share) if n >= 2 else math.nan
        if not 0 < share < 1 or not variance > 0:
            n_eff = min(_kish(r), n)
        else:
            n_eff = min(share * (1 - share) / variance, n)
    return (share, *share_interval(share, n_eff))


def _kish(r: dict) -> float:
    return r["sw"] ** 2 / r["s2"] if r["s2"] > 0 else 0.0


def _figures(total: pd.DataFrame, source: PanelSource,
             model: NoncustomersModel | None) -> ClusterFigures:
    schema = source.schema
    rows = {key: dict(zip(_STATS, values))
            for key, values in zip(total.index, total[_STATS].to_numpy())}
    _check_scales(rows, source)
    if schema.barriers is not None and schema.barriers.multi:
        _fill_multi(rows, schema.barriers.multi)

    def get(group: str, measure: str) -> dict:
        return rows.get((group, measure), _ZERO)

    everyone = get("all", _ROWS)
    if everyone["cnt"] == 0:
        raise DataError(f"{source.path}: the file has a header but no data rows")
    tiers = {}
    for tier in schema.tier_names + [UNCLASSIFIED]:
        share, lo, hi = _share_interval(get("all", _key("tier", tier)))
        members = get(_key("tier", tier), _ROWS)
        tiers[tier] = {"n": int(members["cnt"]), "weighted_n": members["sw"], "share": share,
                       "share_lo": lo, "share_hi": hi, "n_eff": _kish(members),
                       "low_base": bool(_kish(members) < LOW_BASE)}
    tier_table = pd.DataFrame.from_dict(tiers, orient="index").rename_axis("tier")
    notes = []
    derived = [name for name, a in schema.attributes.items()
               if schema.importance_from and a.importance is None and a.performance]
    if derived:
        notes.append(f"derived importance ([importance] derived_from) is not computed on a "
                     f"cluster: the importance of {', '.join(derived)} is left empty; run "
                     "analyze on a sample for it")
    gaps = _gaps(get, _groups(rows, schema, model), schema)
    return ClusterFigures(int(everyone["cnt"]), everyone["sw"], _kish(everyone), tier_table,
                          gaps, _commonalities(get, rows, source), notes)


def _check_scales(rows: dict[tuple[str, str], dict], source: PanelSource) -> None:
    """An attribute without a schema scale is rescaled on the range its answers show: the
    partitions must agree on it, or their 0-10 figures would not add up."""
    for (group, measure), r in rows.items():
        if group != "all" or not measure.startswith(_key("mean", "")):
            continue
        if r["lo_min"] != r["lo_max"] or r["hi_min"] != r["hi_max"]:
            name = measure.split(_SEP)[1]
            raise DataError(f"{source.path}: attribute '{name}' has no scale in the schema and "
                            f"its answers span different ranges in different partitions (from "
                            f"{r['lo_min']:g} to {r['hi_max']:g} in all); add scale = [low, "
                            "high] to it in the schema")


def _groups(rows: dict[tuple[str, str], dict], schema: Schema,
            model: NoncustomersModel | None) -> dict[str, str]:
    """Group name -> stats key, in the order and with the names of
    :func:`~noncustomers.analytics.gaps.group_masks`: all, each tier, each segment."""
    def present(key: str) -> bool:
        return rows.get((key, _ROWS), _ZERO)["cnt"] > 0

    order = schema.tier_names + ([UNCLASSIFIED] if present(_key("tier", UNCLASSIFIED))
                                 else [])
    groups = {"all": "all"}
    for tier in order:
        groups[tier] = _key("tier", tier)
    if model is None:
        return groups
    segments = [g.split(_SEP, 1)[1] for g, m in rows if m == _ROWS and g.startswith(
        _key("segment", "")) and present(g)]
    for tier in order:
        # Rows of a tier the model has no segments for are in the segment "unclassified".
        segs = {s for s in segments if segment_tier(s) == tier}
        if tier not in model.segments.names and present(_key("tier", tier)):
            segs.add(UNCLASSIFIED)
        for seg in sorted(segs - {tier}, key=lambda s, t=tier: segment_order(s, t)):
            groups[seg] = _key("segment", seg)
    return groups


def _gaps(get: Any, groups: dict[str, str], schema: Schema) -> pd.DataFrame:
    """The gaps table from the sums, as :func:`~noncustomers.analytics.gaps.attribute_gaps`
    makes it from the answers (crosshair at the midpoint)."""
    table = []
    for group, key in groups.items():
        members = get(key, _ROWS)
        n = int(members["cnt"])
        for name, attr in schema.attributes.items():
            stats: dict[str, float] = {}
            for kind in ("importance", "performance"):
                if getattr(attr, kind) is None or n == 0:
                    stats[kind] = stats[f"{kind}_t2b"] = math.nan
                    stats[f"{kind}_lo"] = stats[f"{kind}_hi"] = math.nan
                    continue
                mean, lo, hi = _mean_interval(get(key, _key("mean", name, kind)))
                top = get(key, _key("top", name, kind))
                stats[kind], stats[f"{kind}_lo"], stats[f"{kind}_hi"] = mean, lo, hi
                stats[f"{kind}_t2b"] = (top["swx"] / top["sw"] * 10.0 if top["sw"] > 0
                                        else math.nan)
            imp, perf = stats["importance_t2b"], stats["performance_t2b"]
            n_eff = _kish(members)
            table.append({
                "group": group, "attribute": name,
                "importance": stats["importance"], "performance": stats["performance"],
                "gap": stats["importance"] - stats["performance"],
                "importance_t2b": imp, "performance_t2b": perf,
                "opportunity": (imp + max(imp - perf, 0.0)
                                if not (math.isnan(imp) or math.isnan(perf)) else math.nan),
                "n": n, "weighted_n": float(members["sw"]), "n_eff": n_eff,
                **{k: stats[k] for k in ("importance_lo", "importance_hi", "performance_lo",
                                         "performance_hi")},
                "low_base": bool(n_eff < LOW_BASE),
                "quadrant": quadrant(stats["importance"], stats["performance"]),
                "opportunity_band": opportunity_band(
                    imp + max(imp - perf, 0.0) if not (math.isnan(imp) or math.isnan(perf))
                    else math.nan),
                "importance_source": "stated" if attr.importance is not None else "",
            })
    return pd.DataFrame(table, columns=GAP_COLUMNS)


def _commonalities(get: Any, rows: dict[tuple[str, str], dict],
                   source: PanelSource) -> pd.DataFrame:
    """The commonalities table from the sums.

    Written here because :func:`~noncustomers.analytics.commonalities.commonalities`
    takes a panel's answers; this is the same table (columns, floor, peak, evenness,
    breadth, reach, rank and their order) from the per-tier sums.
    """
    schema = source.schema
    spec = schema.barriers
    items: list[tuple[str, str, str, str]] = []  # kind, item, label, measure
    if spec is not None:
        for column in schema.barrier_columns(list(source.needed)):
            items.append(("barrier", column, spec.labels.get(column) or column,
                          _key("barrier", column)))
        if spec.multi:
            prefix = _key("barrier", f"{spec.multi}=")
            for measure in sorted({m for _, m in rows if m.startswith(prefix)}):
                name = measure.split(_SEP, 1)[1]
                answer = name[len(spec.multi) + 1:]
                items.append(("barrier", name, spec.labels.get(answer)
                              or spec.labels.get(name) or answer, measure))
    for name, attr in schema.attributes.items():
        if attr.importance is not None:
            items.append(("need", name, attr.display, _key("top", name, "importance")))
    sizes = {t: get(_key("tier", t), _ROWS)["sw"] for t in NON_CUSTOMER_TIERS}
    table = []
    for kind, item, label, measure in items:
        prevalence, interval, low = {}, {}, []
        for tier in NON_CUSTOMER_TIERS:
            r = get(_key("tier", tier), measure)
            share, lo, hi = _share_interval(r)
            prevalence[tier], interval[tier] = share, (lo, hi)
            if r["cnt"] > 0 and _kish(r) < LOW_BASE:
                low.append(tier)
        table.append(commonality_row(kind, item, label, prevalence, interval, low, sizes))
    return ranked_commonalities(table)
