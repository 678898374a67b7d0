"""toolkit.engine.transforms: round trips, monotonicity, edge values, probability invariance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from toolkit.contracts.params import LOGIT_EPS, SATURATING_CAP
from toolkit.engine.transforms import LOG_FLOOR, TRANSFORMS, get_transform

INSIDE = {  # values strictly inside each transform's clipping range
    "log": np.array([1e-3, 0.02, 1.0, 5.4, 32.2, 1e5]),
    "logit": np.array([0.05, 0.5, 1.0, 50.0, 94.2, 99.9, 99.95]),
    "identity": np.array([-5.0, 0.0, 35.0, 102.5]),
    "saturating": np.array([0.05, 10.0, 85.2, 100.0, 104.1, 109.95]),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_round_trip(name):
    tr = get_transform(name)
    y = INSIDE[name]
    assert_allclose(tr.inverse(tr.forward(y)), y, rtol=1e-12)
    z = np.linspace(-6, 6, 25)
    assert_allclose(tr.forward(tr.inverse(z)), z, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_strictly_increasing(name):
    tr = get_transform(name)
    y = np.sort(INSIDE[name])
    assert np.all(np.diff(tr.forward(y)) > 0)
    assert np.all(np.diff(tr.inverse(np.linspace(-8, 8, 50))) > 0)


def test_known_values():
    assert get_transform("logit").forward(50.0) == 0.0
    assert get_transform("logit").forward(75.0) == pytest.approx(np.log(3))
    assert get_transform("log").forward(np.e) == pytest.approx(1.0)
    assert get_transform("saturating").forward(SATURATING_CAP / 2) == pytest.approx(0.0)
    assert get_transform("saturating", cap=120).forward(60.0) == pytest.approx(0.0)
    assert get_transform("identity").forward(3.5) == 3.5


def test_edge_values_are_clipped_not_infinite():
    logit = get_transform("logit")
    assert logit.forward(0.0) == logit.forward(LOGIT_EPS)
    assert logit.forward(100.0) == logit.forward(100 - LOGIT_EPS)
    assert np.isfinite(logit.forward(np.array([0.0, 100.0]))).all()
    log = get_transform("log")
    assert log.forward(0.0) == pytest.approx(np.log(LOG_FLOOR))
    assert get_transform("log", floor=1e-9).forward(0.0) == pytest.approx(np.log(1e-9))
    sat = get_transform("saturating")
    assert sat.forward(SATURATING_CAP) == sat.forward(SATURATING_CAP - LOGIT_EPS)
    # gross enrolment above 100 stays below the cap and is reachable by the inverse
    assert sat.inverse(sat.forward(104.1)) == pytest.approx(104.1)


def test_inverse_never_leaves_the_natural_range():
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    p = get_transform("logit").inverse(z)
    assert np.all((p >= 0) & (p <= 100)) and np.isfinite(p).all()
    assert np.all(get_transform("log").inverse(z[:3]) >= 0)


def test_scalars_in_scalars_out_arrays_keep_shape():
    tr = get_transform("logit")
    assert isinstance(tr.forward(50.0), float)
    assert tr.forward(np.ones((2, 3)) * 40).shape == (2, 3)


def test_unknown_transform():
    with pytest.raises(ValueError, match="unknown transform 'sqrt'"):
        get_transform("sqrt")
    with pytest.raises(ValueError, match="floor must be positive"):
        get_transform("log", floor=0.0)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.1, 99.9), b=st.floats(0.1, 99.9))
def test_order_and_probability_invariance(a, b):
    """A monotone transform keeps order, so P(Y <= target) = P(Z <= forward(target))."""
    tr = get_transform("logit")
    assert (a <= b) == (tr.forward(a) <= tr.forward(b))
