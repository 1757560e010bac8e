"""Saved models: place new respondents into tier and segment.

A model file holds the schema text (tier rules, basis columns) and the fitted
per-tier segmentation pipelines, written with skops rather than pickle: loading
a pickle runs whatever code the file names, so a model file from someone else
could take over the machine.  :func:`load_model` reads only types from
noncustomers, scikit-learn, NumPy, SciPy and StepMix, and refuses any other
with a clear message.
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
TRUSTED_PREFIXES = ("noncustomers.", "sklearn.", "numpy.", "scipy.", "stepmix.", "builtins.",
                    "collections.")


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
        return pd.DataFrame({panel.schema.id: panel.ids.to_numpy(), "tier": tiers.to_numpy(),
                             "segment": segments.to_numpy()})


def save_model(segments: SegmentModel, schema_text: str, path: str | Path) -> Path:
    """Write a model file (skops format)."""
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
    sio.dump(state, path)
    return path


def load_model(path: str | Path) -> NoncustomersModel:
    """Read a model file, refusing any type outside the trusted libraries."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise NoncustomersError(f"{path}: no such model file")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises several types for a file that is not its own
        raise NoncustomersError(f"{path}: not a noncustomers model file ({exc})") from None
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise NoncustomersError(f"{path}: refusing to load type '{refused[0]}', which is not "
                                "from noncustomers, scikit-learn, NumPy, SciPy or StepMix")
    state = sio.load(path, trusted=untrusted)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise NoncustomersError(f"{path}: not a noncustomers model file")
    names = {tier: {int(raw): name for raw, name in pairs}
             for tier, pairs in state["names"].items()}
    segments = SegmentModel(list(state["columns"]), dict(state["pipelines"]), names)
    return NoncustomersModel(state["schema_text"], segments, str(path))
