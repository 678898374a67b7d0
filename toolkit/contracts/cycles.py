"""The Outline's cycles: which target set each one grades, its base, mid-term and target years, its full name.

A run assesses one cycle (``cycle`` in the params, ``--cycle`` on ``run``). The live cycle is 2021-2030
(targets for 2030, mid-term review 2025, base year 2020); the 2011-2020 cycle is the final evaluation of
the previous Outline. Reports and the index name a cycle in full, never by its file slug.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cycle:
    """One Outline cycle."""

    cycle_id: str
    target_set: str  # the national set in data/targets/
    base_year: int  # the year the Outline's straight path starts from (its baseline)
    midterm_year: int  # the mid-term review
    end_year: int  # the target year of the main targets
    name_zh: str
    name_en: str

    def as_of(self, latest_year: int) -> int:
        """The as-of year for ``as_of: latest``: the latest year with data, but never past the cycle's end."""
        return min(int(latest_year), self.end_year)


CYCLES: dict[str, Cycle] = {
    "2021-2030": Cycle("2021-2030", "outline-2021-2030", 2020, 2025, 2030,
                       "《中国儿童发展纲要（2021—2030年）》",
                       "Outline for the Development of Chinese Children (2021–2030)"),
    "2011-2020": Cycle("2011-2020", "outline-2011-2020", 2010, 2015, 2020,
                       "《中国儿童发展纲要（2011—2020年）》",
                       "Outline for the Development of Chinese Children (2011–2020)"),
}
#: The cycle ``make run`` assesses: the live Outline.
DEFAULT_CYCLE = "2021-2030"
#: ``as_of: latest``: the latest year with data for the comparison unit (the nation), capped at the cycle's end.
LATEST = "latest"


def cycle_of_set(target_set: str) -> Cycle | None:
    """The cycle whose national set is ``target_set`` (a set name), or None for any other set."""
    return next((c for c in CYCLES.values() if c.target_set == target_set), None)
