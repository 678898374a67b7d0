"""Count the statements of a run's results.csv that a statistician would not sign (issue 10), independently
of the engine: the Eurostat window and the target test are recomputed here from the observation files.

    python benchmarks/audit_statements.py outputs/            # the run folder of `make run`
    python benchmarks/audit_statements.py /tmp/c2011          # a `run --cycle 2011-2020 --out /tmp/c2011`

Prints one line per check with the number of rows it finds (0 is the goal for every check but the last two,
which count what the results now mark instead of hiding).
"""

from __future__ import annotations

import json
import operator
import sys
from pathlib import Path

import pandas as pd

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
PROJECT = Path(__file__).resolve().parents[1]


def observations(run: Path) -> pd.DataFrame:
    files = set()
    for summary in (run / "units").glob("*/summary.json"):
        files.update(json.loads(summary.read_text(encoding="utf-8"))["data_files"])
    frames = [pd.read_csv(f if Path(f).is_absolute() else PROJECT / f) for f in sorted(files)]
    obs = pd.concat(frames, ignore_index=True)
    obs["qualifier"] = obs["qualifier"].fillna("=")
    return obs[obs["qualifier"] == "="]


def eurostat_base(points: pd.DataFrame, latest_year: int) -> float | None:
    """The value at the first point of the 15-year window that ends at the latest point (Eurostat's base)."""
    window = points[points["year"] >= latest_year - 15].sort_values("year")
    return None if window.empty else float(window["value"].iloc[0])


def main(run: Path) -> None:
    res = pd.read_csv(run / "results.csv")
    obs = observations(run)
    indicators = pd.read_csv(PROJECT / "data" / "indicators.csv").set_index("indicator_id")
    targeted = res[res["category"] != "no_target"]
    by_series = {k: g for k, g in obs.groupby(["unit_id", "indicator_id"])}

    reversed_class = 0
    for row in targeted[targeted["eurostat_category"].isin(
            ["significant_progress", "moderate_progress", "insufficient_progress", "moving_away"])].itertuples():
        points = by_series.get((row.unit_id, row.indicator_id))
        if points is None:
            continue
        points = points[points["year"] <= row.as_of]
        latest = points[points["year"] == points["year"].max()]
        base = eurostat_base(points, int(latest["year"].iloc[0]))
        if base is not None and OPS[row.comparator](base, row.target_value):
            reversed_class += 1
    observed = targeted["category"].isin(["achieved", "not_achieved"])
    censored_col = "attain_year_censored" in targeted
    left = targeted["attain_year"].notna() & (targeted["attain_year"] == targeted["first_year"])
    if censored_col:
        left &= ~targeted["attain_year_censored"].fillna(False).astype(bool)
    rising = targeted["indicator_id"].map(indicators["direction"]) == "increase"
    rate_kind = targeted["rate_kind"] if "rate_kind" in targeted else pd.Series("aarr", index=targeted.index)
    checks = {
        "1 Eurostat progress class on a row whose base already met the target": reversed_class,
        "2 insufficient_data rows without an observed status": int(
            ((targeted["category"] == "insufficient_data") & targeted["latest_value"].notna()
             & targeted["met_latest"].isna() & ~targeted.get("evidence_year", pd.Series(index=targeted.index)).notna()).sum()),
        "3 observed target year with a forecast interval or a probability": int(
            (observed & (targeted["lo80"].notna() | targeted["p_attain"].notna())).sum()),
        "3 target year past and unobserved, graded with a forecast word": int(
            ((targeted["target_year"] <= targeted["as_of"]) & ~observed
             & targeted["category"].isin(["on_track", "likely", "at_risk", "off_track"])).sum()),
        "4 attainment year equal to the first observation, not marked as censored": int(left.sum()),
        "5 AARR (a rate of reduction) shown for a rising indicator": int(
            (rising & targeted["aarr_required"].notna() & (rate_kind != "aari")).sum()),
        "6 relative targets from a trend-estimated base": int(
            targeted["flags"].fillna("").str.contains("relative_target_base_estimated").sum()),
        "rows graded on a target of another outline, not marked as context": int(
            ((targeted["target_set"] == "outline-2011-2020") & targeted["indicator_id"].isin(["mmr", "hospital_delivery"])
             & (targeted.get("target_role", pd.Series("", index=targeted.index)).fillna("") != "context")).sum()),
        "targeted rows": len(targeted),
    }
    for name, count in checks.items():
        print(f"{count:6d}  {name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "outputs"))
