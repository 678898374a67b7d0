"""What a params file may hold: one check per key, the cross-key checks, and the lookups they need.

Split from :mod:`toolkit.inputs.params` (which reads, merges and loads the files) so the rules for values can be
read in one place. A check returns the validated value or raises :class:`InvalidValue`; :func:`check_values`
turns those into :class:`~toolkit.core.errors.Problem` rows so all problems of a file are reported at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from toolkit.contracts.cycles import CYCLES, LATEST
from toolkit.contracts.observations import FIRST_YEAR, LAST_YEAR
from toolkit.contracts.params import (
    CATEGORY_KEYS,
    EUROSTAT_CLASSES,
    LOGIT_EPS,
    MIN_TREND_POINTS,
    MODEL_NAMES,
    SELECTION_MODES,
    TRANSFORM_NAMES,
)
from toolkit.core.errors import Problem, ToolkitError, did_you_mean
from toolkit.core.i18n import LANGUAGES
from toolkit.core.paths import (
    GLOB_CHARS,
    INDICATORS_CSV,
    TARGETS_DIR,
    UNITS_CSV,
    display_path,
    expand_globs,
    project_path,
)
from toolkit.inputs.catalog import available_target_sets, load_indicators, target_set_file
from toolkit.inputs.unit_targets import local_target_file
from toolkit.inputs.units import load_units

YEAR_MIN, YEAR_MAX = FIRST_YEAR, LAST_YEAR  # plausible calendar years for as_of and attain_horizon
MIN_SERIES_POINTS = 2  # no trend can be fitted to fewer points


class InvalidValue(ValueError):
    """A value failed its check: ``expected`` says what would have been accepted, ``message`` replaces
    the default "value ... is not <expected>" wording when the value itself is not the point."""

    def __init__(self, expected: str, fix: str = "", *, message: str | None = None,
                 cause: ToolkitError | None = None):
        super().__init__(expected)
        self.expected = expected
        self.fix = fix
        self.message = message
        self.cause = cause  # a file the value names is broken: its own problems are listed under the key


# --------------------------------------------------------------------------- value checks


def _int(value: Any, *, lo: int | None = None, hi: int | None = None, what: str = "an integer") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(what, "write a whole number without quotes")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidValue(f"{what} between {lo} and {hi}" if hi is not None else f"{what} >= {lo}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue("a number", "write a number without quotes")
    return float(value)


def _probability(value: Any) -> float:
    number = _number(value)
    if not 0.0 < number < 1.0:
        raise InvalidValue("a number strictly between 0 and 1")
    return number


def _str_list(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):  # a single file is allowed without brackets
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidValue(f"a list of {what}", f"write [{what.split()[0]}, ...]")
    return tuple(value)


def _check_year(value: Any) -> int:
    return _int(value, lo=YEAR_MIN, hi=YEAR_MAX, what="an integer year")


def _check_as_of(value: Any) -> int | str:
    if value == LATEST:
        return LATEST
    if isinstance(value, int) and not isinstance(value, bool):
        return _check_year(value)
    raise InvalidValue(f"an integer year or '{LATEST}'", f"'{LATEST}' takes the latest year with national data, "
                       "capped at the cycle's end")


def _check_cycle(value: Any) -> str:
    if str(value) not in CYCLES:
        raise InvalidValue(f"one of {', '.join(CYCLES)}", choice_hint(str(value), CYCLES))
    return str(value)


def _check_local_targets(value: Any) -> dict[str, str]:
    """``local_targets``: cycle id -> the unit's own plan's target file, loaded and checked now, so a broken
    file fails before any kernel starts."""
    if value is None or value == {}:
        return {}
    example = "{2021-2030: data/targets/examples/fuzhou-2021-2030.csv}"
    if not isinstance(value, Mapping):
        raise InvalidValue(f"a mapping cycle: CSV file, e.g. {example}")
    out = {}
    for cycle_id, path in value.items():
        if str(cycle_id) not in CYCLES:
            raise InvalidValue(f"a mapping with cycles ({', '.join(CYCLES)}) as keys",
                               f"'{cycle_id}' is not a cycle; {choice_hint(str(cycle_id), CYCLES)}")
        if not isinstance(path, str) or not path:
            raise InvalidValue(f"a CSV path for cycle {cycle_id}", f"e.g. {example}")
        try:
            local_target_file(path, CYCLES[str(cycle_id)])
        except ToolkitError as exc:
            raise InvalidValue("a valid local target file", message=f"{cycle_id}: {exc.path}: {exc.summary}", cause=exc) from None
        out[str(cycle_id)] = path
    return out


def _check_count(value: Any) -> int:
    return _int(value, lo=MIN_SERIES_POINTS, what="an integer")


def _check_target_set(value: Any) -> str | None:
    if value is None:
        return None  # the cycle's Outline set
    if not isinstance(value, str) or not value:
        raise InvalidValue("a target set name or a CSV path", "or leave it empty (null) for the cycle's Outline set")
    if target_set_file(value, from_project=True).is_file():
        return value
    sets = available_target_sets()
    raise InvalidValue(f"a target set in {display_path(TARGETS_DIR)}/ ({', '.join(sets)}) or an existing CSV path",
               choice_hint(value, sets))


def _check_files(value: Any) -> tuple[str, ...]:
    patterns = _str_list(value, "file paths")
    found, unmatched = expand_globs(patterns, project_path)
    if unmatched:
        raise InvalidValue("existing files", "check the pattern (relative to the project root)",
                           message=f"no file matches {', '.join(unmatched)}")
    files = tuple(display_path(p) for p in found) if any(any(c in p for c in GLOB_CHARS) for p in patterns) \
        else patterns
    missing = [display_path(project_path(f)) for f in files if not project_path(f).is_file()]
    if missing:
        demo = any(m.startswith("data/demo/") for m in missing)
        raise InvalidValue("existing files", "check the path (relative to the project root)"
                   + ("; regenerate the demo panel with `make demo-data`" if demo else ""),
                   message=f"file not found: {', '.join(missing)}")
    return files


def _check_prefer(value: Any) -> str | None:
    """``prefer``: the one of the unit's data files whose values win where two of them disagree."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not project_path(value).is_file():
        raise InvalidValue("an existing file of `data:`", "give the path of the file that wins (relative to the "
                           "project root)")
    return value


