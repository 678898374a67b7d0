"""Predictive distributions on the transformed scale: Student-t components and their mixtures.

Every candidate trend model of :mod:`toolkit.engine.models` predicts ``Z_year`` as a Student-t (``damped`` as a
mixture over its damping grid) and the ensemble mixes the candidates, so one class, :class:`Predictive`,
evaluates them all: cdf, density, log score, quantiles, intervals and draws, vectorised over years. Kept apart
from the models because evaluating a distribution is a different concern from fitting one.

References
----------
.. [1] Abramowitz, M. & Stegun, I. A. (1964). *Handbook of Mathematical Functions*, 26.7.3-4
       (Student-t cdf for integer degrees of freedom).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, stdtr, stdtrit

__all__ = ["Predictive", "SCALE_FLOOR", "WEIGHT_FLOOR"]

#: Smallest predictive scale on the z scale: zero-noise series give (almost) degenerate intervals.
SCALE_FLOOR = 1e-6
#: Mixture components lighter than this fraction of the heaviest are dropped (effect < 1e-5 on any cdf).
WEIGHT_FLOOR = 1e-6


class _TMix:
    """Vectorised Student-t kernels for the C components of a mixture (rows of a (C, Y, K) array).

    All candidate models have integer df (n - 2, m - 1, ...). For those the cdf is a short
    trigonometric series (Abramowitz & Stegun 26.7.3-4) evaluated by Horner's rule, several times
    faster than the general incomplete-beta routine ``scipy.special.stdtr``, which is used otherwise
    (non-integer or df > 200).
    """

    MAX_DF = 200

    def __init__(self, df: np.ndarray):
        df = np.asarray(df, dtype=float)
        self.df = df[:, None, None]
        self.logc = t_logconst(df)[:, None, None]
        self.half_df1 = (df[:, None, None] + 1) / 2
        self.exact = bool(np.all(df == np.round(df)) and np.all(df >= 1) and np.all(df <= self.MAX_DF))
        if not self.exact:
            return
        nu = df.astype(int)
        even = nu % 2 == 0
        nterms = np.where(even, nu // 2, (nu - 1) // 2)          # odd nu = 1 has no terms
        coef = np.zeros((nu.size, max(int(nterms.max()), 1)))
        for c, (n_t, ev) in enumerate(zip(nterms, even)):
            a = 1.0
            for k in range(n_t):
                if k:
                    a *= (2 * k - 1) / (2 * k) if ev else (2 * k) / (2 * k + 1)
                coef[c, k] = a
        self.coef = [coef[:, k][:, None, None] for k in range(coef.shape[1])]
        self.inv_sqrt_nu = 1.0 / np.sqrt(df)[:, None, None]
        self.all_even, self.all_odd = bool(even.all()), bool((~even).all())
        self.even = even[:, None, None]

    def cdf(self, u: np.ndarray, c2: np.ndarray | None = None) -> np.ndarray:
        """Standard t cdf at ``u`` (C, Y, K); ``c2 = df/(df + u^2)`` may be passed in."""
        if not self.exact:
            return stdtr(self.df, u)
        if c2 is None:
            c2 = self.df / (self.df + u * u)
        rc = np.sqrt(c2)
        sn = u * rc * self.inv_sqrt_nu                            # sin(theta)
        poly = self.coef[-1]
        for a in self.coef[-2::-1]:
            poly = poly * c2 + a
        if self.all_even:
            return 0.5 + 0.5 * sn * poly
        odd = (1.0 / np.pi) * (np.arctan(u * self.inv_sqrt_nu) + sn * rc * poly)
        return 0.5 + (odd if self.all_odd else np.where(self.even, 0.5 * sn * poly, odd))

    def cdf_pdf(self, u: np.ndarray, *, slope: bool = False):
        """cdf, density and (optionally) d density/du of the standard t at ``u`` (C, Y, K)."""
        c2 = self.df / (self.df + u * u)
        dens = np.exp(self.logc + self.half_df1 * np.log(c2))
        out = (self.cdf(u, c2), dens)
        if slope:
            out += (-2.0 * self.half_df1 * dens * u * c2 / self.df,)
        return out


def t_logconst(df: np.ndarray) -> np.ndarray:
    """Log of the standard Student-t's normalising constant (shared by the densities and the back-test)."""
    return gammaln((df + 1) / 2) - gammaln(df / 2) - 0.5 * np.log(df * np.pi)


