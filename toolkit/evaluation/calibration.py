"""How far to trust a probability: the engine's measured record on the real national series, in one sentence.

Every unit report states it (issue 10: the evidence against the headline number must not be hidden) and
links to the method evaluation, which shows the detail. The numbers come from the same hindcast the method
evaluation runs (:func:`toolkit.evaluation.hindcast.run_hindcast`), computed once per process: 0.8 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from toolkit.evaluation.hindcast import CALL_METHODS, call_accuracy, coverage_by_model, load_national, run_hindcast


@dataclass(frozen=True)
class CalibrationRecord:
    """The engine's hindcast record: interval coverage and the calls that were still open at their origin."""

    coverage80: float  # share of outcomes inside the ensemble's 80% intervals
    coverage95: float
    n_forecasts: int
    open_calls: int  # 2020 target calls whose latest value did not yet meet the target at the origin
    open_right: int  # of those, how many P(attain) >= 0.5 called right
    best_rule: str  # the published rule with the most right open calls
    best_rule_right: int

    def sentence(self) -> str:
        return (f"How far to trust P(attain): in hindcasts on the real national series (2011-2020 Outline), the "
                f"engine's 80% intervals held {self.coverage80:.0%} of {self.n_forecasts} outcomes (95% intervals: "
                f"{self.coverage95:.0%}), and of the {self.open_calls} target calls still open at their origin, "
                f"P(attain) >= 0.5 was right {self.open_right} times, against {self.best_rule_right} for the best "
                f"simple rule ({self.best_rule}). {self.reading()}")

    def reading(self) -> str:
        """What the coverage says about the intervals (and so about P(attain)), with a 5-point tolerance."""
        if self.coverage80 > 0.85:
            return "The intervals are wider than their nominal level: read P(attain) as cautious."
        if self.coverage80 < 0.75:
            return "The intervals are narrower than their nominal level: read P(attain) as over-confident."
        return "The intervals hold close to their nominal level."


@lru_cache(maxsize=1)
def calibration_record() -> CalibrationRecord:
    """The record, computed from the hindcast on the shipped national series (cached per process)."""
    errors, calls = run_hindcast(*load_national())
    ensemble = coverage_by_model(errors).set_index("model").loc["ensemble"]
    open_calls = calls[~calls["met_latest"].astype(bool)]
    accuracy = call_accuracy(open_calls).set_index("method")
    ours = accuracy.loc["ours"]
    rules = accuracy.drop(index="ours").sort_values("correct", ascending=False)
    best = rules.iloc[0]
    return CalibrationRecord(coverage80=float(ensemble["cover80"]), coverage95=float(ensemble["cover95"]),
                             n_forecasts=int(ensemble["n"]), open_calls=int(ours["n"]), open_right=int(ours["correct"]),
                             best_rule=str(CALL_METHODS.get(rules.index[0], rules.index[0])),
                             best_rule_right=int(best["correct"]))
