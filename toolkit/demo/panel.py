"""The seeded synthetic province panel (data/demo/provinces.csv).

Why it exists: real provincial series are far too sparse to demonstrate a province report, so the
toolkit ships a generator whose output is consistent with the REAL national series, deterministic for a
seed, stored apart from real data, and marked on every row (``source`` starts with ``SYNTHETIC``) so
every report built on it shows the banner of :mod:`toolkit.contracts.synthetic`.

Model (data/demo/README.md has the full description and every hard case). On each indicator's modelling
scale ``z`` (log / logit / identity, from data/indicators.csv)::

    z[p, t] = anchor[t] + worse * spread * (region[p] + extra[p])      regional and provincial gaps
              + spread * (LEVEL_SD * a[p] + SLOPE_SD * b[p] * (t - CENTRE_YEAR))   random level and slope
              + noise * e[p, t]

``anchor`` follows the real national points (interpolated on the z scale, extended at the OLS slope of
those points) or, where the national series is too sparse, a documented 2010 -> 2020 path extended at its
slope to 2024.
"""

from __future__ import annotations

import csv
import io as _io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.contracts.observations import OBS_COLUMNS
from toolkit.contracts.synthetic import SYNTHETIC_NOTE, synthetic_source
from toolkit.core import io
from toolkit.core.paths import DEMO_DIR, OBSERVATIONS_DIR
from toolkit.engine.transforms import get_transform
from toolkit.inputs.catalog import load_indicators, load_targets
from toolkit.inputs.observations import load_observations
from toolkit.inputs.units import PROVINCE_LEVELS, load_units

DEFAULT_SEED = 20240601
DEMO_FILE = DEMO_DIR / "provinces.csv"
NATIONAL_FILES = (OBSERVATIONS_DIR / "national.csv", OBSERVATIONS_DIR / "national_2021_2025.csv")
TARGET_SETS = ("outline-2011-2020", "outline-2021-2030")  # indicators with a target in either are generated
YEARS = tuple(range(2010, 2025))  # to 2024, the latest year of the real national series
#: Documented paths (start/end levels, hard cases) run straight between these years on the modelling
#: scale, and on beyond the second at the same slope.
PATH_YEARS = (2010, 2020)
#: The 2021-2030 Outline's base year is always published, as the final 2011-2020 monitoring report did,
#: so the mid-term view has its starting point (random gaps never fall on it).
CYCLE_BASE_YEAR = 2020
CENTRE_YEAR = 2015  # random slopes pivot here, so random levels describe the middle of the period


# Gaps between provinces, in units of an indicator's `spread`: positive = worse than the nation.
REGION_DISADVANTAGE = {"east": -1.0, "northeast": -0.5, "central": 0.0, "west": 1.0}
PROVINCE_DISADVANTAGE = {"beijing": -1.0, "shanghai": -1.0, "tianjin": -1.0,  # metropolises
                         "tibet": 1.0, "qinghai": 1.0, "xinjiang": 1.0}  # remote highland/border provinces
LEVEL_SD = 0.4  # sd of a province's random level, in units of spread
SLOPE_SD = 0.05  # sd of a province's random slope per year, in units of spread
MISSING_SHARE = 0.10  # chance that any one year of an ordinary series is missing
HARD_CASE_NOISE = 0.5  # hard-case series get half the noise, so their feature shows for any seed

# Noise sd on the modelling scale, by how the figure is collected.
ADMIN_LOGIT = 0.04  # administrative percentages (enrolment, management, screening)
ADMIN_PP = 0.5  # administrative gross rates on the identity scale, percentage points
VITAL_LOG = 0.05  # mortality from surveillance
SURVEY_LOGIT = 0.08  # sample surveys (anaemia, growth, reading, fitness)
RARE_LOG = 0.25  # rare events (neonatal tetanus incidence)

NIP_BOUNDS = (99.0, 95.0, 90.0)  # "above X%" levels provinces publish for vaccination coverage
NIP_POINT_PROVINCES = ("jilin", "zhejiang", "hubei", "guangdong", "sichuan", "gansu")  # publish point values


@dataclass(frozen=True)
class SeriesSpec:
    """How one indicator's provincial series are drawn (all scales are the indicator's modelling scale)."""

    spread: float  # national-to-region gap per unit of disadvantage
    noise: float  # year-to-year noise sd
    decimals: int  # published precision
    start: float | None = None  # documented 2010 level (None: follow the real national points)
    end: float | None = None  # documented 2020 level
    why: str = ""  # provenance of a documented path (README)
    east_worse: bool = False  # the developed east is worse off (myopia)


