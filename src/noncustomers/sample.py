"""Where the bundled sample panel (a synthetic gym market) lives."""

from __future__ import annotations

from pathlib import Path

__all__ = ["sample_paths"]

_REPO = Path(__file__).resolve().parents[2] / "sample_data"
_PACKAGED = Path(__file__).resolve().parent / "_sample"


def sample_paths() -> tuple[Path, Path]:
    """(panel, schema) of the sample: from the checkout, else from the installed package."""
    for folder in (_REPO, _PACKAGED):
        panel, schema = folder / "gym_panel.csv", folder / "gym_schema.toml"
        if panel.is_file() and schema.is_file():
            return panel, schema
    raise FileNotFoundError("the sample panel is not installed; run "
                            "`python sample_data/generate_gym_panel.py` in a checkout")

