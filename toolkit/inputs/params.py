"""Run parameters: ``params/defaults.yaml`` merged with ``params/<unit_id>.yaml``, validated on load.

Why strict: a misspelt key would silently fall back to its default and change a published result
(Papermill only warns on unknown parameters). So an unknown key, a wrong type or an impossible value is
a :class:`~toolkit.core.errors.ParamsError` naming the file, the line, the key, the value and what was
expected. All problems of a file are reported at once. The per-key and cross-key checks live in
:mod:`toolkit.inputs.params_rules`; this module reads, merges and loads the files.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from toolkit.contracts.cycles import CYCLES
from toolkit.contracts.observations import SLUG
from toolkit.contracts.params import EUROSTAT_THRESHOLDS, SATURATING_CAP
from toolkit.core.errors import ParamsError, Problem, did_you_mean
from toolkit.core.i18n import DEFAULT_LANGUAGE
from toolkit.core.paths import PARAMS_DIR, PROJECT_ROOT, display_path, project_path
from toolkit.inputs.files import file_key
from toolkit.inputs.params_rules import (
    CHECKS,
    InvalidValue,
    check_values,
    choice_hint,
    cross_problems,
    key_problems,
    known_unit,
    shown_value,
)
from toolkit.inputs.unit_targets import unit_target_files
from toolkit.inputs.units import load_units

DEFAULTS_FILE = PARAMS_DIR / "defaults.yaml"
UNIT_ID_RE = re.compile(SLUG)
YAML_SUFFIXES = (".yaml", ".yml")
MAX_DEPTH = 5  # defaults.yaml needs 2 (a mapping of lists or mappings)

SETTING_KEYS = tuple(CHECKS)
UNIT_KEYS = ("unit_id",) + SETTING_KEYS
_MERGED_MAPPINGS = ("categories", "transform_overrides")  # a unit file overrides these key by key


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class UnitParams:
    """The validated parameters of one unit: defaults merged with the unit's file."""

    unit_id: str
    params_file: Path
    cycle: str
    target_set: str | None  # None: the cycle's Outline set
    as_of: int | str  # a year, or "latest" (see toolkit.contracts.cycles)
    data: tuple[str, ...]
    comparison_data: tuple[str, ...]
    comparison_unit: str
    min_points: int
    categories: dict[str, float]
    interval_levels: tuple[float, ...]
    models: tuple[str, ...]
    model_selection: str
    recent_window: int
    min_backtest_points: int
    attain_horizon: int
    transform_overrides: dict[str, str] = field(default_factory=dict)
    saturating_cap: float = SATURATING_CAP
    eurostat_thresholds: tuple[float, ...] = EUROSTAT_THRESHOLDS
    local_targets: dict[str, str] = field(default_factory=dict)  # cycle id -> the unit's own plan's targets
    prefer: str | None = None  # the data file whose values win where two data files disagree
    language: str = DEFAULT_LANGUAGE  # the report's edition: zh or en (toolkit.core.i18n)
    notes: str | dict[str, str] = ""  # a text, or one per edition

    @property
    def data_paths(self) -> tuple[Path, ...]:
        """Observation files as absolute paths (relative entries resolved against the project root)."""
        return tuple(project_path(p) for p in self.data)

    @property
    def comparison_paths(self) -> tuple[Path, ...]:
        """Comparison files as absolute paths."""
        return tuple(project_path(p) for p in self.comparison_data)

    def target_paths(self, cycle_override: str = "") -> list[Path]:
        """The target files this unit reads (the national set and any local one), for checksums."""
        return unit_target_files(self.target_set, self.local_targets, CYCLES[cycle_override or self.cycle])

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly values (lists, str paths), e.g. for summary.json or a provenance table."""
        out = asdict(self)
        out["params_file"] = display_path(self.params_file)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


# --------------------------------------------------------------------------- loading


def load_defaults(path: str | Path = DEFAULTS_FILE) -> dict[str, Any]:
    """Read and validate the defaults file; every setting key must be present, ``unit_id`` must not.

    Cached by the file's path, size and mtime (a copy each time): a county batch plans 2,846 units on it, and
    parsing it once per unit cost 40 s of a 2,846-unit plan."""
    return copy.deepcopy(_load_defaults(file_key(path)))


@lru_cache(maxsize=8)
def _load_defaults(key: tuple[str, int, int]) -> dict[str, Any]:
    path = Path(key[0])
    raw, lines = _read_yaml(path)
    problems = key_problems(raw, lines, allowed=SETTING_KEYS)
    problems += [Problem(f"missing key '{k}'", f"add `{k}:` (see the other keys' comments)")
                 for k in SETTING_KEYS if k not in raw]
    values, value_problems = check_values(raw, lines)
    problems += value_problems
    if not problems:
        problems = cross_problems(values, lines)
    _raise_if(problems, path)
    return values


def load_unit_params(unit: str | Path, *, defaults_path: str | Path = DEFAULTS_FILE,
                     unit_id: str | None = None) -> UnitParams:
    """Parameters of one unit: ``'beijing'`` reads params/beijing.yaml; a path reads that file.

    ``unit_id``: the unit the file is meant for (a batch slot, a notebook's ``unit_id``); a file whose own
    ``unit_id`` differs is refused, as a file in params/ whose name differs from its ``unit_id`` is.
    """
    defaults = load_defaults(defaults_path)
    if _below_provinces_without_file(unit):  # prefectures and counties run on the defaults unless given a file
        return UnitParams(unit_id=str(unit), params_file=Path(defaults_path).resolve(), **defaults)
    path = _params_file(unit)
    raw, lines = _read_yaml(path)
    problems = key_problems(raw, lines, allowed=UNIT_KEYS)
    found = _unit_id_problems(raw, lines, path, problems, expected=unit_id)
    overrides = {k: v for k, v in raw.items() if k in SETTING_KEYS}
    for key in _MERGED_MAPPINGS:  # merge one level so a file can change a single category bound
        if isinstance(overrides.get(key), Mapping) and overrides[key]:
            overrides[key] = {**defaults[key], **overrides[key]}
    values, value_problems = check_values(overrides, lines)
    merged = {**defaults, **values}
    problems += value_problems + cross_problems(merged, lines)
    _raise_if(problems, path)
    return UnitParams(unit_id=found, params_file=path.resolve(), **merged)


def _below_provinces_without_file(unit: str | Path) -> bool:
    """A prefecture or county id (data/units_*.csv) with no params/<id>.yaml: about 3,200 units cannot each need a
    file; they take params/defaults.yaml (a unit's own plan is given with a file, or --params-dir)."""
    text = str(unit)
    if isinstance(unit, Path) or not UNIT_ID_RE.match(text) or (PARAMS_DIR / f"{text}.yaml").is_file():
        return False
    units = load_units()
    return text in units.index and units.loc[text, "level"] in ("prefecture", "county")


def available_units(params_dir: str | Path = PARAMS_DIR) -> list[str]:
    """Unit ids that have a params file (every YAML in params/ except defaults)."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml") if p.stem != DEFAULTS_FILE.stem)


# --------------------------------------------------------------------------- helpers


def _params_file(unit: str | Path) -> Path:
    """A unit id -> params/<id>.yaml; anything that looks like a path -> that file."""
    text = str(unit)
    looks_like_path = isinstance(unit, Path) or any(s in text for s in ("/", "\\")) or text.endswith(YAML_SUFFIXES)
    if looks_like_path:
        path = Path(unit).expanduser()
        if not path.is_absolute() and not path.exists():
            path = PROJECT_ROOT / path
        if not path.is_file():
            raise ParamsError(f"params file not found: {unit}", problems=[Problem(
                "no such file", "give an existing YAML file or a unit id such as 'beijing'")])
        return path
    if ".." in text or not UNIT_ID_RE.match(text):
        hint = next(iter(did_you_mean(text.lower(), available_units(), case_sensitive=True)), None)
        raise ParamsError(f"'{text}' is not a unit id: it looks like a path or has characters other than "
                          "a-z, 0-9 and '_'", problems=[Problem(
                              "unit ids are ASCII slugs such as 'inner_mongolia'",
                              f"did you mean '{hint}'?" if hint else "see data/units.csv")])
    path = PARAMS_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ParamsError(f"no params file for unit '{text}' in {display_path(PARAMS_DIR)}/",
                          problems=[Problem("unknown unit", choice_hint(text, available_units()))])
    return path


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The file's top-level mapping and the line of each key; malformed or empty -> ParamsError."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParamsError(f"cannot read params file: {exc.strerror}", path=shown) from exc
    except UnicodeDecodeError as exc:
        raise ParamsError("params file is not UTF-8 text", path=shown) from exc
    _refuse_aliases_and_depth(text, shown)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark.line + 1 != line:
            problem = f"{problem} ({context} started at line {context_mark.line + 1})"
        raise ParamsError("malformed YAML" + (f" at line {line}" if line else ""), path=shown, problems=[
            Problem(str(problem), "check the indentation and the ':' after each key", row=line)]) from exc
    if raw is None:
        raise ParamsError("params file is empty", path=shown, problems=[
            Problem("no keys found", "write `key: value` lines (see params/defaults.yaml)")])
    if not isinstance(raw, dict) or not isinstance(node, yaml.MappingNode):
        raise ParamsError("params file must be a mapping of `key: value` lines", path=shown,
                          problems=[Problem(f"found a {type(raw).__name__} at the top level", row=1)])
    lines: dict[str, int] = {}
    duplicates = []
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if key_node.value in lines:
            duplicates.append(Problem(f"key '{key_node.value}' appears twice (first at line "
                                      f"{lines[key_node.value]})", "keep one of them", row=line))
        lines[key_node.value] = line
    _raise_if(duplicates, path)
    return raw, lines


def _refuse_aliases_and_depth(text: str, shown: str) -> None:
    """A params file is flat data: YAML aliases (``*a``, the "billion laughs" expansion) and nesting deeper
    than :data:`MAX_DEPTH` are refused before anything is built from the file."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ParamsError("params file uses a YAML alias", path=shown, problems=[Problem(
                    f"alias '*{event.anchor}'", "write the value out in full (params files take no anchors or "
                    "aliases)", row=event.start_mark.line + 1)])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ParamsError("params file is nested too deeply", path=shown, problems=[Problem(
                        f"more than {MAX_DEPTH} levels of lists or mappings", "params values are flat: a number, "
                        "a text, a list or a mapping of those", row=event.start_mark.line + 1)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # malformed YAML: reported with its line by the parse below


def _unit_id_problems(raw: Mapping, lines: Mapping[str, int], path: Path, problems: list[Problem], *,
                      expected: str | None = None) -> str:
    """Check ``unit_id`` (required, safe, known, equal to the file name in params/ and to ``expected``)."""
    unit_id = raw.get("unit_id")
    row = lines.get("unit_id")
    if unit_id is None:
        problems.append(Problem("missing key 'unit_id'", f"add `unit_id: {path.stem}`", row=1))
        return ""
    if not isinstance(unit_id, str):
        problems.append(Problem(f"key 'unit_id': value {shown_value(unit_id)} is not a unit id text", row=row))
        return ""
    if any(s in unit_id for s in ("/", "\\", "..")):
        problems.append(Problem(f"key 'unit_id': value {shown_value(unit_id)} looks like a path, not a unit id",
                                "use an id from data/units.csv such as 'beijing'", row=row))
        return unit_id
    try:
        known_unit(unit_id)
    except InvalidValue as bad:
        problems.append(Problem(f"key 'unit_id': value {shown_value(unit_id)} is not {bad.expected}", bad.fix, row=row))
        return unit_id
    in_params_dir = path.resolve().parent == PARAMS_DIR.resolve()
    if in_params_dir and path.stem != unit_id:
        problems.append(Problem(f"key 'unit_id': value {shown_value(unit_id)} does not match the file name '{path.name}'",
                                f"rename the file to {unit_id}.yaml or fix unit_id", row=row))
    elif expected is not None and unit_id != expected:
        problems.append(Problem(f"key 'unit_id': value {shown_value(unit_id)} does not match the unit '{expected}' this file "
                                f"was given for", f"set `unit_id: {expected}` or give the file to unit {unit_id}",
                                row=row))
    return unit_id


def _raise_if(problems: list[Problem], path: Path) -> None:
    if problems:
        problems = sorted(problems, key=lambda p: (not isinstance(p.row, int), p.row if isinstance(p.row, int) else 0))
        n = len(problems)
        raise ParamsError(f"invalid parameters ({n} problem{'s' if n > 1 else ''})", path=display_path(path),
                          problems=problems)
