"""Saved models: predict on the training panel reproduces the assignments; unsafe files refused."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from noncustomers.cli import main
from noncustomers.model import load_model


@pytest.fixture(scope="module")
def trained(gym_panel_path, gym_schema_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("trained")
    model = out / "gym.model"
    assert main(["analyze", str(gym_panel_path), "--schema", str(gym_schema_path), "--out",
                 str(out), "--save-model", str(model), "--stability-runs", "0"]) == 0
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
    with pytest.raises(Exception, match="refusing to load type 'os"):
        load_model(tampered)