def _check_optional_files(value: Any) -> tuple[str, ...]:
    return () if value in (None, []) else _check_files(value)


def _check_unit_ref(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue("a unit id from data/units.csv")
    return known_unit(value)


def _check_categories(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise InvalidValue(f"a mapping {{{', '.join(f'{k}: p' for k in CATEGORY_KEYS)}}}")
    if set(value) != set(CATEGORY_KEYS):
        raise InvalidValue(f"a mapping with exactly the keys {', '.join(CATEGORY_KEYS)}")
    bounds = {k: _probability(value[k]) for k in CATEGORY_KEYS}
    if not all(a > b for a, b in zip(list(bounds.values()), list(bounds.values())[1:])):
        raise InvalidValue("probabilities that decrease: on_track > likely > at_risk")
    return bounds


def _check_levels(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidValue("a non-empty list of levels, e.g. [0.8, 0.95]")
    try:
        levels = tuple(_probability(v) for v in value)
    except InvalidValue:
        raise InvalidValue("a list of levels strictly between 0 and 1, e.g. [0.8, 0.95]") from None
    if any(a >= b for a, b in zip(levels, levels[1:])):
        raise InvalidValue("levels strictly between 0 and 1 in increasing order")
    return levels


def _check_models(value: Any) -> tuple[str, ...]:
    models = _str_list(value, "model names")
    unknown = [m for m in models if m not in MODEL_NAMES]
    if not models or unknown or len(set(models)) != len(models):
        raise InvalidValue(f"a non-empty list without repeats drawn from {', '.join(MODEL_NAMES)}",
                   choice_hint(unknown[0], MODEL_NAMES) if unknown else "remove the repeated name")
    return models


def _check_selection(value: Any) -> str:
    allowed = SELECTION_MODES + MODEL_NAMES
    if not isinstance(value, str) or value not in allowed:
        raise InvalidValue(f"one of {', '.join(allowed)}", choice_hint(str(value), allowed))
    return value


def _check_transforms(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValue("a mapping indicator_id: transform")
    indicators = _indicator_ids()
    for key, transform in value.items():
        if key not in indicators:
            raise InvalidValue(f"indicator ids from {display_path(INDICATORS_CSV)} as keys",
                       f"'{key}' is not an indicator; {choice_hint(str(key), indicators)}")
        if transform not in TRANSFORM_NAMES:
            raise InvalidValue(f"transforms from {', '.join(TRANSFORM_NAMES)} as values", f"'{key}: {transform}' is not one")
    return dict(value)


def _check_cap(value: Any) -> float:
    cap = _number(value)
    if cap <= 2 * LOGIT_EPS:
        raise InvalidValue(f"a number above {2 * LOGIT_EPS:g} (the saturating scale keeps {LOGIT_EPS:g} from "
                           "0 and from the cap)", "gross enrolment rates use 110")
    return cap


def _check_trend_points(value: Any) -> int:
    number = _int(value)
    if number < MIN_TREND_POINTS:
        raise InvalidValue(f"an integer >= {MIN_TREND_POINTS}",
                           f"a trend needs {MIN_TREND_POINTS} points (the drift model uses 3 increments)")
    return number


def _check_thresholds(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != EUROSTAT_CLASSES:
        raise InvalidValue(f"a list of {EUROSTAT_CLASSES} numbers")
    thresholds = tuple(_number(v) for v in value)
    if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
        raise InvalidValue(f"a list of {EUROSTAT_CLASSES} strictly decreasing numbers, e.g. [0.95, 0.6, 0.0]")
    return thresholds


def _check_language(value: Any) -> str:
    if str(value) not in LANGUAGES:
        raise InvalidValue(f"one of {', '.join(LANGUAGES)}", "zh: the Chinese edition, en: the English one")
    return str(value)


def _check_notes(value: Any) -> str | dict[str, str]:
    """A text, or one text per edition ({zh: ..., en: ...}): the report shows the note of its own edition."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        unknown = [str(k) for k in value if str(k) not in LANGUAGES]
        if unknown or not all(isinstance(v, str) for v in value.values()):
            raise InvalidValue("a text, or a mapping of editions to texts", 'e.g. notes: {zh: "……", en: "..."}')
        return {str(k): v for k, v in value.items()}
    if not isinstance(value, str):
        raise InvalidValue("a text", 'put the text in quotes: notes: "..."')
    return value


#: key -> check; every key a params file may hold (besides ``unit_id`` in a unit's file).
CHECKS: dict[str, Callable[[Any], Any]] = {
    "cycle": _check_cycle,
    "language": _check_language,
    "target_set": _check_target_set,
    "local_targets": _check_local_targets,
    "as_of": _check_as_of,
    "data": _check_files,
    "prefer": _check_prefer,
    "comparison_data": _check_optional_files,
    "comparison_unit": _check_unit_ref,
    "min_points": _check_trend_points,
    "categories": _check_categories,
    "interval_levels": _check_levels,
    "models": _check_models,
    "model_selection": _check_selection,
    "recent_window": _check_trend_points,
    "min_backtest_points": _check_count,
    "attain_horizon": _check_year,
    "transform_overrides": _check_transforms,
    "saturating_cap": _check_cap,
    "eurostat_thresholds": _check_thresholds,
    "notes": _check_notes,
}


# --------------------------------------------------------------------------- problems of a mapping


def key_problems(raw: Mapping, lines: Mapping[str, int], *, allowed: tuple[str, ...]) -> list[Problem]:
    problems = []
    for key in raw:
        if key not in allowed:
            close = next(iter(did_you_mean(str(key), allowed, case_sensitive=True)), None)
            hint = f"did you mean '{close}'? " if close else ""
            problems.append(Problem(f"unknown key '{key}'", f"{hint}Allowed keys: {', '.join(allowed)}",
                                    row=lines.get(str(key))))
    return problems


def check_values(raw: Mapping, lines: Mapping[str, int]) -> tuple[dict[str, Any], list[Problem]]:
    values, problems = {}, []
    for key, check in CHECKS.items():
        if key not in raw:
            continue
        try:
            values[key] = check(raw[key])
        except InvalidValue as bad:
            message = bad.message or f"value {shown_value(raw[key])} is not {bad.expected}"
            problems.append(Problem(f"key '{key}': {message}", bad.fix, row=lines.get(key)))
            if bad.cause is not None:
                problems += [Problem(f"key '{key}': {bad.cause.path}, {replace(p, fix='').render()}", p.fix,
                                     row=lines.get(key)) for p in bad.cause.problems]
    return values, problems


def cross_problems(values: Mapping[str, Any], lines: Mapping[str, int]) -> list[Problem]:
    """Checks that involve two keys (run on the merged values)."""
    problems = []
    selection, models = values.get("model_selection"), values.get("models", ())
    if selection in MODEL_NAMES and selection not in models:
        problems.append(Problem(f"key 'model_selection': model '{selection}' is not among models {list(models)}",
                                "add it to `models` or choose ensemble, stacking or best", row=lines.get("model_selection")))
    as_of = values.get("as_of", YEAR_MIN)
    if as_of == LATEST and values.get("cycle") in CYCLES:  # the latest year is at most the cycle's end
        as_of = CYCLES[values["cycle"]].end_year
    if isinstance(as_of, int) and values.get("attain_horizon", YEAR_MAX) <= as_of:
        problems.append(Problem(f"key 'attain_horizon': {values['attain_horizon']} is not after as_of "
                                f"{as_of}", "search for attainment beyond the data year",
                                row=lines.get("attain_horizon")))
    if values.get("min_backtest_points", MIN_SERIES_POINTS) < values.get("min_points", MIN_SERIES_POINTS):
        problems.append(Problem(f"key 'min_backtest_points': {values['min_backtest_points']} is below min_points "
                                f"{values['min_points']}", "back-testing needs at least as many points as a fit",
                                row=lines.get("min_backtest_points")))
    return problems


# --------------------------------------------------------------------------- lookups


def known_unit(unit_id: str) -> str:
    units = load_units()
    if unit_id not in units.index:
        raise InvalidValue(f"a unit id in {display_path(UNITS_CSV)}", choice_hint(unit_id, list(units.index)))
    return unit_id


def _indicator_ids() -> list[str]:
    return list(load_indicators().index)


def choice_hint(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = next(iter(did_you_mean(word, choices, case_sensitive=True)), None)
    return f"did you mean '{close}'?" if close else f"choose one of: {', '.join(choices)}"


#: Longest rendering of a user's value in a message (a huge value must not make a huge message).
MAX_SHOWN = 80


def shown_value(value: Any) -> str:
    """``repr(value)``, cut to :data:`MAX_SHOWN` characters."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 5] + " ...)"
