"""The seeded synthetic county panel (data/demo/counties.csv, git-ignored): every prefecture and county around
its province.

Why it exists: county-scale batch runs (3,179 units) need a panel of that size to be planned, timed and
demonstrated, and no real county series exist in the project. Each unit's series scatter around its
province's series in data/demo/provinces.csv (itself synthetic), so a county report tells the same story as
its province's, and the province is roughly the centre of its counties. Every row is marked SYNTHETIC
exactly as the province panel's are (:mod:`toolkit.contracts.synthetic`), so every page built on it shows
the banner.

Model, on each indicator's modelling scale ``z`` (log / logit / identity), unit ``c`` in province ``p``::

    z[c, t] = centre[p, t]                                                 the province's series
              + spread * (LEVEL_SD * a[c] + SLOPE_SD * b[c] * (t - CENTRE_YEAR))   random level and slope
              + NOISE_FACTOR * noise * e[c, t]                             year-to-year noise

``centre`` is the province's published values (a bound such as "above 99" taken at the bound, values at a
hard bound moved one published step inside it) interpolated on the z scale; a unit has values only within
the province's first and last year of that indicator, and each year is missing with probability
``MISSING_SHARE`` (never the base year of a relative target or of the 2021-2030 cycle). ``spread`` and
``noise`` are the indicator's :data:`toolkit.demo.panel.SPECS`. Prefectures are drawn around the province
like counties (not as the mean of their counties).

Each unit draws from its own generator, seeded by (seed, gb_code), always the same count of numbers in the
same order: a unit's series do not depend on which other units are generated (``within``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.contracts.synthetic import SYNTHETIC_NOTE, synthetic_source
from toolkit.core import io
from toolkit.core.paths import DEMO_COUNTIES_CSV
from toolkit.demo.panel import (
    CENTRE_YEAR,
    CYCLE_BASE_YEAR,
    DEFAULT_SEED,
    DEMO_FILE,
    MISSING_SHARE,
    SPECS,
    YEARS,
    _indicators,
    _publishable,
    _relative_base_years,
    _target_indicators,
    _transform,
    observation_csv,
)
from toolkit.inputs.observations import load_observations
from toolkit.inputs.units import PROVINCE_LEVELS, load_units, resolve_unit

LEVELS = ("prefecture", "county")
LEVEL_SD = 0.5  # sd of a unit's random level around its province, in units of spread (provinces: 0.4 around the nation)
SLOPE_SD = 0.05  # sd of a unit's random slope per year, in units of spread (as for provinces)
NOISE_FACTOR = 1.5  # counties are small: their rates are noisier than the province's
#: The note of every row: the province panel's, word for word (a longer one costs 50 MB over 1.2 million rows).
NOTE = SYNTHETIC_NOTE


@dataclass(frozen=True)
class Centre:
    """A province's series of one indicator on the modelling scale, for every year of :data:`YEARS`."""

    z: np.ndarray
    first: int
    last: int


def province_centres(provinces: pd.DataFrame) -> dict[tuple[str, str], Centre]:
    """(province, indicator) -> its series on the z scale, interpolated over the years it lacks.

    A bound ("above 99") is taken at the bound; a value at an indicator's hard bound (a deliberate hard case of
    the province panel: 100% hospital delivery) one published step inside it, so its z is finite."""
    indicators = _indicators()
    years = np.array(YEARS, dtype=float)
    out = {}
    for (unit_id, ind), rows in provinces.groupby(["unit_id", "indicator_id"], sort=False):
        if ind not in SPECS:
            continue
        meta = indicators.loc[ind]
        rows = rows.sort_values("year")
        values = _publishable(rows["value"].to_numpy(float), meta, SPECS[ind].decimals)
        z = _transform(meta["transform"]).forward(values)
        out[str(unit_id), str(ind)] = Centre(np.interp(years, rows["year"].to_numpy(float), z),
                                             int(rows["year"].min()), int(rows["year"].max()))
    return out


def units_to_generate(within: str | None = None) -> pd.DataFrame:
    """The prefectures and counties (in code order), or those inside ``within`` (any spelling of a province or
    prefecture; a prefecture includes itself), each with its province in column ``province``."""
    table = load_units()
    parents = table["parent"].to_dict()
    chains = {}
    for unit_id in table.index[table["level"].isin(LEVELS)]:
        chain, up = [unit_id], parents[unit_id]
        while up:
            chain.append(up)
            up = parents[up]
        chains[unit_id] = chain
    units = table.loc[list(chains)].assign(province=[c[-2] for c in chains.values()])
    if within is not None:
        inside = resolve_unit(within, prefer=PROVINCE_LEVELS)
        units = units[[inside in chains[u] for u in units.index]]
    return units.sort_values("gb_code")


def generate_county_panel(seed: int = DEFAULT_SEED, within: str | None = None, *,
                          provinces: str | Path = DEMO_FILE) -> pd.DataFrame:
    """The county panel in observation format (one row per published value), without writing it.

    ``within``: only the units inside this province (or prefecture); ``provinces``: the province panel the
    units scatter around (default data/demo/provinces.csv)."""
    indicators = _indicators()
    centres = province_centres(load_observations(provinces))
    indicator_ids = [i for i in indicators.index if i in _target_indicators() and i in SPECS]
    base_years = _relative_base_years()
    years = np.array(YEARS)
    source = synthetic_source(seed)
    params = {}
    for ind in indicator_ids:
        meta = indicators.loc[ind]
        always = np.isin(years, (*base_years.get(ind, ()), CYCLE_BASE_YEAR))
        params[ind] = (SPECS[ind], meta, _transform(meta["transform"]), always, str(meta["unit"]))
    columns: dict[str, list] = {c: [] for c in ("unit_id", "indicator_id", "year", "value")}
    for unit_id, unit in units_to_generate(within).iterrows():
        rng = np.random.default_rng([seed, int(unit["gb_code"])])
        for ind in indicator_ids:
            # Every unit draws the same numbers in the same order, whether or not its province has the series.
            level, slope = rng.normal(size=2)
            eps = rng.normal(size=len(years))
            gaps = rng.random(len(years)) < MISSING_SHARE
            centre = centres.get((unit["province"], ind))
            if centre is None:
                continue
            spec, meta, tf, always, _ = params[ind]
            z = (centre.z + spec.spread * (LEVEL_SD * level + SLOPE_SD * slope * (years - CENTRE_YEAR))
                 + NOISE_FACTOR * spec.noise * eps)
            keep = (~gaps | always) & (years >= centre.first) & (years <= centre.last)
            values = _publishable(tf.inverse(z[keep]), meta, spec.decimals)
            n = len(values)
            columns["unit_id"] += [unit_id] * n
            columns["indicator_id"] += [ind] * n
            columns["year"] += years[keep].tolist()
            columns["value"] += values.tolist()
    frame = pd.DataFrame(columns)
    units_of = {ind: p[4] for ind, p in params.items()}
    return frame.assign(qualifier="=", unit=frame["indicator_id"].map(units_of), source=source, note=NOTE)[OBS_COLUMNS]


def write_county_panel(path: str | Path = DEMO_COUNTIES_CSV, *, seed: int = DEFAULT_SEED,
                       within: str | None = None) -> Path:
    """Write the county panel to ``path`` (atomically) and return it; same seed and ``within``, same bytes."""
    return io.write_text(Path(path), observation_csv(generate_county_panel(seed, within)))
