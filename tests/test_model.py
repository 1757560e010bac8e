"""Saved models: predict on the training panel reproduces the assignments; unsafe files refused."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noncustomers import analyze
from noncustomers.cli import main
from noncustomers.errors import NoncustomersError
from noncustomers.model import MODEL_TYPES, file_types, load_model, save_model
from noncustomers.panel import panel_from_frame
from noncustomers.schema import parse_schema


@pytest.fixture(scope="module")
def trained(gym_panel_path, gym_schema_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained")
    model = out / "gym.model"
    assert main(["analyze", str(gym_panel_path), "--schema", str(gym_schema_path), "--out",
                 str(out), "--save-model", str(model), "--stability-runs", "0",
                 "--curve-resamples", "0"]) == 0
    return out, model


def test_assign_on_the_training_panel_reproduces_the_assignments(trained, gym_panel_path,
                                                                  tmp_path):
    out, model = trained
    assert main(["assign", str(gym_panel_path), "--model", str(model), "--out",
                 str(tmp_path)]) == 0
    original = pd.read_csv(out / "assignments.csv")[["respondent_id", "tier", "segment"]]
    placed = pd.read_csv(tmp_path / "assignments.csv")
    pd.testing.assert_frame_equal(original, placed)


def test_model_places_new_respondents_through_the_api(trained, gym_panel_path):
    _, path = trained
    model = load_model(path)
    panel = model.read(gym_panel_path)
    few = model.predict(panel).head(3)
    assert list(few.columns) == ["respondent_id", "tier", "segment"]
    assert all(seg.startswith(tier) for tier, seg in zip(few["tier"], few["segment"]))


def test_a_file_that_is_not_a_model_is_refused(tmp_path, gym_panel_path, capsys):
    bad = tmp_path / "bad.model"
    bad.write_text("not a model")
    assert main(["assign", str(gym_panel_path), "--model", str(bad), "--out",
                 str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a noncustomers model file" in err[0]
    assert not (tmp_path / "o").exists()


def test_untrusted_types_are_refused(trained, tmp_path, capsys):
    _, path = trained
    # Rewrite the schema entry's type to a module outside the trusted libraries.
    tampered = tmp_path / "tampered.model"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "schema.json":
                data = data.replace(b'"__module__": "builtins"', b'"__module__": "os"', 1)
            dst.writestr(item, data)
    with pytest.raises(NoncustomersError, match="refusing to load the type 'os"):
        load_model(tampered)


# ---- crafted files: every route by which a tampered model ran code before ----------------

def _json(value) -> dict:
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}


def _call(module: str, name: str, *args) -> dict:
    """A skops node that makes the loader call ``module.name(*args)``."""
    return {"__class__": name, "__module__": module, "__loader__": "ConstructorFromReduceNode",
            "content": {"__class__": "tuple", "__module__": "builtins",
                        "__loader__": "TupleNode", "content": [_json(a) for a in args]}}


def _craft(model: Path, out: Path, node: dict) -> Path:
    """``model`` with its "format" entry replaced by ``node`` (a well-formed skops file)."""
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "schema.json":
                schema = json.loads(data)
                schema["content"]["format"] = node
                data = json.dumps(schema).encode()
            dst.writestr(item, data)
    return out


class _OpensAFile:
    """Unpickling this creates ``path``: the payload of the numpy.load route."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("route", ["exec", "eval", "open", "numpy.load", "builtin-loader"])
