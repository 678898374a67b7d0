"""Run parameters: ``params/defaults.yaml`` merged with ``params/<unit_id>.yaml``, validated on load.

Why strict: a misspelt key would silently fall back to its default and change a published result
(Papermill only warns on unknown parameters). So an unknown key, a wrong type or an impossible value is
a :class:`~toolkit.errors.ParamsError` naming the file, the line, the key, the value and what was
expected. All problems of a file are reported at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from toolkit.catalog import load_indicators
from toolkit.errors import ParamsError, Problem
from toolkit.models import CANDIDATES
from toolkit.paths import INDICATORS_CSV, PARAMS_DIR, PROJECT_ROOT, TARGETS_DIR, UNITS_CSV
from toolkit.transforms import TRANSFORMS  # the scales transform_overrides may name
from toolkit.units import load_units

DEFAULTS_FILE = PARAMS_DIR / "defaults.yaml"
#: Trend models a params file may name: the candidates toolkit.models implements.
MODEL_CANDIDATES = CANDIDATES
#: Ways of combining candidates besides naming a single model.
SELECTION_MODES = ("ensemble", "best")
CATEGORY_KEYS = ("on_track", "likely", "at_risk")
EUROSTAT_CLASSES = 3  # substantial, moderate, insufficient progress (below the last: moving away)
YEAR_MIN, YEAR_MAX = 1949, 2100  # plausible calendar years for as_of and attain_horizon
MIN_SERIES_POINTS = 2  # no trend can be fitted to fewer points
UNIT_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
YAML_SUFFIXES = (".yaml", ".yml")


class _Bad(ValueError):
    """A value failed its check: ``expected`` says what would have been accepted, ``message`` replaces
    the default "value ... is not <expected>" wording when the value itself is not the point."""

    def __init__(self, expected: str, fix: str = "", *, message: str | None = None):
        super().__init__(expected)
        self.expected = expected
        self.fix = fix
        self.message = message


# --------------------------------------------------------------------------- value checks


def _int(value: Any, *, lo: int | None = None, hi: int | None = None, what: str = "an integer") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(what, "write a whole number without quotes")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _Bad(f"{what} between {lo} and {hi}" if hi is not None else f"{what} >= {lo}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("a number", "write a number without quotes")
    return float(value)


def _probability(value: Any) -> float:
    number = _number(value)
    if not 0.0 < number < 1.0:
        raise _Bad("a number strictly between 0 and 1")
    return number


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):  # a single file is allowed without brackets
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Bad(f"a list of {what}", f"write [{what.split()[0]}, ...]")
    return tuple(value)


def _check_year(value: Any) -> int:
    return _int(value, lo=YEAR_MIN, hi=YEAR_MAX, what="an integer year")


def _check_count(value: Any) -> int:
    return _int(value, lo=MIN_SERIES_POINTS, what="an integer")


def _check_target_set(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad("a target set name or a CSV path")
    if _target_path(value).is_file():
        return value
    sets = sorted(p.stem for p in TARGETS_DIR.glob("*.csv"))
    raise _Bad(f"a target set in {_show(TARGETS_DIR)}/ ({', '.join(sets)}) or an existing CSV path",
               _did_you_mean(value, sets))


def _check_files(value: Any) -> tuple[str, ...]:
    files = _str_list(value, "file paths")
    missing = [_show(_resolve(f)) for f in files if not _resolve(f).is_file()]
    if missing:
        demo = any(m.startswith("data/demo/") for m in missing)
        raise _Bad("existing files", "check the path (relative to the project root)"
                   + ("; regenerate the demo panel with `make demo-data`" if demo else ""),
                   message=f"file not found: {', '.join(missing)}")
    return files


def _check_optional_files(value: Any) -> tuple[str, ...]:
    return () if value in (None, []) else _check_files(value)


def _check_unit_ref(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("a unit id from data/units.csv")
    return _known_unit(value)


def _check_categories(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _Bad(f"a mapping {{{', '.join(f'{k}: p' for k in CATEGORY_KEYS)}}}")
    if set(value) != set(CATEGORY_KEYS):
        raise _Bad(f"a mapping with exactly the keys {', '.join(CATEGORY_KEYS)}")
    bounds = {k: _probability(value[k]) for k in CATEGORY_KEYS}
    if not all(a > b for a, b in zip(list(bounds.values()), list(bounds.values())[1:])):
        raise _Bad("probabilities that decrease: on_track > likely > at_risk")
    return bounds


def _check_levels(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise _Bad("a non-empty list of levels, e.g. [0.8, 0.95]")
    try:
        levels = tuple(_probability(v) for v in value)
    except _Bad:
        raise _Bad("a list of levels strictly between 0 and 1, e.g. [0.8, 0.95]") from None
    if any(a >= b for a, b in zip(levels, levels[1:])):
        raise _Bad("levels strictly between 0 and 1 in increasing order")
    return levels


def _check_models(value: Any) -> tuple[str, ...]:
    models = _str_list(value, "model names")
    unknown = [m for m in models if m not in MODEL_CANDIDATES]
    if not models or unknown or len(set(models)) != len(models):
        raise _Bad(f"a non-empty list without repeats drawn from {', '.join(MODEL_CANDIDATES)}",
                   _did_you_mean(unknown[0], MODEL_CANDIDATES) if unknown else "remove the repeated name")
    return models


def _check_selection(value: Any) -> str:
    allowed = SELECTION_MODES + MODEL_CANDIDATES
    if not isinstance(value, str) or value not in allowed:
        raise _Bad(f"one of {', '.join(allowed)}", _did_you_mean(str(value), allowed))
    return value


def _check_transforms(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Bad("a mapping indicator_id: transform")
    indicators = _indicator_ids()
    for key, transform in value.items():
        if key not in indicators:
            raise _Bad(f"indicator ids from {_show(INDICATORS_CSV)} as keys",
                       f"'{key}' is not an indicator; {_did_you_mean(str(key), indicators)}")
        if transform not in TRANSFORMS:
            raise _Bad(f"transforms from {', '.join(TRANSFORMS)} as values", f"'{key}: {transform}' is not one")
    return dict(value)


def _check_cap(value: Any) -> float:
    cap = _number(value)
    if cap <= 0:
        raise _Bad("a positive number")
    return cap


def _check_thresholds(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != EUROSTAT_CLASSES:
        raise _Bad(f"a list of {EUROSTAT_CLASSES} numbers")
    thresholds = tuple(_number(v) for v in value)
    if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
        raise _Bad(f"a list of {EUROSTAT_CLASSES} strictly decreasing numbers, e.g. [0.95, 0.6, 0.0]")
    return thresholds


def _check_notes(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad("a text", 'put the text in quotes: notes: "..."')
    return value


#: key -> check; every key a params file may hold (besides ``unit_id`` in a unit's file).
CHECKS: dict[str, Callable[[Any], Any]] = {
    "target_set": _check_target_set,
    "as_of": _check_year,
    "data": _check_files,
    "comparison_data": _check_optional_files,
    "comparison_unit": _check_unit_ref,
    "min_points": _check_count,
    "categories": _check_categories,
    "interval_levels": _check_levels,
    "models": _check_models,
    "model_selection": _check_selection,
    "recent_window": _check_count,
    "min_backtest_points": _check_count,
    "attain_horizon": _check_year,
    "transform_overrides": _check_transforms,
    "saturating_cap": _check_cap,
    "eurostat_thresholds": _check_thresholds,
    "notes": _check_notes,
}
SETTING_KEYS = tuple(CHECKS)
UNIT_KEYS = ("unit_id",) + SETTING_KEYS
_MERGED_MAPPINGS = ("categories", "transform_overrides")  # a unit file overrides these key by key


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class UnitParams:
    """The validated parameters of one unit: defaults merged with the unit's file."""

    unit_id: str
    params_file: Path
    target_set: str
    as_of: int
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
    saturating_cap: float = 110.0
    eurostat_thresholds: tuple[float, ...] = (0.95, 0.6, 0.0)
    notes: str = ""

    @property
    def data_paths(self) -> tuple[Path, ...]:
        """Observation files as absolute paths (relative entries resolved against the project root)."""
        return tuple(_resolve(p) for p in self.data)

    @property
    def comparison_paths(self) -> tuple[Path, ...]:
        """Comparison files as absolute paths."""
        return tuple(_resolve(p) for p in self.comparison_data)

    @property
    def target_path(self) -> Path:
        """The target set's CSV file."""
        return _target_path(self.target_set)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly values (lists, str paths), e.g. for summary.json or a provenance table."""
        out = asdict(self)
        out["params_file"] = _show(self.params_file)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


# --------------------------------------------------------------------------- loading


def load_defaults(path: str | Path = DEFAULTS_FILE) -> dict[str, Any]:
    """Read and validate the defaults file; every setting key must be present, ``unit_id`` must not."""
    path = Path(path)
    raw, lines = _read_yaml(path)
    problems = _key_problems(raw, lines, allowed=SETTING_KEYS)
    problems += [Problem(f"missing key '{k}'", f"add `{k}:` (see the other keys' comments)")
                 for k in SETTING_KEYS if k not in raw]
    values, value_problems = _check_values(raw, lines)
    problems += value_problems
    if not problems:
        problems = _cross_problems(values, lines)
    _raise_if(problems, path)
    return values


def load_unit_params(unit: str | Path, *, defaults_path: str | Path = DEFAULTS_FILE) -> UnitParams:
    """Parameters of one unit: ``'beijing'`` reads params/beijing.yaml; a path reads that file."""
    path = _params_file(unit)
    defaults = load_defaults(defaults_path)
    raw, lines = _read_yaml(path)
    problems = _key_problems(raw, lines, allowed=UNIT_KEYS)
    unit_id = _unit_id_problems(raw, lines, path, problems)
    overrides = {k: v for k, v in raw.items() if k in SETTING_KEYS}
    for key in _MERGED_MAPPINGS:  # merge one level so a file can change a single category bound
        if isinstance(overrides.get(key), Mapping) and overrides[key]:
            overrides[key] = {**defaults[key], **overrides[key]}
    values, value_problems = _check_values(overrides, lines)
    merged = {**defaults, **values}
    problems += value_problems + _cross_problems(merged, lines)
    _raise_if(problems, path)
    return UnitParams(unit_id=unit_id, params_file=path.resolve(), **merged)


def available_units(params_dir: str | Path = PARAMS_DIR) -> list[str]:
    """Unit ids that have a params file (every YAML in params/ except defaults)."""
    return sorted(p.stem for p in Path(params_dir).glob("*.yaml") if p.stem != DEFAULTS_FILE.stem)


def unit_params_text(unit_id: str, *, data: Iterable[str] | None = None, notes: str = "") -> str:
    """The YAML of a unit file that overrides only ``data`` and ``notes`` (used to write params/*.yaml)."""
    units = _units()
    row = units.loc[_known_unit(unit_id)]
    lines = [f"# {row['name_en']} / {row['name_zh']}: parameters that differ from params/defaults.yaml.",
             f"unit_id: {unit_id}"]
    if data is None:
        lines.append("# data: the defaults' real national series (data/observations/national.csv).")
    else:
        lines += ["# Real provincial fragments (data/observations/provincial.csv) are too sparse to assess (a few",
                  "# points for a few indicators), so provinces run on the seeded synthetic demonstration panel;",
                  "# reports say so in a banner. Replace with real observation files when available.",
                  "data: [" + ", ".join(data) + "]"]
    lines.append(f"notes: {_yaml_str(notes)}")
    return "\n".join(lines) + "\n"


def write_unit_params_files(out_dir: str | Path = PARAMS_DIR, *, overwrite: bool = False) -> list[Path]:
    """Write params/<unit_id>.yaml for every unit of data/units.csv (provinces on the demo panel)."""
    from toolkit import io
    from toolkit.demo import DEMO_FILE

    out_dir, written = Path(out_dir), []
    demo = _show(DEMO_FILE)
    for unit_id, row in _units().iterrows():
        target = out_dir / f"{unit_id}.yaml"
        if target.exists() and not overwrite:
            continue
        if row["level"] == "country":
            text = unit_params_text(unit_id, notes="Real national series (official figures, see data/README.md).")
        else:
            text = unit_params_text(unit_id, data=[demo], notes="Synthetic demonstration data, not official "
                                                                  "statistics.")
        written.append(io.write_text(target, text))
    return written


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
        hint = _closest(text.lower(), available_units())
        raise ParamsError(f"'{text}' is not a unit id: it looks like a path or has characters other than "
                          "a-z, 0-9 and '_'", problems=[Problem(
                              "unit ids are ASCII slugs such as 'inner_mongolia'",
                              f"did you mean '{hint}'?" if hint else "see data/units.csv")])
    path = PARAMS_DIR / f"{text}.yaml"
    if not path.is_file():
        raise ParamsError(f"no params file for unit '{text}' in {_show(PARAMS_DIR)}/",
                          problems=[Problem("unknown unit", _did_you_mean(text, available_units()))])
    return path


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The file's top-level mapping and the line of each key; malformed or empty -> ParamsError."""
    shown = _show(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParamsError(f"cannot read params file: {exc.strerror}", path=shown) from exc
    except UnicodeDecodeError as exc:
        raise ParamsError("params file is not UTF-8 text", path=shown) from exc
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


def _key_problems(raw: Mapping, lines: Mapping[str, int], *, allowed: tuple[str, ...]) -> list[Problem]:
    problems = []
    for key in raw:
        if key not in allowed:
            close = _closest(str(key), allowed)
            hint = f"did you mean '{close}'? " if close else ""
            problems.append(Problem(f"unknown key '{key}'", f"{hint}Allowed keys: {', '.join(allowed)}",
                                    row=lines.get(str(key))))
    return problems


def _check_values(raw: Mapping, lines: Mapping[str, int]) -> tuple[dict[str, Any], list[Problem]]:
    values, problems = {}, []
    for key, check in CHECKS.items():
        if key not in raw:
            continue
        try:
            values[key] = check(raw[key])
        except _Bad as bad:
            message = bad.message or f"value {raw[key]!r} is not {bad.expected}"
            problems.append(Problem(f"key '{key}': {message}", bad.fix, row=lines.get(key)))
    return values, problems


def _cross_problems(values: Mapping[str, Any], lines: Mapping[str, int]) -> list[Problem]:
    """Checks that involve two keys (run on the merged values)."""
    problems = []
    selection, models = values.get("model_selection"), values.get("models", ())
    if selection in MODEL_CANDIDATES and selection not in models:
        problems.append(Problem(f"key 'model_selection': model '{selection}' is not among models {list(models)}",
                                "add it to `models` or choose ensemble/best", row=lines.get("model_selection")))
    if values.get("attain_horizon", YEAR_MAX) <= values.get("as_of", YEAR_MIN):
        problems.append(Problem(f"key 'attain_horizon': {values['attain_horizon']} is not after as_of "
                                f"{values['as_of']}", "search for attainment beyond the data year",
                                row=lines.get("attain_horizon")))
    if values.get("min_backtest_points", MIN_SERIES_POINTS) < values.get("min_points", MIN_SERIES_POINTS):
        problems.append(Problem(f"key 'min_backtest_points': {values['min_backtest_points']} is below min_points "
                                f"{values['min_points']}", "back-testing needs at least as many points as a fit",
                                row=lines.get("min_backtest_points")))
    return problems


def _unit_id_problems(raw: Mapping, lines: Mapping[str, int], path: Path, problems: list[Problem]) -> str:
    """Check ``unit_id`` (required, safe, known, equal to the file name in params/); append problems."""
    unit_id = raw.get("unit_id")
    row = lines.get("unit_id")
    if unit_id is None:
        problems.append(Problem("missing key 'unit_id'", f"add `unit_id: {path.stem}`", row=1))
        return ""
    if not isinstance(unit_id, str):
        problems.append(Problem(f"key 'unit_id': value {unit_id!r} is not a unit id text", row=row))
        return ""
    if any(s in unit_id for s in ("/", "\\", "..")):
        problems.append(Problem(f"key 'unit_id': value {unit_id!r} looks like a path, not a unit id",
                                "use an id from data/units.csv such as 'beijing'", row=row))
        return unit_id
    try:
        _known_unit(unit_id)
    except _Bad as bad:
        problems.append(Problem(f"key 'unit_id': value {unit_id!r} is not {bad.expected}", bad.fix, row=row))
        return unit_id
    in_params_dir = path.resolve().parent == PARAMS_DIR.resolve()
    if in_params_dir and path.stem != unit_id:
        problems.append(Problem(f"key 'unit_id': value {unit_id!r} does not match the file name '{path.name}'",
                                f"rename the file to {unit_id}.yaml or fix unit_id", row=row))
    return unit_id


def _known_unit(unit_id: str) -> str:
    units = _units()
    if unit_id not in units.index:
        raise _Bad(f"a unit id in {_show(UNITS_CSV)}", _did_you_mean(unit_id, list(units.index)))
    return unit_id


def _units() -> pd.DataFrame:
    return load_units()


def _indicator_ids() -> list[str]:
    return list(load_indicators().index)


def _target_path(value: str) -> Path:
    if value.endswith(".csv") or "/" in value or "\\" in value:
        return _resolve(value)
    return TARGETS_DIR / f"{value}.csv"


def _resolve(path: str | Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _show(path: str | Path) -> str:
    """A path relative to the project root when inside it (messages stay short and portable)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = _closest(word, choices)
    return f"did you mean '{close}'?" if close else f"choose one of: {', '.join(choices)}"


def _yaml_str(text: str) -> str:
    return '""' if not text else yaml.safe_dump(text, default_style='"', allow_unicode=True).strip()


def _raise_if(problems: list[Problem], path: Path) -> None:
    if problems:
        problems = sorted(problems, key=lambda p: (not isinstance(p.row, int), p.row if isinstance(p.row, int) else 0))
        n = len(problems)
        raise ParamsError(f"invalid parameters ({n} problem{'s' if n > 1 else ''})", path=_show(path),
                          problems=problems)