_PLAUSIBLE = "plausible level chosen for the demonstration, not a statistic"
#: The per-indicator parameter table (printed by :func:`anchor_table`, copied into data/demo/README.md).
#: spread and noise are in modelling-scale units: log or logit units, percentage points on the identity
#: scale. Literal noise values sit between the named classes above (e.g. 0.12 for maternal deaths, a
#: small count per province; 0.03 for the consolidation rate, an enrolment ratio).
SPECS: dict[str, SeriesSpec] = {
    "imr": SeriesSpec(0.30, VITAL_LOG, 1),
    "u5mr": SeriesSpec(0.30, VITAL_LOG, 1),
    "nmr": SeriesSpec(0.30, VITAL_LOG, 1),
    "mmr": SeriesSpec(0.40, 0.12, 1),
    "injury_mortality_u18": SeriesSpec(0.25, 0.06, 2),
    "nip_vaccination": SeriesSpec(0.50, 0.06, 1, 98.0, 99.5, "national publishes bounds only (>90 in 2010, 2013, "
                                  "2019; >99 in 2015-2017); the path crosses 99 in 2015"),
    "neonatal_tetanus": SeriesSpec(0.60, RARE_LOG, 3, 0.05, 0.01, "national publishes only '<1' (2016); "
                                   + _PLAUSIBLE),
    "lbw_rate": SeriesSpec(0.20, ADMIN_LOGIT, 2),
    "ebf_0_6m": SeriesSpec(0.25, 0.06, 1),
    "anaemia_u5": SeriesSpec(0.40, SURVEY_LOGIT, 2, 5.0, 5.5, "3 national points (4.78-5.44, 2016-2018) are "
                             "too short to extend over 6 years; the path passes through their level"),
    "anaemia_students": SeriesSpec(0.30, SURVEY_LOGIT, 1, 10.0, 7.0, "no national series; " + _PLAUSIBLE
                                   + " (a fall just short of the one-third target)"),
    "stunting_u5": SeriesSpec(0.50, SURVEY_LOGIT, 2),
    "underweight_u5": SeriesSpec(0.40, SURVEY_LOGIT, 2),
    "sys_mgmt_u3": SeriesSpec(0.30, ADMIN_LOGIT, 1),
    "health_mgmt_u7": SeriesSpec(0.30, ADMIN_LOGIT, 1, 84.0, 95.0, "one national point (92.4, 2016); "
                                 "the path passes near it"),
    "newborn_metabolic_screening": SeriesSpec(0.50, ADMIN_LOGIT, 1, 80.0, 98.0, "one national point (96.0, "
                                              "2016); the path passes near it"),
    "newborn_hearing_screening": SeriesSpec(0.50, ADMIN_LOGIT, 1, 40.0, 86.0, "no national series; " + _PLAUSIBLE),
    "hospital_delivery": SeriesSpec(0.80, 0.10, 2),
    "preschool_ger_3yr": SeriesSpec(7.0, 0.6, 1),
    "preschool_ger_1yr": SeriesSpec(4.0, 0.6, 1, 80.0, 96.0, "no national series; " + _PLAUSIBLE
                                    + " (above the three-year rate, 56.6 -> 85.2)"),
    "compulsory_consolidation_9yr": SeriesSpec(0.25, 0.03, 1),
    "senior_high_ger": SeriesSpec(5.0, ADMIN_PP, 1),
    "children_reading_one_book": SeriesSpec(0.30, SURVEY_LOGIT, 1, 78.0, 91.0, "no national series; " + _PLAUSIBLE),
    "childrens_home_community_coverage": SeriesSpec(0.50, SURVEY_LOGIT, 1, 20.0, 88.0, "no national series; "
                                                    + _PLAUSIBLE),
    "myopia_primary": SeriesSpec(0.20, 0.05, 1, 32.0, 36.0, "no national series; " + _PLAUSIBLE, east_worse=True),
    "myopia_junior_secondary": SeriesSpec(0.20, 0.05, 1, 62.0, 71.0, "no national series; " + _PLAUSIBLE,
                                          east_worse=True),
    "myopia_senior_high": SeriesSpec(0.20, 0.05, 1, 76.0, 81.0, "no national series; " + _PLAUSIBLE,
                                     east_worse=True),
    "eye_care_coverage_0_6": SeriesSpec(0.40, ADMIN_LOGIT, 1, 70.0, 91.0, "no national series; " + _PLAUSIBLE),
    "student_fitness_good_excellent": SeriesSpec(0.20, SURVEY_LOGIT, 1, 18.0, 27.0, "no national series; "
                                                 + _PLAUSIBLE),
}


