"""The scales trend models work on: log for positive rates, logit for bounded percentages.

Trends are fitted to ``z = forward(y)`` so forecasts respect the indicator's natural bounds (a
mortality rate stays positive, a percentage stays below 100). Targets and thresholds go through the
same ``forward()``; because every transform here is strictly increasing,
``P(Y_T <= target) = P(Z_T <= forward(target))`` exactly, so all probabilities are computed on the
transformed scale and need no back-transformation (medians and quantiles back-transform with
``inverse()``; means would need a bias correction and are not used).

Edge values
-----------
* ``log``: values below :data:`LOG_FLOOR` (default 1e-3, in the indicator's own unit) are clipped to
  it, so an observed 0 becomes ``ln(1e-3)`` instead of ``-inf``. Pass ``floor=`` for indicators whose
  genuine values are that small.
* ``logit`` (percent on 0-100): values are clipped to ``[EPS, 100 - EPS]`` with :data:`LOGIT_EPS` =
  0.05 percentage points, so 100% maps to ``logit(99.95) = 7.6`` instead of ``+inf``.
* ``saturating`` (gross enrolment rates, which can pass 100): a logit with an upper asymptote ``cap``
  (default 110): ``z = ln(y/(cap - y))``, clipped to ``[EPS, cap - EPS]``.
* ``identity``: no change.

``inverse(forward(y)) == y`` for every ``y`` inside the clipping range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from toolkit.contracts.params import LOGIT_EPS, SATURATING_CAP, TRANSFORM_NAMES

__all__ = ["Transform", "get_transform", "TRANSFORMS", "LOG_FLOOR", "LOGIT_EPS", "SATURATING_CAP"]

#: Names accepted by :func:`get_transform` (``data/indicators.csv`` uses the first three).
TRANSFORMS: tuple[str, ...] = TRANSFORM_NAMES
#: Smallest value the log transform sees (indicator units); zeros are clipped to it.
LOG_FLOOR = 1e-3


@dataclass(frozen=True)
class Transform:
    """A strictly increasing map between an indicator's values ``y`` and the model scale ``z``."""

    name: str
    lower: float  # smallest y that is not clipped
    upper: float  # largest y that is not clipped
    _forward: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    _inverse: Callable[[np.ndarray], np.ndarray] = field(repr=False)

    def forward(self, y):
        """Value scale -> model scale (vectorised; values outside ``[lower, upper]`` are clipped)."""
        y = np.asarray(y, dtype=float)
        out = self._forward(np.clip(y, self.lower, self.upper))
        return out if out.ndim else float(out)

    def inverse(self, z):
        """Model scale -> value scale (vectorised)."""
        z = np.asarray(z, dtype=float)
        out = self._inverse(z)
        return out if out.ndim else float(out)


def _logit_family(name: str, top: float, eps: float) -> Transform:
    return Transform(
        name=name,
        lower=eps,
        upper=top - eps,
        _forward=lambda y: np.log(y / (top - y)),
        # top * expit(z), written to avoid overflow for large |z|
        _inverse=lambda z: top * np.exp(-np.logaddexp(0.0, -z)),
    )


def get_transform(name: str, *, cap: float | None = None, floor: float | None = None,
                  eps: float | None = None) -> Transform:
    """Return the transform called ``name`` (one of :data:`TRANSFORMS`).

    Parameters
    ----------
    name : {"log", "logit", "identity", "saturating"}
    cap : float, optional
        Upper asymptote of ``saturating`` (default :data:`SATURATING_CAP`); ignored otherwise.
    floor : float, optional
        Clipping floor of ``log`` (default :data:`LOG_FLOOR`).
    eps : float, optional
        Clipping margin of ``logit``/``saturating`` (default :data:`LOGIT_EPS`).
    """
    eps = LOGIT_EPS if eps is None else float(eps)
    if name == "log":
        lo = LOG_FLOOR if floor is None else float(floor)
        if not lo > 0:
            raise ValueError(f"log floor must be positive, got {lo}")
        return Transform("log", lo, np.inf, np.log, np.exp)
    if name == "logit":
        return _logit_family("logit", 100.0, eps)
    if name == "saturating":
        top = SATURATING_CAP if cap is None else float(cap)
        if not top > 2 * eps:
            raise ValueError(f"saturating cap must exceed {2 * eps}, got {top}")
        return _logit_family("saturating", top, eps)
    if name == "identity":
        return Transform("identity", -np.inf, np.inf, lambda y: y, lambda z: z)
    raise ValueError(f"unknown transform {name!r}; expected one of {TRANSFORMS}")