def test_crafted_model_files_never_run_code(trained, tmp_path, route, gym_panel_path, capsys):
    _, path = trained
    marker = tmp_path / "ran"
    pickled = tmp_path / "payload.pkl"
    pickled.write_bytes(pickle.dumps(_OpensAFile(str(marker))))
    node = {
        "exec": _call("builtins", "exec", f"open({str(marker)!r}, 'w')"),
        "eval": _call("builtins", "eval", f"open({str(marker)!r}, 'w')"),
        "open": _call("builtins", "open", str(marker), "w"),
        # no builtins type at all: numpy.load(file, mmap_mode=None, allow_pickle=True)
        "numpy.load": _call("numpy", "load", str(pickled), None, True),
        # a trusted type name under a loader that calls it with arguments from the file
        "builtin-loader": _call("builtins", "str", "x"),
    }[route]
    crafted = _craft(path, tmp_path / f"{route}.model", node)
    code = main(["assign", str(gym_panel_path), "--model", str(crafted), "--out",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "refusing to load the type" in err[0], err
    assert not marker.exists(), f"the {route} route ran code"
    assert not (tmp_path / "o").exists()


def test_a_model_nested_deep_or_with_a_deep_rule_is_refused_in_one_line(trained, tmp_path,
                                                                        gym_panel_path,
                                                                        capsys):
    _, path = trained
    level = '{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": ['
    deep = level * 5000 + "]}" * 5000
    nested = _craft(path, tmp_path / "nested.model", {"placeholder": True})
    with zipfile.ZipFile(nested) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(nested, "w") as dst:
        for item, data in items:
            if item.filename == "schema.json":
                data = data.replace(b'{"placeholder": true}', deep.encode())
            dst.writestr(item, data)
    assert main(["assign", str(gym_panel_path), "--model", str(nested), "--out",
                 str(tmp_path / "o")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1

    # A model saved with a rule nested 300 levels deep (written by an older version).
    from noncustomers.model import NoncustomersModel

    model = load_model(path)
    text = (gym_panel_path.parent / "gym_schema.toml").read_text(encoding="utf-8")
    hostile = text.replace('customers  = "', 'customers  = "' + "(" * 300, 1)
    import skops.io as sio

    state = {"format": "noncustomers-model/1", "schema_text": hostile,
             "columns": model.segments.columns, "pipelines": model.segments.pipelines,
             "names": {t: [[int(r), n] for r, n in names.items()]
                       for t, names in model.segments.names.items()}}
    sio.dump(state, tmp_path / "deep-rule.model")
    assert main(["assign", str(gym_panel_path), "--model", str(tmp_path / "deep-rule.model"),
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nests more than 50 levels" in err[0], err
    assert NoncustomersModel  # imported for the type only


def _method_panel(kind: str, n: int = 240):
    """A small panel whose basis is binary, categorical (0-4) or continuous."""
    rng = np.random.default_rng(3)
    group = rng.integers(0, 2, n)
    if kind == "binary":
        basis = (rng.random((n, 4)) < np.where(group[:, None] == 1, 0.85, 0.15)).astype(float)
    elif kind == "categorical":
        basis = np.clip(np.round(rng.normal(1 + 2 * group[:, None], 0.7, (n, 4))), 0, 4)
    else:
        basis = rng.normal(3 * group[:, None], 1.0, (n, 4))
    frame = pd.DataFrame(basis, columns=[f"b{i}" for i in range(4)])
    frame.insert(0, "rid", [f"r{i}" for i in range(n)])
    frame["visits"] = rng.integers(0, 6, n)
    return panel_from_frame(frame, parse_schema(_METHOD_SCHEMA))


_METHOD_SCHEMA = """id = "rid"
[tiers]
customers = "visits >= 3"
unexplored = "true"
[segmentation]
basis = ["b*"]
k = 2
"""


def _longest_table(obj, seen=None) -> int:
    """The most rows of any 2-D NumPy array reachable from ``obj``'s attributes."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.shape[0] if obj.ndim >= 2 else 0
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    elif hasattr(obj, "__dict__"):
        children = list(vars(obj).values())
    else:
        return 0
    return max([0] + [_longest_table(child, seen) for child in children])


def test_the_trusted_types_are_exactly_what_save_model_writes(tmp_path):
    """MODEL_TYPES is computed from what is saved: every built-in method and latent-class
    measurement; a type in the list that no saved model holds fails this test too."""
    written: set[tuple[str, str]] = set()
    runs = [(m, "continuous") for m in ("kmeans", "gmm", "hdbscan", "agglomerative")]
    runs += [("latent-class", kind) for kind in ("binary", "categorical", "continuous")]
    for method, kind in runs:
        result = analyze(_method_panel(kind), seed=0, method=method, map=None,
                         stability_runs=0, driver_boot=0)
        path = save_model(result.model, _METHOD_SCHEMA, tmp_path / f"{method}-{kind}.model")
        written |= file_types(path)
        loaded = load_model(path)
        assert loaded.segments.columns == ["b0", "b1", "b2", "b3"]
        # no respondent's answers kept in the model: no table of rows longer than a
        # segment summary (labels, a 1-D array, are kept as scikit-learn's labels_)
        for pipeline in loaded.segments.pipelines.values():
            assert _longest_table(pipeline) < 20, (method, kind)
    assert written == set(MODEL_TYPES)


def test_a_custom_clusterer_is_not_saved_in_a_file_assign_would_refuse(tmp_path):
    from sklearn.cluster import MiniBatchKMeans

    result = analyze(_method_panel("continuous"), seed=0,
                     clusterer=MiniBatchKMeans(n_clusters=2, random_state=0),
                     map=None, stability_runs=0, driver_boot=0)
    with pytest.raises(NoncustomersError, match="cannot save this model: it holds the type "
                                                "'sklearn.cluster._kmeans.MiniBatchKMeans'"):
        save_model(result.model, _METHOD_SCHEMA, tmp_path / "custom.model")
    assert list(tmp_path.iterdir()) == []  # neither the model nor its temporary file
