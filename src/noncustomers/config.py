"""AnalysisConfig: every setting of a run, validated once, saved as ``config.toml``.

One frozen object holds what changes a result: the schema (its whole text), the seed,
the default k and method and each tier's own, the map, the bootstrap counts, the ERRC
thresholds, the prize margin and a value curve of your own.  :func:`~noncustomers.analyze`
runs on it; the CLI builds it from its options; the app from its sidebar.  Every output
folder holds it as ``config.toml``, so that::

    noncustomers analyze PANEL --config DIR/config.toml --out NEW

replays the run with byte-identical files (options given on that line override the
file's values).

Examples
--------
>>> config = AnalysisConfig.from_schema(load_schema("schema.toml"), seed=3, k=4)  # doctest: +SKIP
>>> result = analyze(read_panel("panel.csv", config.schema), config)              # doctest: +SKIP
>>> AnalysisConfig.read("out/config.toml") == config                              # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from noncustomers.analytics.canvas import PROPOSED_CURVE
from noncustomers.analytics.errc import ErrcRules
from noncustomers.analytics.prize import DEFAULT_MARGIN, DEFAULT_RESAMPLES
from noncustomers.embedding import MAP_METHODS
from noncustomers.errors import (NoncustomersError, Problems, RuleError, closest,
                                 collect_problems)
from noncustomers.limits import MAX_SEED
from noncustomers.rules import parse_rule
from noncustomers.schema import Schema, parse_schema
from noncustomers.segmentation.methods import METHODS
from noncustomers.segmentation.stability import DEFAULT_RUNS
from noncustomers.vocabulary import TIERS

__all__ = ["AnalysisConfig", "CONFIG_FORMAT", "ConfigError"]

CONFIG_FORMAT = 1  # config.toml layout version; see CHANGELOG.md
MAX_RUNS = 10_000  # bootstrap counts above this are a typo, not a plan
DEFAULT_DRIVER_BOOT = 50
_RUN_KEYS = ("seed", "k", "method", "map", "stability_runs", "prize_margin", "curve_resamples",
             "driver_boot", "where", "weighted")


class ConfigError(NoncustomersError, ValueError):
    """A setting of a run is out of range, unknown or inconsistent."""


def _whole(value: Any, lo: int, hi: int) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi)


def _k_ok(value: Any) -> bool:
    return value == "auto" or _whole(value, 1, 10_000)


@dataclass(frozen=True)
class AnalysisConfig:
    """Every setting of one run, validated when built (all problems at once).

    Build it with :meth:`from_schema` (the schema's settings plus your overrides) or
    :meth:`read` (a ``config.toml``); change it with :meth:`replace`.

    Attributes
    ----------
    schema : Schema
        The schema (with its TOML text, which ``config.toml`` embeds).
    seed : int
        Seeds every random step, 0 to 2**32 - 1.
    k : int or "auto"
        Segments per tier, unless the tier has its own.
    method : str
        Segmentation method (a name of :data:`noncustomers.segmentation.METHODS`),
        unless the tier has its own.
    tier_settings : mapping
        tier -> ``{"k": ..., "method": ...}``: the schema's ``[segmentation.tiers]``
        with your overrides.
    map : {"pca", "umap"} or None
    stability_runs, curve_resamples, driver_boot : int
        Bootstrap counts (0 switches each off).
    errc_rules : ErrcRules
    prize_margin : float
        Points (0-10) a curve must move a respondent by to count (the curve test).
    curve : mapping or None
        attribute -> level (0-10): a value curve of your own to test.
    curve_name : str
    clusterer : clusterer or None
        A scikit-learn clusterer used instead of the method (Python only: a
        ``config.toml`` records its description but cannot rebuild it).
    where : str or None
        A rule in the tier rules' language (``region in ['East', 'West'] and age >= 35``)
        choosing the respondents analysed; None analyses everyone.  Every figure, count
        and output row is then about those respondents only.
    weighted : bool
        False gives every respondent the weight 1 (the unweighted view); True (default)
        uses the schema's weight column.
    panel_file, panel_sha256 : str
        The panel the run read (recorded in ``config.toml``; not used to analyse).
    """

    schema: Schema
    seed: int = 0
    k: int | str = "auto"
    method: str = "kmeans"
    tier_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    map: str | None = "pca"
    stability_runs: int = DEFAULT_RUNS
    errc_rules: ErrcRules = field(default_factory=ErrcRules)
    prize_margin: float = DEFAULT_MARGIN
    curve: Mapping[str, float] | None = None
    curve_name: str = "your curve"
    curve_resamples: int = DEFAULT_RESAMPLES
    driver_boot: int = DEFAULT_DRIVER_BOOT
    where: str | None = None
    weighted: bool = True
    clusterer: Any = field(default=None, compare=False)
    panel_file: str = field(default="", compare=False)
    panel_sha256: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # Freeze the mappings too: a config shared by the app's pages cannot drift.
        settings = {t: MappingProxyType(dict(v)) for t, v in dict(self.tier_settings).items()}
        object.__setattr__(self, "tier_settings", MappingProxyType(settings))
        if self.curve is not None:
            object.__setattr__(self, "curve", MappingProxyType(
                {str(a): v for a, v in dict(self.curve).items()}))
        self._check()

    def __reduce__(self):
        # Read-only mappings do not pickle (the app's cache pickles results): rebuild from
        # plain dicts, validated again.
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["tier_settings"] = {t: dict(v) for t, v in self.tier_settings.items()}
        values["curve"] = None if self.curve is None else dict(self.curve)
        return (_rebuild, (values,))

    # ---- validation ------------------------------------------------------------------------

    def _check(self) -> None:
        where = self.schema.source
        problems = collect_problems()
        with problems.check():
            if not _whole(self.seed, 0, MAX_SEED):
                raise ConfigError(f"seed must be a whole number from 0 to {MAX_SEED}, got "
                                  f"{self.seed!r}")
        with problems.check():
            if not _k_ok(self.k):
                raise ConfigError(f"k must be 'auto' or a whole number >= 1, got {self.k!r}")
        with problems.check():
            if self.clusterer is None and self.method not in METHODS:
                raise ConfigError(f"segmentation method '{self.method}' is not known"
                                  f"{closest(str(self.method), METHODS)}; use one of "
                                  f"{', '.join(METHODS)}")
        for tier, spec in self.tier_settings.items():
            with problems.check():
                if tier not in TIERS:
                    raise ConfigError(f"tier settings name the tier '{tier}'"
                                      f"{closest(str(tier), TIERS)}; tiers are "
                                      f"{', '.join(TIERS)}")
                unknown = sorted(set(spec) - {"k", "method"})
                if unknown:
                    raise ConfigError(f"the settings of tier '{tier}' hold '{unknown[0]}'; a "
                                      "tier has only k and method")
                if "k" in spec and not _k_ok(spec["k"]):
                    raise ConfigError(f"k of tier '{tier}' must be 'auto' or a whole number "
                                      f">= 1, got {spec['k']!r}")
                if "method" in spec and spec["method"] not in METHODS:
                    raise ConfigError(f"method of tier '{tier}' is '{spec['method']}', which "
                                      f"is not known{closest(str(spec['method']), METHODS)}; "
                                      f"use one of {', '.join(METHODS)}")
        with problems.check():
            if self.map is not None and self.map not in MAP_METHODS:
                raise ConfigError(f"map must be one of {', '.join(MAP_METHODS)} or None, got "
                                  f"{self.map!r}")
        for name in ("stability_runs", "curve_resamples", "driver_boot"):
            with problems.check():
                if not _whole(getattr(self, name), 0, MAX_RUNS):
                    raise ConfigError(f"{name} must be a whole number from 0 to {MAX_RUNS}, "
                                      f"got {getattr(self, name)!r}")
        with problems.check():
            margin = self.prize_margin
            if (isinstance(margin, bool) or not isinstance(margin, (int, float))
                    or not math.isfinite(margin) or not 0 <= margin <= 10):
                raise ConfigError(f"prize_margin must be a number of points from 0 to 10, got "
                                  f"{margin!r}")
        with problems.check():
            if not isinstance(self.errc_rules, ErrcRules):
                raise ConfigError(f"errc_rules must be an ErrcRules, got "
                                  f"{type(self.errc_rules).__name__}")
        with problems.check():
            if self.where is not None:
                try:
                    parse_rule(self.where, name="where")
                except RuleError as exc:
                    raise ConfigError(str(exc)) from None
        with problems.check():
            if not isinstance(self.weighted, bool):
                raise ConfigError(f"weighted must be true or false, got {self.weighted!r}")
        with problems.check():
            if not isinstance(self.curve_name, str) or not self.curve_name:
                raise ConfigError(f"curve_name must be a name, got {self.curve_name!r}")
            if self.curve is not None and self.curve_name == PROPOSED_CURVE:
                raise ConfigError(f"curve_name '{PROPOSED_CURVE}' is the ERRC grid's curve; "
                                  "give your curve another name")
        for attribute, level in (self.curve or {}).items():
            with problems.check():
                if attribute not in self.schema.attributes:
                    raise ConfigError(
                        f"curve names '{attribute}', which is not an attribute of the schema "
                        f"{where}{closest(attribute, self.schema.attributes)} "
                        f"({', '.join(self.schema.attributes)})")
                if (isinstance(level, bool) or not isinstance(level, (int, float))
                        or not 0 <= level <= 10):
                    raise ConfigError(f"curve gives '{attribute}' the level {level!r}; levels "
                                      "are numbers from 0 to 10")
        problems.raise_if_any()

    # ---- building --------------------------------------------------------------------------

    @classmethod
    def from_schema(cls, schema: Schema, *, seed: int = 0, k: int | str | None = None,
                    method: str | None = None,
                    tier_settings: Mapping[str, Mapping[str, Any]] | None = None,
                    map: str | None = "pca", stability_runs: int = DEFAULT_RUNS,
                    errc_rules: ErrcRules | None = None, prize_margin: float = DEFAULT_MARGIN,
                    curve: Mapping[str, float] | None = None, curve_name: str = "your curve",
                    curve_resamples: int = DEFAULT_RESAMPLES,
                    driver_boot: int = DEFAULT_DRIVER_BOOT, where: str | None = None,
                    weighted: bool = True, clusterer: Any = None,
                    panel_file: str = "", panel_sha256: str = "") -> AnalysisConfig:
        """The schema's settings, overridden by the arguments that are not None.

        ``k`` and ``method`` replace the ``[segmentation]`` defaults; ``tier_settings``
        is laid over the schema's ``[segmentation.tiers]`` tier by tier; ``errc_rules``
        replaces the ``[errc]`` thresholds.

        Raises
        ------
        ConfigError, or Problems holding several
            Naming every setting out of range.
        """
        if not isinstance(schema, Schema):
            raise ConfigError(f"from_schema needs a Schema (from load_schema or "
                              f"parse_schema), got {type(schema).__name__}")
        settings = _laid_over(schema.tier_settings, tier_settings)
        rules = (ErrcRules.from_schema(schema.errc, schema.source) if errc_rules is None
                 else errc_rules)
        return cls(schema=schema, seed=seed, k=schema.k if k is None else k,
                   method=schema.method if method is None else method, tier_settings=settings,
                   map=map, stability_runs=stability_runs, errc_rules=rules,
                   prize_margin=prize_margin, curve=curve, curve_name=curve_name,
                   curve_resamples=curve_resamples, driver_boot=driver_boot, where=where,
                   weighted=weighted, clusterer=clusterer, panel_file=panel_file,
                   panel_sha256=panel_sha256)

    def replace(self, **changes: Any) -> AnalysisConfig:
        """A copy with some settings changed (validated again)."""
        if "tier_settings" in changes:
            changes["tier_settings"] = _laid_over(self.tier_settings, changes["tier_settings"])
        return dataclasses.replace(self, **changes)

    # ---- config.toml -----------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The ``config.toml`` document as plain data."""
        run: dict[str, Any] = {"seed": self.seed, "k": self.k, "method": self.method,
                               "map": self.map or "none",
                               "stability_runs": self.stability_runs,
                               "prize_margin": float(self.prize_margin),
                               "curve_resamples": self.curve_resamples,
                               "driver_boot": self.driver_boot}
        # Written only when set, so that the config.toml of a run on everyone keeps its bytes.
        if self.where is not None:
            run["where"] = self.where
        if not self.weighted:
            run["weighted"] = False
        if self.clusterer is not None:
            run["clusterer"] = repr(self.clusterer)
        if self.tier_settings:
            run["tiers"] = {t: dict(v) for t, v in self.tier_settings.items()}
        run["errc"] = {name: float(v) for name, v in self.errc_rules.as_dict().items()}
        if self.curve is not None:
            run["curve"] = {"name": self.curve_name,
                            "levels": {a: float(v) for a, v in self.curve.items()}}
        out: dict[str, Any] = {"format": CONFIG_FORMAT, "run": run}
        if self.panel_file or self.panel_sha256:
            out["panel"] = {"file": self.panel_file, "sha256": self.panel_sha256}
        out["schema"] = {"file": self.schema.source, "text": self.schema.text}
        return out

    def to_toml(self) -> str:
        """The ``config.toml`` text (deterministic: the same settings give the same bytes).

        Raises
        ------
        ConfigError
            When the schema has no TOML text (a Schema built by hand in Python).
        """
        import tomli_w

        if not self.schema.text:
            raise ConfigError("this schema was not read from TOML text (parse_schema or "
                              "load_schema), so config.toml cannot hold it")
        header = ("# The settings of one noncustomers run. Replay it with\n"
                  "#   noncustomers analyze PANEL --config config.toml --out NEW_FOLDER\n"
                  "# Options given on that line override the values below.\n")
        return header + tomli_w.dumps(self.as_dict(), multiline_strings=True)

    @classmethod
    def from_toml(cls, text: str, source: str = "config.toml",
                  **overrides: Any) -> AnalysisConfig:
        """Read a ``config.toml`` text; ``overrides`` (not None) replace its values.

        Raises
        ------
        ConfigError, SchemaError
            Naming the file and the key at fault.
        """
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
        except RecursionError:
            raise ConfigError(f"{source}: nested too deeply to be a config file") from None
        if raw.get("format") != CONFIG_FORMAT:
            raise ConfigError(f"{source}: not a noncustomers config.toml of format "
                              f"{CONFIG_FORMAT} (found format {raw.get('format')!r})")
        run, schema_table = raw.get("run"), raw.get("schema")
        if not isinstance(run, dict) or not isinstance(schema_table, dict) or not isinstance(
                schema_table.get("text"), str):
            raise ConfigError(f"{source}: a config.toml has a [run] table and a [schema] table "
                              "with the schema's text")
        problems = collect_problems()
        known = set(_RUN_KEYS) | {"tiers", "errc", "curve", "clusterer"}
        for key in run:
            with problems.check():
                if key not in known:
                    raise ConfigError(f"{source}: unknown key '{key}' in [run]"
                                      f"{closest(key, known)}; allowed: "
                                      f"{', '.join(sorted(known))}")
        with problems.check():
            if "clusterer" in run and overrides.get("clusterer") is None:
                raise ConfigError(f"{source}: the run used a custom clusterer "
                                  f"({run['clusterer']}), which a config file cannot rebuild; "
                                  "replay it from Python with AnalysisConfig.read(path, "
                                  "clusterer=...)")
        schema_name = str(schema_table.get("file") or f"{source} [schema]")
        schema = None
        with problems.check():
            schema = parse_schema(schema_table["text"], source=schema_name)
        errc = run.get("errc", {})
        rules = None
        with problems.check():
            if not isinstance(errc, dict):
                raise ConfigError(f"{source}: [run.errc] must be a table of thresholds")
            rules = ErrcRules.from_schema(errc, f"{source} [run.errc]")
        curve_table = run.get("curve")
        with problems.check():
            if curve_table is not None and not (isinstance(curve_table, dict) and isinstance(
                    curve_table.get("levels"), dict)):
                raise ConfigError(f"{source}: [run.curve] holds a name and a table of levels")
        problems.raise_if_any()
        tiers = run.get("tiers", {})
        if not isinstance(tiers, dict) or not all(isinstance(v, dict) for v in tiers.values()):
            raise ConfigError(f"{source}: [run.tiers] holds one table per tier")
        values: dict[str, Any] = {key: run[key] for key in _RUN_KEYS if key in run}
        if values.get("map") == "none":
            values["map"] = None
        if curve_table is not None:
            values["curve"] = curve_table["levels"]
            values["curve_name"] = curve_table.get("name", "your curve")
        panel = raw.get("panel") if isinstance(raw.get("panel"), dict) else {}
        values.update(panel_file=str(panel.get("file", "")),
                      panel_sha256=str(panel.get("sha256", "")))
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls(schema=schema, tier_settings=tiers, errc_rules=rules, **values)
        except TypeError as exc:  # an override that is not a setting
            raise ConfigError(f"{source}: {exc}") from None
        except Problems as exc:  # name the file in each problem
            raise Problems([ConfigError(f"{source}: {p}") for p in exc.problems]) from None
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def read(cls, path: str | Path, **overrides: Any) -> AnalysisConfig:
        """Read a ``config.toml`` file (see :meth:`from_toml`)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the config file ({exc.__class__.__name__}: "
                              f"{getattr(exc, 'strerror', None) or exc})") from None
        return cls.from_toml(text, source=str(path), **overrides)

    def summary(self, method: str, encoding: Mapping[str, Any], panel: str) -> dict[str, Any]:
        """The ``config`` block of ``summary.json`` (its keys are part of the contract)."""
        out = {"seed": self.seed, "k": self.k, "map": self.map, "method": method,
               "stability_runs": self.stability_runs,
               "tier_settings": {t: dict(v) for t, v in self.tier_settings.items()},
               "encoding": dict(encoding), "errc_rules": self.errc_rules.as_dict(),
               "prize_margin": self.prize_margin, "curve_resamples": self.curve_resamples,
               "driver_boot": self.driver_boot, "schema": self.schema.source, "panel": panel}
        # Present only when set (a run on everyone, weighted, keeps its summary.json bytes).
        if self.where is not None:
            out["where"] = self.where
        if not self.weighted:
            out["weighted"] = False
        return out


def _laid_over(base: Mapping[str, Mapping[str, Any]],
               overrides: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Per-tier settings: ``overrides`` laid over ``base``, tier by tier, key by key."""
    merged = {tier: dict(spec) for tier, spec in base.items()}
    for tier, spec in dict(overrides or {}).items():
        merged.setdefault(tier, {}).update(dict(spec))
    return merged


def _rebuild(values: dict[str, Any]) -> AnalysisConfig:
    """Unpickle an :class:`AnalysisConfig` (see its ``__reduce__``)."""
    return AnalysisConfig(**values)
