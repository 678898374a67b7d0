"""The observation contract: the columns of every observation file and what a qualifier means.

Published bounds ("above 99%") are never point values: ``POINT_QUALIFIERS`` is the one test of whether a
row is a point (an empty qualifier means a point). Years outside ``FIRST_YEAR``..``LAST_YEAR`` are typing
mistakes in every table. Documented for users in ``data/README.md`` and ``docs/interfaces.md``.
"""

from __future__ import annotations

import pandas as pd

OBS_COLUMNS = ["unit_id", "indicator_id", "year", "value", "qualifier", "unit", "source", "note"]
REQUIRED_COLUMNS = ["unit_id", "indicator_id", "year", "value", "unit", "source"]
OPTIONAL_COLUMNS = ["qualifier", "note"]
QUALIFIERS = ("=", ">", "<")
KEY = ["unit_id", "indicator_id", "year"]
#: Qualifiers of a point value; '>' and '<' are published bounds.
POINT_QUALIFIERS = {"=", ""}
FIRST_YEAR, LAST_YEAR = 1949, 2100
#: Largest size of a value: above any count the outlines measure (China's population is 1.4e9); a larger
#: number is a typing or unit mistake, and would break the charts' axes.
MAX_ABS_VALUE = 1e12
#: Ids (units, indicators): lower-case ASCII letters, digits and '_', starting with a letter.
SLUG = r"^[a-z][a-z0-9_]*$"


def is_point(qualifiers: pd.Series) -> pd.Series:
    """True where a row is a point value (qualifier '=', empty or missing), False for a published bound."""
    return qualifiers.fillna("=").isin(POINT_QUALIFIERS)