@dataclass(frozen=True)
class HardCase:
    """A series made difficult on purpose, so the engine's edge cases show up in the demonstration."""

    unit_id: str
    indicator_id: str
    kind: str  # moving_away | plateau | break | sparse | bound
    description: str


BREAK_YEAR, BREAK_FACTOR = 2016, 1.5  # sichuan imr: surveillance widened to the resident population
PLATEAU_FROM = 2014  # yunnan consolidation rate stops rising in this year
SPARSE_YEARS = ((2010, 2015, 2019), (2012, 2018))  # tibet: 3 points, then 2 points, alternating
SPARSE_UNIT = "tibet"
SPARSE_INDICATORS = ("imr", "u5mr", "nmr", "mmr", "preschool_ger_3yr", "senior_high_ger", "stunting_u5",
                     "anaemia_u5")
#: Provinces whose latest years are not yet published, so the engine must forecast the target year.
LAST_YEARS_MISSING = {"hainan": 2, "qinghai": 1, "ningxia": 1}
#: (unit, indicator) -> (2010 level, 2020 level) of a path that replaces the ordinary draw.
MOVING_AWAY_PATHS = {("heilongjiang", "compulsory_consolidation_9yr"): (94.0, 89.0),
                     ("guizhou", "anaemia_u5"): (11.0, 16.0)}
PLATEAU_PATHS = {("yunnan", "compulsory_consolidation_9yr"): (86.0, 90.5)}
#: (unit, indicator) -> (value, first year it is published at that bound)
BOUND_VALUES = {("shanghai", "hospital_delivery"): (100.0, 2016), ("beijing", "neonatal_tetanus"): (0.0, 2017)}

HARD_CASES: tuple[HardCase, ...] = (
    HardCase("heilongjiang", "compulsory_consolidation_9yr", "moving_away",
             "falls from 94.0 (2010) to 89.0 (2020) while the target is >= 95 (out-migration)"),
    HardCase("guizhou", "anaemia_u5", "moving_away", "rises from 11.0% to 16.0% while the target is < 12%"),
    HardCase("yunnan", "compulsory_consolidation_9yr", "plateau",
             f"rises from 86.0 to 90.5 by {PLATEAU_FROM}, then flat; target >= 95"),
    HardCase("sichuan", "imr", "break", f"level jumps x{BREAK_FACTOR} from {BREAK_YEAR} "
             "(surveillance widened to the resident population)"),
    *(HardCase(SPARSE_UNIT, ind, "sparse", f"only years {', '.join(map(str, SPARSE_YEARS[i % 2]))}")
      for i, ind in enumerate(SPARSE_INDICATORS)),
    HardCase("shanghai", "hospital_delivery", "bound", "100.00% (the upper bound) from 2016"),
    HardCase("beijing", "neonatal_tetanus", "bound", "0 (the lower bound, log scale) from 2017"),
)


