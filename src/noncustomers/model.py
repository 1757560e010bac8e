"""Saved models: place new respondents into tier and segment.

A model file holds the schema text (tier rules, basis columns) and the fitted
per-tier segmentation pipelines, written with skops rather than pickle: loading
a pickle runs whatever code the file names, so a model file from someone else
could take over the machine.

skops itself only refuses types it does not trust, and it trusts whatever the
caller lists: a type name is something it will import and call with arguments
taken from the file.  So :func:`load_model` trusts an exact list of type names,
:data:`MODEL_TYPES`: the types that :func:`save_model` writes for the built-in
segmentation methods, nothing more (no prefixes such as ``numpy.``, which would
admit ``numpy.load``; no ``builtins`` beyond str/int/float/bool/list/dict/tuple).
Before skops sees the file, every node of its schema is checked against that
list, including the types skops would trust on its own (any scikit-learn
estimator, any NumPy ufunc); :func:`save_model` runs the same check on what it
has just written, so what it saves is always what it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from noncustomers.errors import NoncustomersError
from noncustomers.panel import Panel, read_panel
from noncustomers.schema import Schema, parse_schema
from noncustomers.segmentation import SegmentModel, basis_matrix
from noncustomers.tiers import assign_tiers

__all__ = ["NoncustomersModel", "load_model", "save_model"]

FORMAT = "noncustomers-model/1"

#: Every (type, skops loader) pair a model file may hold: what :func:`save_model` writes
#: for the built-in methods (k-means, Gaussian mixture, latent class with binary,
#: categorical or continuous items, HDBSCAN, Ward), each a ChooseK around its clusterer.
#: Ward and HDBSCAN place new respondents by ChooseK's centroids: their fitted
#: clusterers (HDBSCAN's holds the training rows) are never kept.  tests/test_model.py saves a model
#: with each of them and checks that this list is exactly what they write.
MODEL_TYPES: frozenset[tuple[str, str]] = frozenset({
    ("builtins.dict", "DictNode"),
    ("builtins.list", "ListNode"),
    ("builtins.tuple", "TupleNode"),
    ("builtins.str", "JsonNode"),      # JSON scalars: str, int, float, bool, None
    ("builtins.str", "TypeNode"),      # the key type of a saved dict
    ("numpy.dtype", "DTypeNode"),
    ("numpy.ndarray", "NdArrayNode"),  # read by skops with allow_pickle=False
    ("numpy.float64", "NdArrayNode"),
    ("numpy.random.mtrand.RandomState", "RandomStateNode"),
    ("sklearn.pipeline.Pipeline", "ObjectNode"),
    ("sklearn.impute._base.SimpleImputer", "ObjectNode"),
    ("sklearn.preprocessing._data.StandardScaler", "ObjectNode"),
    ("sklearn.cluster._kmeans.KMeans", "ObjectNode"),
    ("sklearn.cluster._agglomerative.AgglomerativeClustering", "ObjectNode"),  # unfitted
    ("sklearn.mixture._gaussian_mixture.GaussianMixture", "ObjectNode"),
    ("stepmix.stepmix.StepMix", "ObjectNode"),
    ("stepmix.emission.categorical.BernoulliNan", "ObjectNode"),
    ("stepmix.emission.categorical.MultinoulliNan", "ObjectNode"),
    ("stepmix.emission.gaussian.GaussianDiagNan", "ObjectNode"),
    ("noncustomers.segmentation.selection.ChooseK", "ObjectNode"),
    ("noncustomers.segmentation.estimators.LatentClass", "ObjectNode"),
    ("noncustomers.segmentation.estimators.DensitySegmenter", "ObjectNode"),  # unfitted
})

#: The type names alone, as skops's ``trusted=`` takes them.
TRUSTED_TYPES: tuple[str, ...] = tuple(sorted({name for name, _ in MODEL_TYPES}))

_MAX_SCHEMA_BYTES = 64 * 1024 * 1024  # a model's schema.json is a few hundred kB


@dataclass
class NoncustomersModel:
    """Tier rules plus fitted segment pipelines.

    Examples
    --------
    >>> model = load_model("gym.model")                            # doctest: +SKIP
    >>> model.predict(read_panel("new.csv", model.schema))         # doctest: +SKIP
    """

    schema_text: str
    segments: SegmentModel
    source: str = "model"

    @property
    def schema(self) -> Schema:
        return parse_schema(self.schema_text, source=f"{self.source} (schema)")

    def read(self, path: str | Path) -> Panel:
        """Read a new panel with the model's schema."""
        return read_panel(path, self.schema)

    def predict(self, panel: Panel) -> pd.DataFrame:
        """Tier and segment of every respondent of ``panel``, in its row order."""
        tiers = assign_tiers(panel)
        segments = self.segments.predict(basis_matrix(panel), tiers)
        return pd.DataFrame({panel.id_name: panel.ids.to_numpy(), "tier": tiers.to_numpy(),
                             "segment": segments.to_numpy()})


