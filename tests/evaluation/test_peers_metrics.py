"""The scores of benchmarks/peers.py (toolkit.evaluation.scores) against hand-worked numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from toolkit.evaluation.scores import (
    QUANTILE_GRID,
    brier,
    cdf_from_quantiles,
    covered,
    crps_from_quantiles,
    crps_gaussian,
    mase,
    naive_scale,
    pinball,
    winkler,
)


def test_naive_scale_uses_the_one_year_pairs():
    # pairs 2000-2001 (|3-1| = 2) and 2001-2002 (|2-3| = 1); 2002-2004 is two years apart and left out
    assert naive_scale([2000, 2001, 2002, 2004], [1, 3, 2, 6]) == pytest.approx(1.5)
    # order of the input does not matter
    assert naive_scale([2004, 2000, 2002, 2001], [6, 1, 2, 3]) == pytest.approx(1.5)


def test_naive_scale_without_annual_pairs_is_the_mean_change_per_year():
    # |4-0|/2 = 2 and |6-4|/4 = 0.5 -> 1.25
    assert naive_scale([2000, 2002, 2006], [0, 4, 6]) == pytest.approx(1.25)


def test_naive_scale_edge_cases():
    assert np.isnan(naive_scale([2000], [1.0]))
    assert naive_scale([2000, 2001, 2002], [5, 5, 5]) == 0.0
    with pytest.raises(ValueError):
        naive_scale([2000, 2001], [1.0])


def test_mase_hand_worked():
    # errors 1 and 2, mean 1.5, scale 1.5 -> 1
    assert mase([3, 5], [2, 7], 1.5) == pytest.approx(1.0)
    # the no-change forecast one year ahead scores exactly 1 on its own training pairs
    z = np.array([1.0, 3.0, 2.0, 2.5])
    assert mase(z[:-1], z[1:], naive_scale(np.arange(4), z)) == pytest.approx(1.0)


def test_winkler_of_a_covering_interval_is_its_width():
    assert winkler(1.0, 3.0, 2.0, 0.8) == pytest.approx(2.0)
    assert winkler(1.0, 3.0, 1.0, 0.95) == pytest.approx(2.0)   # on the edge: covered, no penalty
    assert winkler(1.0, 3.0, 3.0, 0.95) == pytest.approx(2.0)


def test_winkler_penalises_a_miss_by_two_over_alpha():
    assert winkler(1.0, 3.0, 0.0, 0.8) == pytest.approx(2.0 + 2 / 0.2 * 1.0)    # 12
    assert winkler(1.0, 3.0, 4.0, 0.95) == pytest.approx(2.0 + 2 / 0.05 * 1.0)  # 42
    np.testing.assert_allclose(winkler([1, 1], [3, 3], [2, 5], 0.5), [2.0, 2.0 + 4 * 2])
    with pytest.raises(ValueError):
        winkler(0, 1, 0.5, 1.0)


def test_pinball_hand_worked():
    assert pinball(1.0, 3.0, 0.5) == pytest.approx(1.0)    # half the absolute error at the median
    assert pinball(1.0, 3.0, 0.9) == pytest.approx(1.8)    # under-forecast: tau * (y - q)
    assert pinball(3.0, 1.0, 0.9) == pytest.approx(0.2)    # over-forecast: (1 - tau) * (q - y)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    for y in (5.0, 1.0, 3.0):
        q = np.full(QUANTILE_GRID.size, 3.0)
        assert crps_from_quantiles(q, y) == pytest.approx(abs(y - 3.0), abs=1e-12)


def test_crps_from_quantiles_small_example():
    # levels 0.25/0.5/0.75 with quantiles 0/1/2 at y = 1: pinball losses 0.25, 0, 0.25 -> 2 * mean = 1/3
    assert crps_from_quantiles([0.0, 1.0, 2.0], 1.0, taus=[0.25, 0.5, 0.75]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        crps_from_quantiles([0.0, 1.0], 1.0, taus=[0.25, 0.5, 0.75])


def test_crps_gaussian_closed_form_and_the_grid_approximation():
    # N(0, 1) at its mean: 2 phi(0) - 1/sqrt(pi) = 0.233695
    assert crps_gaussian(0.0, 1.0, 0.0) == pytest.approx(2 * norm.pdf(0) - 1 / np.sqrt(np.pi))
    assert crps_gaussian(0.0, 1.0, 0.0) == pytest.approx(0.233695, abs=1e-6)
    # a nearly degenerate normal is a point forecast
    assert crps_gaussian(2.0, 1e-9, 5.0) == pytest.approx(3.0)
    # the 99-quantile grid is within about 1% of the exact value (measured: +0.7% to +1.03%)
    for y in (0.0, 0.7, 2.5, 4.0):
        exact = float(crps_gaussian(0.0, 1.0, y))
        approx = float(crps_from_quantiles(norm.ppf(QUANTILE_GRID), y))
        assert approx == pytest.approx(exact, rel=0.015)
    # vectorised: leading axes broadcast against y
    q = norm.ppf(QUANTILE_GRID)[None, :] + np.array([[0.0], [1.0]])
    np.testing.assert_allclose(crps_from_quantiles(q, [0.0, 1.0]), crps_from_quantiles(q[:1], 0.0).repeat(2))


def test_brier_hand_worked():
    assert brier([0.8, 0.3], [1, 0]) == pytest.approx((0.2 ** 2 + 0.3 ** 2) / 2)   # 0.065
    assert brier([1.0, 0.0], [True, False]) == 0.0
    assert brier([0.5, 0.5, 0.5], [1, 0, 1]) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        brier([0.5], [1, 0])


def test_cdf_from_quantiles_interpolates_and_fills_the_tails():
    taus = [0.25, 0.5, 0.75]
    assert cdf_from_quantiles([0.0, 1.0, 2.0], 0.5, taus) == pytest.approx(0.375)
    assert cdf_from_quantiles([0.0, 1.0, 2.0], 1.0, taus) == pytest.approx(0.5)
    assert cdf_from_quantiles([0.0, 1.0, 2.0], -5.0, taus) == pytest.approx(0.125)   # half the outer level
    assert cdf_from_quantiles([0.0, 1.0, 2.0], 9.0, taus) == pytest.approx(0.875)
    # on the default grid, a normal's probabilities are read back to the grid's resolution
    q = norm.ppf(QUANTILE_GRID)
    for x in (-1.0, 0.3, 1.7):
        assert cdf_from_quantiles(q, x) == pytest.approx(norm.cdf(x), abs=2e-3)
    np.testing.assert_allclose(cdf_from_quantiles(np.stack([q, q + 1]), [0.0, 1.0]), [0.5, 0.5], atol=1e-12)


def test_covered_is_a_closed_interval():
    np.testing.assert_array_equal(covered([1, 1, 1, 1], [3, 3, 3, 3], [1, 3, 0.999, 3.001]),
                                  [True, True, False, False])