def generate_demo_data(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The demonstration panel in observation format (one row per published value), without writing it."""
    units, indicators = _units(), _indicators()
    national = _national_points()
    indicator_ids = [i for i in indicators.index if i in _target_indicators()]
    missing_specs = sorted(set(indicator_ids) - set(SPECS))
    if missing_specs:
        raise KeyError(f"no demo SeriesSpec for indicator(s) with a target: {missing_specs}; add them to SPECS")
    anchors = {i: anchor_path(i, national) for i in indicator_ids}
    base_years = _relative_base_years()
    rng = np.random.default_rng(seed)
    years = np.array(YEARS)
    source = synthetic_source(seed)
    hard = {(h.unit_id, h.indicator_id): h for h in HARD_CASES}
    rows: list[tuple] = []
    for unit_id, unit in units[units["level"] == "province"].iterrows():
        disadvantage = REGION_DISADVANTAGE[unit["region"]] + PROVINCE_DISADVANTAGE.get(unit_id, 0.0)
        for ind in indicator_ids:
            # Always draw the same numbers in the same order, so a hard case never shifts other series.
            level, slope = rng.normal(size=2)
            eps = rng.normal(size=len(years))
            gaps = rng.random(len(years)) < MISSING_SHARE
            spec, meta = SPECS[ind], indicators.loc[ind]
            tf = _transform(meta["transform"])
            worse = (1.0 if meta["direction"] == "decrease" else -1.0) * (-1.0 if spec.east_worse else 1.0)
            z = (anchors[ind] + worse * spec.spread * disadvantage
                 + spec.spread * (LEVEL_SD * level + SLOPE_SD * slope * (years - CENTRE_YEAR)))
            noise = spec.noise * (HARD_CASE_NOISE if (unit_id, ind) in hard else 1.0)
            z = _hard_path(unit_id, ind, z, years, tf) + noise * eps
            values = _publishable(tf.inverse(z), meta, spec.decimals)
            keep = _kept_years(unit_id, ind, years, gaps, (unit_id, ind) in hard, base_years.get(ind, ()))
            note = SYNTHETIC_NOTE + (f"; hard case: {hard[unit_id, ind].kind}" if (unit_id, ind) in hard else "")
            bound = BOUND_VALUES.get((unit_id, ind))
            for t, v, k in zip(years, values, keep):
                if not k:
                    continue
                if bound is not None and t >= bound[1]:
                    v = bound[0]
                qualifier, v = _qualified(unit_id, ind, v)
                rows.append((unit_id, ind, int(t), float(v), qualifier, meta["unit"], source, note))
    return pd.DataFrame(rows, columns=OBS_COLUMNS)


def write_demo_data(seed: int = DEFAULT_SEED, out_dir: str | Path = DEMO_DIR) -> Path:
    """Write ``<out_dir>/provinces.csv`` (atomically) and return its path; same seed, same bytes."""
    return io.write_text(Path(out_dir) / DEMO_FILE.name, observation_csv(generate_demo_data(seed)))


def observation_csv(frame: pd.DataFrame) -> str:
    """A generated panel as CSV text, each value at its indicator's published precision, so the file's bytes
    never depend on float repr (the province and the county panel write through this)."""
    values = [f"{v:.{SPECS[i].decimals}f}" for i, v in zip(frame["indicator_id"], frame["value"])]
    buffer = _io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OBS_COLUMNS)
    writer.writerows(frame[OBS_COLUMNS].assign(value=values).itertuples(index=False, name=None))
    return buffer.getvalue()


def anchor_path(indicator_id: str, national: pd.DataFrame | None = None) -> np.ndarray:
    """The national anchor on the modelling scale for every year of :data:`YEARS`.

    Real national point values in YEARS are interpolated linearly on the z scale and extended beyond the
    first/last point at the OLS slope of all of them; a spec with ``start``/``end`` gives a straight z path
    from 2010 to 2020, extended at its slope, instead (documented in data/demo/README.md).
    """
    spec = SPECS[indicator_id]
    tf = _transform(_indicators().loc[indicator_id, "transform"])
    years = np.array(YEARS, dtype=float)
    if spec.start is not None:
        return _straight(tf.forward(spec.start), tf.forward(spec.end), years)
    national = _national_points() if national is None else national
    pts = national[national["indicator_id"] == indicator_id].sort_values("year")
    if len(pts) < 2:
        raise ValueError(f"{indicator_id}: fewer than 2 national points in {YEARS[0]}-{YEARS[-1]}; "
                         "give the SeriesSpec a documented start/end")
    py, pz = pts["year"].to_numpy(float), tf.forward(pts["value"].to_numpy(float))
    slope = np.polyfit(py, pz, 1)[0]
    inside = np.interp(years, py, pz)
    before = pz[0] + slope * (years - py[0])
    after = pz[-1] + slope * (years - py[-1])
    return np.where(years < py[0], before, np.where(years > py[-1], after, inside))


def anchor_table() -> pd.DataFrame:
    """One row per generated indicator: anchor kind, national anchor in 2010/2015/2020, spread, noise, why."""
    indicators, national = _indicators(), _national_points()
    rows = []
    for ind, spec in SPECS.items():
        tf = _transform(indicators.loc[ind, "transform"])
        path = tf.inverse(anchor_path(ind, national))
        n = int((national["indicator_id"] == ind).sum())
        kind = "documented" if spec.start is not None else f"national ({n} points)"
        rows.append({"indicator_id": ind, "scale": tf.name, "anchor": kind,
                     **{str(y): round(float(path[YEARS.index(y)]), spec.decimals) for y in (2010, 2015, 2020)},
                     "spread": spec.spread, "noise": spec.noise, "why": spec.why})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- helpers


def _hard_path(unit_id: str, ind: str, z: np.ndarray, years: np.ndarray, tf) -> np.ndarray:
    """Replace or bend the ordinary path of the series listed in :data:`HARD_CASES`."""
    key = (unit_id, ind)
    if key in MOVING_AWAY_PATHS:
        start, end = (tf.forward(v) for v in MOVING_AWAY_PATHS[key])
        return _straight(start, end, years)
    if key in PLATEAU_PATHS:
        start, end = (tf.forward(v) for v in PLATEAU_PATHS[key])
        rise = np.clip((years - years[0]) / (PLATEAU_FROM - years[0]), 0.0, 1.0)
        return start + (end - start) * rise
    if key == ("sichuan", "imr"):
        return z + np.where(years >= BREAK_YEAR, np.log(BREAK_FACTOR), 0.0)
    return z


def _straight(z0: float, z1: float, years: np.ndarray) -> np.ndarray:
    """A straight path on the modelling scale through z0 in 2010 and z1 in 2020, extended at its slope."""
    first, second = PATH_YEARS
    return z0 + (z1 - z0) * (years - first) / (second - first)


def _kept_years(unit_id: str, ind: str, years: np.ndarray, gaps: np.ndarray, hard: bool,
                base_years: tuple[int, ...]) -> np.ndarray:
    """Which years are published: random gaps (never in hard cases or a relative target's base year),
    the sparse province's few years, and the lagging provinces' missing latest years."""
    keep = ~gaps | hard | np.isin(years, (*base_years, CYCLE_BASE_YEAR))
    if unit_id == SPARSE_UNIT and ind in SPARSE_INDICATORS:
        keep = np.isin(years, SPARSE_YEARS[SPARSE_INDICATORS.index(ind) % 2])
    lag = LAST_YEARS_MISSING.get(unit_id, 0)
    if lag:
        keep &= years <= years[-1] - lag
    return keep


def _publishable(values: np.ndarray, meta: pd.Series, decimals: int) -> np.ndarray:
    """Round as published, keeping ordinary values strictly inside the hard bounds (a value AT a bound
    is a deliberate hard case, not an accident of rounding)."""
    step = 10.0 ** -decimals
    lo = float(meta["lower_bound"]) + step
    hi = float(meta["upper_bound"]) - step if pd.notna(meta["upper_bound"]) else np.inf
    return np.clip(np.round(values, decimals), lo, hi)


def _qualified(unit_id: str, ind: str, value: float) -> tuple[str, float]:
    """Vaccination coverage is mostly published as a bound ("above 99%"), as the national series is."""
    if ind != "nip_vaccination" or unit_id in NIP_POINT_PROVINCES:
        return "=", value
    for bound in NIP_BOUNDS:
        if value > bound:
            return ">", bound
    return "=", value


def _transform(name: str):
    # Tiny clipping margins: the generator must not distort values near 0 or 100.
    return get_transform(name, floor=1e-9, eps=1e-9)


def _units() -> pd.DataFrame:
    return load_units(levels=PROVINCE_LEVELS)


def _indicators() -> pd.DataFrame:
    return load_indicators()


def _targets() -> pd.DataFrame:
    return pd.concat([load_targets(name) for name in TARGET_SETS], ignore_index=True)


def _target_indicators() -> set[str]:
    return set(_targets()["indicator_id"])


def _relative_base_years() -> dict[str, tuple[int, ...]]:
    """indicator_id -> base years of its relative-change targets (kept so the target can be resolved)."""
    relative = _targets().query("target_kind == 'relative_change'")
    return {ind: tuple(sorted({int(y) for y in rows["base_year"]})) for ind, rows in relative.groupby("indicator_id")}


def _national_points() -> pd.DataFrame:
    """Real national point values (qualifier '=') within :data:`YEARS`: the anchor of the panel."""
    obs = load_observations(list(NATIONAL_FILES))
    obs = obs[(obs["unit_id"] == "national") & (obs["qualifier"] == "=") & obs["year"].between(YEARS[0], YEARS[-1])]
    return obs[["indicator_id", "year", "value"]]