def _t_logpdf(u: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Log density of the standard Student-t (``df`` broadcast against ``u``)."""
    return t_logconst(df) - (df + 1) / 2 * np.log1p(u * u / df)


class Predictive:
    """Predictive distribution of ``Z_year`` for each year: a mixture of Student-t components.

    Component ``c`` has location ``loc[c, j]``, scale ``scale[c, j]`` (year ``j``), degrees of freedom
    ``df[c]`` and weight ``weights[c]``; a single model is a one-component mixture (the ``damped``
    model is itself a mixture over its damping grid). Only marginal distributions per year are
    represented.
    """

    def __init__(self, years, loc, scale, df, weights):
        self.years = np.asarray(years, dtype=float).reshape(-1)
        loc = np.asarray(loc, dtype=float).reshape(-1, self.years.size)
        w = np.asarray(weights, dtype=float).reshape(-1)
        keep = w > WEIGHT_FLOOR * w.max()
        self.loc = loc[keep]
        self.scale = np.maximum(np.asarray(scale, dtype=float).reshape(loc.shape)[keep], SCALE_FLOOR)
        self.df = np.asarray(df, dtype=float).reshape(-1)[keep]
        self.weights = w[keep] / w[keep].sum()
        self._t = _TMix(self.df)
        self._loc3 = self.loc[..., None]
        self._inv3 = 1.0 / self.scale[..., None]

    def __len__(self) -> int:
        return self.years.size

    def __repr__(self) -> str:
        return f"Predictive(years={self.years.astype(int).tolist()}, components={self.weights.size})"

    def _as_grid(self, z) -> tuple[np.ndarray, int]:
        """``z`` as a (n_years, k) array plus its original ndim (scalar, per-year, or (n_years, k))."""
        z = np.asarray(z, dtype=float)
        ny = self.years.size
        if z.ndim == 0:
            return np.full((ny, 1), float(z)), 0
        if z.ndim == 1:
            if z.size != ny:
                raise ValueError(f"z has {z.size} values for {ny} years")
            return z[:, None], 1
        if z.ndim == 2 and z.shape[0] == ny:
            return z, 2
        raise ValueError(f"z of shape {z.shape} does not align with {ny} years")

    @staticmethod
    def _shape(out: np.ndarray, ndim: int) -> np.ndarray:
        return out if ndim == 2 else out[:, 0]

    def _u(self, x: np.ndarray) -> np.ndarray:
        return (x[None] - self._loc3) * self._inv3                           # (C, Y, k)

    def _mix(self, a: np.ndarray) -> np.ndarray:
        return (self.weights @ a.reshape(a.shape[0], -1)).reshape(a.shape[1:])

    def _cdf_pdf(self, x: np.ndarray, *, slope: bool = False):
        """Mixture cdf and density at x (Y, k); with ``slope`` also the density's derivative."""
        parts = self._t.cdf_pdf(self._u(x), slope=slope)
        out = (self._mix(parts[0]), self._mix(parts[1] * self._inv3))
        if slope:
            out += (self._mix(parts[2] * (self._inv3 * self._inv3)),)
        return out

    def cdf(self, z) -> np.ndarray:
        """``P(Z_year <= z)`` per year; ``z`` scalar, aligned with years, or ``(n_years, k)``."""
        x, nd = self._as_grid(z)
        return self._shape(self._mix(self._t.cdf(self._u(x))), nd)

    def pdf(self, z) -> np.ndarray:
        """Density of ``Z_year`` at ``z`` (same shapes as :meth:`cdf`)."""
        x, nd = self._as_grid(z)
        return self._shape(self._cdf_pdf(x)[1], nd)

    def logpdf(self, z) -> np.ndarray:
        """Log density (log score) of ``Z_year`` at ``z`` (same shapes as :meth:`cdf`)."""
        x, nd = self._as_grid(z)
        u = self._u(x)
        a = (_t_logpdf(u, self.df[:, None, None]) - np.log(self.scale[..., None])
             + np.log(self.weights)[:, None, None])
        return self._shape(_logsumexp0(a), nd)

    def ppf(self, q) -> np.ndarray:
        """Quantiles: ``q`` scalar -> shape ``(n_years,)``; ``q`` 1-D -> ``(n_years, len(q))``.

        One component: closed form. A mixture: Halley iterations on the mixture cdf, safeguarded by
        bisection inside the bracket ``[min_c Q_c(q), max_c Q_c(q)]`` (which always contains the
        mixture quantile), to ``|F(x) - q| <= 1e-10``. ``q`` of 0 or 1 gives -inf or inf.
        """
        qa = np.asarray(q, dtype=float)
        if qa.ndim > 1:
            raise ValueError("q must be a scalar or 1-D")
        qq = np.atleast_1d(qa)
        inner = (qq > 0) & (qq < 1)
        out = np.where(qq <= 0, -np.inf, np.where(qq >= 1, np.inf, np.nan))
        out = np.broadcast_to(out, (self.years.size, qq.size)).copy()
        if inner.any():
            qi = qq[inner]
            tq = stdtrit(self.df[:, None], qi[None, :])                        # (C, Q)
            comp = self.loc[..., None] + self.scale[..., None] * tq[:, None, :]  # (C, Y, Q)
            out[:, inner] = comp[0] if self.weights.size == 1 else _mixture_ppf(self, qi, comp)
        return out[:, 0] if qa.ndim == 0 else out

    def median(self) -> np.ndarray:
        """Median per year (the point forecast used everywhere; invariant under the transform)."""
        return self.ppf(0.5)

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Central ``level`` prediction interval per year, e.g. ``interval(0.8)`` -> ``(lo, hi)``."""
        a = (1.0 - level) / 2.0
        qs = self.ppf(np.array([a, 1.0 - a]))
        return qs[:, 0], qs[:, 1]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws per year, shape ``(n, n_years)``, with the exact marginals.

        Each row uses one mixture component and one standardised t deviate for all years (a
        "quantile path"): columns have the right marginal distributions; the joint dependence across
        years is not modelled and should not be relied on.
        """
        comp = rng.choice(self.weights.size, size=n, p=self.weights)
        u = rng.standard_t(self.df[comp])
        return self.loc[comp] + self.scale[comp] * u[:, None]


def _logsumexp0(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=0)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + np.log(np.exp(a - m).sum(axis=0))


def _mixture_ppf(pred: Predictive, q: np.ndarray, comp: np.ndarray, *, tol: float = 1e-9,
                 max_iter: int = 100) -> np.ndarray:
    lo = comp.min(axis=0)
    hi = comp.max(axis=0)
    x = pred._mix(comp)                                # start: mean of component quantiles
    target = np.broadcast_to(q, x.shape)
    for _ in range(max_iter):
        F, f, fp = pred._cdf_pdf(x, slope=True)
        g = F - target
        if (np.abs(g) <= 1e-9).all():
            break
        below = g < 0
        lo = np.where(below, x, lo)
        hi = np.where(below, hi, x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            xn = x - 2.0 * g * f / (2.0 * f * f - g * fp)     # Halley step (cubic convergence)
        bad = ~((xn >= lo) & (xn <= hi))               # NaN or outside the bracket: bisect
        xn = np.where(bad, 0.5 * (lo + hi), xn)
        step = np.abs(xn - x)
        x = xn
        tol_x = tol * (1.0 + np.abs(x))
        if ((step <= tol_x) | (hi - lo <= tol_x)).all():
            break
    return x
