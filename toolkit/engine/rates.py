"""The anchors' rate arithmetic, reproduced exactly (AARR, CAGR, Eurostat ratio, required rates).

Monitoring agencies publish their verdicts as simple rates. Reviewers compare our model-based
probabilities with those verdicts, so every published convention is implemented here exactly and
tested against the published figures (Eurostat's SDG monitoring methodology, UN ESCAP's progress
assessment, the UNICEF/UN IGME AARR technical note; see ``docs/methods.md``, section "Rates (anchor
arithmetic)", and ``tests/engine/test_rates.py``, which names the source of each figure).

Conventions
-----------
* A *reduction* rate (AARR) is positive when the indicator falls; a required AARR is negative when the
  indicator must rise (WHO's "AARI" for an increase target is ``-required_aarr(...)``).
* ``form="continuous"`` is IGME/UNICEF's ``ln(v0/v1)/(t1-t0)``; ``form="discrete"`` is the compound
  ``1-(v1/v0)**(1/(t1-t0))``. Published figures mix both (the WHO nutrition table uses each), so both
  are offered and every function says which one is its default.
* Undefined cases return ``float('nan')``, never raise: a zero or negative value (no logarithm), equal
  years (no time elapsed), a required rate of exactly zero (Eurostat ratio), a target that is never
  reached at the given rate (``years_to_target``). The engine turns NaN into an empty cell.
* Only a bad ``form``/``convention`` string raises (``ValueError``): that is a programming error.

References
----------
.. [1] UNICEF (2013). *Committing to Child Survival: A Promise Renewed, Progress Report 2013*
       (AARR definition and "until 2028" statement).
.. [2] UNICEF. *Technical note: how to calculate average annual rate of reduction (AARR) of
       underweight prevalence* (regression AARR ``1 - exp(b)``).
.. [3] WHO (2017). *Global nutrition targets 2025: tracking tool* (WHO/NMH/NHD/17.9).
.. [4] Eurostat. *Sustainable development in the European Union, monitoring report*, methodological
       annex (CAGR ratio and the 95%/60%/0 thresholds).
.. [5] Bidarbakht Nia, A. (2017). *A weighted extrapolation method for measuring SDG progress*,
       UN ESCAP Working Paper (weighted geometric growth).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from toolkit.contracts.params import EUROSTAT_THRESHOLDS

__all__ = [
    "aarr_two_point",
    "aarr",
    "required_aarr",
    "aari",
    "required_aari",
    "cagr",
    "eurostat_ratio",
    "eurostat_category",
    "EUROSTAT_THRESHOLDS",
    "years_to_target",
    "igme_on_track",
    "escap_wgm_forecast",
]

NAN = float("nan")
_FORMS = ("continuous", "discrete")


def _check_form(form: str) -> None:
    if form not in _FORMS:
        raise ValueError(f"form must be one of {_FORMS}, got {form!r}")


def _positive(*values: float) -> bool:
    return all(math.isfinite(v) and v > 0 for v in values)


def _finite_pairs(years, values) -> tuple[np.ndarray, np.ndarray]:
    """Years and values as float arrays, pairs with a non-finite member dropped."""
    t = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if t.shape != v.shape or t.ndim != 1:
        raise ValueError("years and values must be 1-D arrays of the same length")
    keep = np.isfinite(t) & np.isfinite(v)
    return t[keep], v[keep]


def _rate(v0: float, v1: float, years: float, form: str) -> float:
    """Reduction rate from ``v0`` to ``v1`` over ``years`` (the shared core of AARR and required AARR)."""
    _check_form(form)
    if not _positive(v0, v1) or not math.isfinite(years) or years == 0:
        return NAN
    if form == "continuous":
        return math.log(v0 / v1) / years
    return 1.0 - (v1 / v0) ** (1.0 / years)


def aarr_two_point(v0: float, v1: float, t0: float, t1: float, *, form: str = "continuous") -> float:
    """Average annual rate of reduction between two observations.

    Continuous (IGME, default): ``ln(v0/v1)/(t1-t0)``; discrete: ``1-(v1/v0)**(1/(t1-t0))``.
    Positive when the value falls. NaN for non-positive values or ``t0 == t1``.

    Examples
    --------
    >>> round(aarr_two_point(48, 30, 2012, 2015), 4)  # UNICEF: "15.6%"
    0.1567
    """
    return _rate(float(v0), float(v1), float(t1) - float(t0), form)


def aarr(years: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray, *,
         form: str = "discrete") -> float:
    """Regression AARR: ``1 - exp(b)``, ``b`` the OLS slope of ``ln(value)`` on year.

    This is the UNICEF technical-note rule ([2]_), which uses every point instead of two end points.
    ``form="continuous"`` returns ``-b`` instead (comparable with a continuous required AARR).
    Non-finite pairs are ignored; NaN if any remaining value is <= 0 or fewer than two distinct years
    remain.

    Examples
    --------
    >>> years = [2000, 2005, 2010]
    >>> round(aarr(years, [100 * 0.95 ** (y - 2000) for y in years]), 6)
    0.05
    """
    _check_form(form)
    t, v = _finite_pairs(years, values)
    if np.any(v <= 0) or np.unique(t).size < 2:
        return NAN
    tc = t - t.mean()
    y = np.log(v)
    b = float(np.dot(tc, y - y.mean()) / np.dot(tc, tc))
    return -b if form == "continuous" else 1.0 - math.exp(b)


def required_aarr(current: float, target: float, t_now: float, t_target: float, *,
                  form: str = "continuous") -> float:
    """Rate of reduction needed to move from ``current`` (in ``t_now``) to ``target`` by ``t_target``.

    Negative when the indicator must rise. NaN for non-positive values or when no time is left
    (``t_target <= t_now``).

    Examples
    --------
    >>> round(required_aarr(100, 70, 2012, 2025), 4)  # WHO low birthweight: 2.74%
    0.0274
    """
    if not float(t_target) > float(t_now):
        return NAN
    return _rate(float(current), float(target), float(t_target) - float(t_now), form)


def aari(years: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray) -> float:
    """Regression average annual rate of increase (UNICEF/WHO AARI): ``exp(b) - 1``, the rising twin of
    :func:`aarr` (positive when the value rises), for indicators whose good direction is up.

    Examples
    --------
    >>> years = [2000, 2005, 2010]
    >>> round(aari(years, [38 * 1.0211 ** (y - 2000) for y in years]), 4)  # WHO breastfeeding: 2.11%
    0.0211
    """
    rate = aarr(years, values, form="discrete")
    return NAN if math.isnan(rate) else -rate


def required_aari(current: float, target: float, t_now: float, t_target: float) -> float:
    """Rate of increase needed from ``current`` to ``target``: ``(target/current)**(1/(T-t)) - 1`` (discrete).

    Examples
    --------
    >>> round(required_aari(38, 50, 2012, 2025), 4)  # WHO: exclusive breastfeeding 38% -> 50%
    0.0213
    """
    rate = required_aarr(current, target, t_now, t_target, form="discrete")
    return NAN if math.isnan(rate) else -rate


def cagr(v0: float, v1: float, t0: float, t1: float) -> float:
    """Compound annual growth rate ``(v1/v0)**(1/(t1-t0)) - 1`` (Eurostat, UNSD).

    NaN for non-positive values or equal years.
    """
    return -_rate(float(v0), float(v1), float(t1) - float(t0), "discrete")


def eurostat_ratio(v_base: float, v_latest: float, t_base: float, t_latest: float,
                   target: float, t_target: float) -> float:
    """Eurostat's ratio of the actual to the required CAGR, both measured from the base year ([4]_).

    ``RR = cagr(v_base, v_latest, t_base, t_latest) / cagr(v_base, target, t_base, t_target)``.
    Works for both directions without a direction flag (both growth rates change sign together).
    NaN when either CAGR is undefined or the required CAGR is exactly 0 (target equals the base value).

    Examples
    --------
    >>> round(eurostat_ratio(56.6, 79.6, 2010, 2017, 70, 2020), 2)  # preschool enrolment
    2.32
    """
    actual = cagr(v_base, v_latest, t_base, t_latest)
    required = cagr(v_base, target, t_base, t_target)
    if math.isnan(actual) or math.isnan(required) or required == 0:
        return NAN
    return actual / required


def eurostat_category(ratio: float, *,
                      thresholds: tuple[float, float, float] = EUROSTAT_THRESHOLDS) -> str | None:
    """Eurostat's arrow for a ratio: ``significant_progress``, ``moderate_progress``,
    ``insufficient_progress`` or ``moving_away``. ``None`` for a NaN ratio (not assessable).

    ``thresholds`` are (significant, moderate, insufficient) lower bounds, default (0.95, 0.6, 0).
    """
    if ratio is None or math.isnan(float(ratio)):
        return None
    sig, mod, ins = thresholds
    if ratio >= sig:
        return "significant_progress"
    if ratio >= mod:
        return "moderate_progress"
    if ratio >= ins:
        return "insufficient_progress"
    return "moving_away"


def years_to_target(current: float, target: float, rate: float, *, form: str = "continuous") -> float:
    """Years until ``target`` is reached from ``current`` at a constant reduction ``rate``.

    Continuous: ``ln(current/target)/rate``; discrete: ``ln(target/current)/ln(1-rate)``.
    0.0 when ``current == target``. NaN when the target is never reached at this rate (rate 0, or a
    rate moving away from the target), for non-positive values, or a discrete rate >= 1.

    Examples
    --------
    >>> round(2012 + years_to_target(48, 30, 0.0286), 1)  # UNICEF 2013: "until 2028"
    2028.4
    """
    _check_form(form)
    current, target, rate = float(current), float(target), float(rate)
    if not _positive(current, target) or not math.isfinite(rate):
        return NAN
    if current == target:
        return 0.0
    if rate == 0:
        return NAN
    if form == "continuous":
        years = math.log(current / target) / rate
    else:
        if rate >= 1:
            return NAN
        years = math.log(target / current) / math.log1p(-rate)
    return years if years > 0 else NAN


def igme_on_track(aarr_obs: float, aarr_req: float, already_met: bool = False) -> bool:
    """IGME/UNICEF verdict: on track if the target is already met or the observed rate is at least the
    required one *in the required direction*.

    For a falling target (``aarr_req >= 0``) that is ``aarr_obs >= aarr_req``; for a rising target
    (``aarr_req < 0``) it is ``aarr_obs <= aarr_req`` (a faster rise is a more negative AARR).
    Both rates must use the same form. NaN rates give False unless ``already_met``.
    """
    if already_met:
        return True
    if not (math.isfinite(aarr_obs) and math.isfinite(aarr_req)):
        return False
    return aarr_obs >= aarr_req if aarr_req >= 0 else aarr_obs <= aarr_req


def escap_wgm_forecast(years: Sequence[float] | np.ndarray, values: Sequence[float] | np.ndarray,
                       t_target: float, *, convention: str = "escap") -> float:
    """ESCAP weighted geometric growth extrapolation to ``t_target`` ([5]_).

    ``I_T = I_n * (prod_i (I_i/I_{i-1})**w_i) ** ((T - t_n)/sum(w))``, ``w_i = (T - t_min)/(T - t_i)``,
    so recent growth counts more.

    ``convention="escap"`` (default) handles irregular spacing by annualising: each period's log
    growth is divided by its length ``dt_i`` and the weighted mean uses weights ``w_i * dt_i`` (a two-year
    gap counts as two annual periods with the weight of its end year). On annual data this is the
    formula above with the sum of weights over the n-1 growth periods.
    ``convention="menaro"`` reproduces the ``wgm`` function of UNICEF MENARO's R code literally: ratios
    are not annualised and the weight sum also includes the first point, which has no ratio.

    NaN for non-positive values, fewer than two points, or ``t_target <= t_n``.
    """
    if convention not in ("escap", "menaro"):
        raise ValueError(f"convention must be 'escap' or 'menaro', got {convention!r}")
    t, v = _finite_pairs(years, values)
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    T = float(t_target)
    if t.size < 2 or np.any(v <= 0) or np.any(np.diff(t) <= 0) or not T > t[-1]:
        return NAN
    w = (T - t[0]) / (T - t)
    growth = np.diff(np.log(v))
    if convention == "menaro":
        mean_growth = float(np.dot(w[1:], growth) / w.sum())
    else:
        dt = np.diff(t)
        mean_growth = float(np.dot(w[1:], growth) / np.dot(w[1:], dt))
    return float(v[-1] * math.exp(mean_growth * (T - t[-1])))
