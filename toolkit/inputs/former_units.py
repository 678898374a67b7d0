"""Codes and names of earlier division lists that the current one lacks (data/units_former.csv, built with the
unit tables by data/build_units.py): 崇文区 110103 (merged into 东城区 in 2010), 彭山县 511422 (now 彭山区),
襄樊市 (renamed 襄阳市). They are not units: the name lookup uses them only to say "a former unit, listed
1980-2009" where it would otherwise say "unknown", and never picks a successor for the user.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from toolkit.core.paths import UNITS_FORMER_CSV
from toolkit.inputs.files import file_key


@dataclass(frozen=True)
class FormerUnit:
    gb_code: str
    level: str  # prefecture or county
    name_zh: str
    province: str  # the unit_id of the province it was listed under
    first_year: int
    last_year: int


def former_units(path: str | Path = UNITS_FORMER_CSV) -> tuple[FormerUnit, ...]:
    """The rows of the former-units file (empty when the file is absent: messages just say less)."""
    return _read(file_key(path))


@lru_cache(maxsize=2)
def _read(key: tuple[str, int, int]) -> tuple[FormerUnit, ...]:
    path = Path(key[0])
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(FormerUnit(r["gb_code"], r["level"], r["name_zh"], r["province"], int(r["first_year"]),
                                int(r["last_year"])) for r in csv.DictReader(handle))
