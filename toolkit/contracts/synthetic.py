"""The synthetic-data marker: how a row says it is not an official statistic, and the banner that follows.

Every row of a generated panel has a ``source`` starting with :data:`SYNTHETIC_PREFIX`; every page built on
such rows shows the banner. One predicate and one banner here, so the engine (the ``synthetic`` flag), the
unit report, the overview and the index cannot disagree. The ``source`` text is data: 8,710 committed rows
of ``data/demo/provinces.csv`` carry it, so :func:`synthetic_source` must not change.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from toolkit.core.i18n import N_, _

SYNTHETIC_PREFIX = "SYNTHETIC"
SYNTHETIC_NOTE = "not official statistics"
SYNTHETIC_BANNER = N_("Synthetic demonstration data — not official statistics, do not cite")


def synthetic_source(seed: int) -> str:
    """The ``source`` text of every generated row (kept byte-identical: it is in committed data)."""
    return f"{SYNTHETIC_PREFIX} demonstration data (toolkit.demo, seed {seed})"


def synthetic_rows(obs: pd.DataFrame) -> pd.Series:
    """True for each row whose ``source`` starts with the synthetic marker (False without a source column)."""
    if "source" not in obs.columns:
        return pd.Series(False, index=obs.index)
    return obs["source"].astype("string").fillna("").str.startswith(SYNTHETIC_PREFIX).astype(bool)


def is_synthetic(obs: pd.DataFrame) -> bool:
    """True when any row of ``obs`` comes from a synthetic generator."""
    return bool(synthetic_rows(obs).any())


def banner_text() -> str:
    """The banner in the page's edition (the Chinese one is 合成演示数据，非官方统计数据，不得引用)."""
    return _(SYNTHETIC_BANNER)


def banner_html() -> str:
    """The banner as every page built on synthetic rows shows it, at its top and beside its data."""
    return '<div class="tk-banner" role="alert">' + escape(banner_text()) + "</div>"
