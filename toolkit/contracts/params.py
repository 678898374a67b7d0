"""The words a params file may use, and the engine defaults a params file may override.

Shared by the engine (which implements the models and scales named here) and the params checks in
:mod:`toolkit.inputs.params_rules` (which must not load the engine to know the names). ``params/defaults.yaml``
sets every key; the dataclass defaults below only matter to code that builds settings by hand.
"""

from __future__ import annotations

#: Names of the candidate trend models, in the order reports list them.
MODEL_NAMES: tuple[str, ...] = ("linear", "recent", "drift", "damped")
#: Ways of combining candidates besides naming a single model.
SELECTION_MODES = ("ensemble", "stacking", "best")
#: Scales a trend may be fitted on (``data/indicators.csv`` uses the first three).
TRANSFORM_NAMES: tuple[str, ...] = ("log", "logit", "identity", "saturating")
#: Keys of ``categories``: lower bounds of P(attain) for each forecast category.
CATEGORY_KEYS = ("on_track", "likely", "at_risk")
#: Eurostat's classes above "moving away": substantial, moderate, insufficient progress.
EUROSTAT_CLASSES = 3
#: Fewest points a trend is fitted to, and the shortest recent window (the drift model needs 3 increments).
MIN_TREND_POINTS = 4
#: Distance (percentage points) the logit scales keep from 0 and from their upper bound; a saturating cap
#: must therefore exceed twice this.
LOGIT_EPS = 0.05
#: Default upper asymptote of the saturating logit (gross enrolment rates can pass 100%).
SATURATING_CAP = 110.0
#: Eurostat's RR cut-offs: significant >= 0.95 > moderate >= 0.6 > insufficient >= 0 > moving away.
EUROSTAT_THRESHOLDS: tuple[float, float, float] = (0.95, 0.6, 0.0)
