"""How far to trust a probability: the engine's measured record on the real national series, in one sentence.

Every unit report states it (issue 10: the evidence against the headline number must not be hidden) and
links to the method evaluation, which shows the detail. The numbers come from the same hindcast the method
evaluation runs (:func:`toolkit.evaluation.hindcast.run_hindcast`): 0.27 s warm, 1.2-1.5x a unit report's own
computation in the same process (``benchmarks/bench_calibration.py``). So the record is cached: in
the process, and in a small JSON file in the run's ``units/`` folder keyed by a checksum of everything the
hindcast reads (the national series, the 2011-2020 targets, the defaults and the engine's source), so the
kernels of one batch compute it about once per worker and never reuse a stale one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from toolkit.core import io
from toolkit.core.errors import ToolkitError
from toolkit.core.i18n import _, percent
from toolkit.core.paths import OBSERVATIONS_DIR, PARAMS_DIR, TARGETS_DIR
from toolkit.evaluation.hindcast import CALL_METHODS, call_accuracy, coverage_by_model, load_national, run_hindcast

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: What the hindcast depends on: its data and the code that computes it.
CACHE_INPUTS = (OBSERVATIONS_DIR / "national.csv", TARGETS_DIR / "outline-2011-2020.csv", PARAMS_DIR / "defaults.yaml")
CODE_DIRS = ("engine", "evaluation", "inputs", "contracts")


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
        return _("How far to trust P(attain): in hindcasts on the real national series (2011-2020 Outline), the "
                 "engine's 80% intervals held {coverage80} of {n} outcomes (95% intervals: {coverage95}), and of "
                 "the {open_calls} target calls still open at their origin, P(attain) >= 0.5 was right {right} "
                 "times, against {rule_right} for the best simple rule ({rule}).").format(
            coverage80=percent(self.coverage80), n=self.n_forecasts, coverage95=percent(self.coverage95),
            open_calls=self.open_calls, right=self.open_right, rule_right=self.best_rule_right,
            rule=_(self.best_rule)) + " " + self.reading()

    def reading(self) -> str:
        """What the coverage says about the intervals (and so about P(attain)): each level against the
        calibration goal (75-85% for the 80% interval, 92-97% for the 95% one), both levels read together."""
        side80 = (self.coverage80 > 0.85) - (self.coverage80 < 0.75)    # +1 wide, -1 narrow, 0 close
        side95 = (self.coverage95 > 0.97) - (self.coverage95 < 0.92)
        if side80 >= 0 and side95 >= 0 and side80 + side95 == 2:
            return _("The intervals are wider than their nominal level: read P(attain) as cautious.")
        if side80 <= 0 and side95 <= 0 and side80 + side95 == -2:
            return _("The intervals are narrower than their nominal level: read P(attain) as over-confident.")
        if side80 == side95 == 0:
            return _("The intervals hold close to their nominal level.")
        return _("One interval level is outside its nominal range and the other is not: P(attain) is neither "
                 "systematically cautious nor systematically over-confident.")


def calibration_record(cache_dir: str | Path | None = None) -> CalibrationRecord:
    """The record; read from ``cache_dir`` when a file for the same inputs is there, else computed (and
    written there). ``None``: computed once per process."""
    if cache_dir is None:
        return _computed()
    path = Path(cache_dir) / f".calibration-{inputs_key()[:16]}.json"
    try:
        return CalibrationRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass  # no file yet, or one from another version of the record: compute it
    record = _computed()
    try:
        io.write_text(path, json.dumps(asdict(record)))
    except ToolkitError:  # a cache that cannot be written only costs time
        pass
    return record


def inputs_key() -> str:
    """sha256 over the hindcast's input files and the source of the packages that compute it."""
    digest = hashlib.sha256()
    code = sorted(p for d in CODE_DIRS for p in (PACKAGE_DIR / d).glob("*.py"))
    for path in (*CACHE_INPUTS, *code):
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _computed() -> CalibrationRecord:
    """The record, computed from the hindcast on the shipped national series (once per process)."""
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