def file_types(path: str | Path) -> set[tuple[str, str]]:
    """Every ``(type, loader)`` pair named in a skops file, found without loading it.

    Reads the file's ``schema.json`` as plain JSON and walks it iteratively (a file
    nested thousands of levels deep is answered, not a recursion crash).

    Raises
    ------
    NoncustomersError
        When the file is not a skops archive.
    """
    import json
    import zipfile

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("schema.json")
            if info.file_size > _MAX_SCHEMA_BYTES:
                raise NoncustomersError(f"{path}: not a noncustomers model file (its schema "
                                        "is implausibly large)")
            schema = json.loads(archive.read(info))
    except NoncustomersError:
        raise
    except (OSError, KeyError, ValueError, RecursionError, zipfile.BadZipFile) as exc:
        raise NoncustomersError(f"{path}: not a noncustomers model file "
                                f"({exc.__class__.__name__})") from None
    found: set[tuple[str, str]] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node or "__loader__" in node:
                found.add((f"{node.get('__module__')}.{node.get('__class__')}",
                           str(node.get("__loader__"))))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _refused(types: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(types - MODEL_TYPES)


def save_model(segments: SegmentModel, schema_text: str, path: str | Path) -> Path:
    """Write a model file (skops format) that :func:`load_model` will accept.

    The file is written beside ``path`` and moved into place once complete; a
    segmentation whose types :func:`load_model` would refuse (a custom clusterer)
    is not written at all.

    Raises
    ------
    NoncustomersError
        When the model holds a type outside :data:`MODEL_TYPES`.
    """
    import os
    import tempfile

    import skops.io as sio

    path = Path(path)
    state = {
        "format": FORMAT,
        "schema_text": schema_text,
        "columns": list(segments.columns),
        "pipelines": dict(segments.pipelines),
        # skops keeps str-keyed dicts; raw cluster labels are ints, so store pairs.
        "names": {tier: [[int(raw), name] for raw, name in names.items()]
                  for tier, names in segments.names.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        try:
            sio.dump(state, tmp)
        except Exception as exc:  # skops cannot serialise some estimators at all
            raise NoncustomersError(f"{path}: cannot save this model ({exc})") from None
        refused = _refused(file_types(tmp))
        if refused:
            raise NoncustomersError(
                f"{path}: cannot save this model: it holds the type '{refused[0][0]}', which "
                "`noncustomers assign` would refuse to load; only the built-in segmentation "
                "methods can be saved")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_model(path: str | Path) -> NoncustomersModel:
    """Read a model file, refusing any type outside :data:`MODEL_TYPES`.

    Raises
    ------
    NoncustomersError
        When the file is not a model file, names any other type, or holds a
        malformed model.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise NoncustomersError(f"{path}: no such model file")
    refused = _refused(file_types(path))
    if refused:
        name, loader = refused[0]
        raise NoncustomersError(
            f"{path}: refusing to load the type '{name}' ({loader}): a model file holds only "
            "the types that `noncustomers analyze --save-model` writes")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # skops raises several types for a file that is not its own
        raise NoncustomersError(f"{path}: not a noncustomers model file "
                                f"({exc.__class__.__name__})") from None
    if untrusted - set(TRUSTED_TYPES):  # skops sees a type our walk did not: refuse it too
        raise NoncustomersError(f"{path}: refusing to load the type "
                                f"'{sorted(untrusted - set(TRUSTED_TYPES))[0]}'")
    try:
        state = sio.load(path, trusted=sorted(untrusted))
    except Exception as exc:  # a tampered file can fail anywhere inside skops
        raise NoncustomersError(f"{path}: not a valid noncustomers model file "
                                f"({exc.__class__.__name__})") from None
    return _model_from_state(state, path)


def _model_from_state(state: object, path: Path) -> NoncustomersModel:
    bad = NoncustomersError(f"{path}: not a noncustomers model file")
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise bad
    columns, pipelines, names = state.get("columns"), state.get("pipelines"), state.get("names")
    schema_text = state.get("schema_text")
    if not (isinstance(schema_text, str) and isinstance(columns, list)
            and all(isinstance(c, str) for c in columns) and isinstance(pipelines, dict)
            and isinstance(names, dict)):
        raise bad
    try:
        names = {str(tier): {int(raw): str(name) for raw, name in pairs}
                 for tier, pairs in names.items()}
    except (TypeError, ValueError):
        raise bad from None
    model = NoncustomersModel(schema_text, SegmentModel(list(columns), dict(pipelines), names),
                              str(path))
    _ = model.schema  # parse now: a broken or hostile schema is refused here, not mid-run
    return model
