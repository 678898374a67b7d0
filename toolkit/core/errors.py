"""Errors a user can cause. Every one is a :class:`ToolkitError`, so the CLI can print it without a traceback.

A message names the file, the row (or sheet/cell), the column, what is wrong and how to fix it.
Validation collects every problem of a file (up to :data:`MAX_PROBLEMS`) instead of stopping at the first.
The "did you mean" helpers live here because every message that names an unknown word uses them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_PROBLEMS = 50
#: Longest excerpt of a cell a message quotes: messages end up in shareable reports, and a file that is
#: not a data file (a params ``data:`` path may point anywhere) must not be copied into them.
MAX_EXCERPT = 40


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input file."""

    message: str
    fix: str = ""
    row: int | str | None = None  # 1-based line number in the file (header = line 1), or "Sheet1!C7"
    column: str | None = None

    def render(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}" if isinstance(self.row, int) else str(self.row))
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = (", ".join(where) + ": ") if where else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{prefix}{self.message}.{fix}" if not self.message.endswith(".") else f"{prefix}{self.message}{fix}"


class ToolkitError(Exception):
    """Base class of every error a user can cause (bad file, unknown id, bad parameter)."""

    def __init__(self, message: str, *, path: str | Path | None = None, problems: list[Problem] | None = None):
        self.path = str(path) if path is not None else None
        self.problems = list(problems or [])
        self.summary = message
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.path}: {self.summary}" if self.path else self.summary
        if not self.problems:
            return head
        shown = self.problems[:MAX_PROBLEMS]
        lines = [head] + [f"  - {p.render()}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more problem(s) not shown")
        return "\n".join(lines)


class DataValidationError(ToolkitError):
    """An observation, target, unit or indicator file breaks its data contract."""


class UnknownUnitError(ToolkitError):
    """A unit name or id that is not in data/units.csv (or is unsafe, e.g. contains a path separator)."""


class AmbiguousUnitError(UnknownUnitError):
    """A unit name shared by several units (朝阳区 in Beijing and in Changchun; 吉林 the province and the city).

    A subclass of :class:`UnknownUnitError`, so every caller that reports an unknown unit reports this too;
    ``candidates`` holds the unit ids the name could mean, and the first problem lists them all (observation
    files quote only the first problem of a cell).
    """

    def __init__(self, message: str, *, candidates: list[str], path: str | Path | None = None,
                 problems: list[Problem] | None = None):
        self.candidates = list(candidates)
        super().__init__(message, path=path, problems=problems)


class UnknownIndicatorError(ToolkitError):
    """An indicator id that is not in data/indicators.csv."""


class TargetError(ToolkitError):
    """A target set that cannot be found or resolved for a unit."""


class ParamsError(ToolkitError):
    """A params YAML file with an unknown key, a wrong type or an impossible value."""


class BatchError(ToolkitError):
    """A batch run that cannot start (bad output folder, no units)."""


def excerpt(text: object, limit: int = MAX_EXCERPT) -> str:
    """A cell as a message may quote it: control and invisible characters named, at most ``limit`` characters.

    >>> excerpt("a\tb\ufeff")
    'a<TAB>b<U+FEFF>'
    """
    out = []
    for ch in str(text):
        if ch == "\t":
            out.append("<TAB>")
        elif ch in "\r\n":
            out.append("<NEWLINE>")
        elif not ch.isprintable() or ch in "\ufeff\u200b":
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 1, cutoff: float = 0.6,
                 case_sensitive: bool = False) -> list[str]:
    """Close matches of ``name`` among ``candidates``, best first.

    Case-insensitive by default (unit and column names, where 'Beijing' means 'beijing'); params keys and
    values are matched case-sensitively, since YAML keys are.
    """
    if case_sensitive:
        return difflib.get_close_matches(str(name), [str(c) for c in candidates], n=n, cutoff=cutoff)
    by_key: dict[str, str] = {}
    for cand in candidates:
        by_key.setdefault(str(cand).casefold(), str(cand))
    return [by_key[k] for k in difflib.get_close_matches(str(name).casefold(), list(by_key), n=n, cutoff=cutoff)]


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """" (did you mean 'x'?)" or an empty string: the tail of an 'unknown ...' message."""
    close = did_you_mean(name, candidates)
    return f" (did you mean '{close[0]}'?)" if close else ""
