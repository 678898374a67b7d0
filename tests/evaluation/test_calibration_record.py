"""The calibration sentence every unit report carries: numbers from the hindcast, and the cache that shares them."""

from __future__ import annotations

import json

from toolkit.core.i18n import language
from toolkit.evaluation import calibration
from toolkit.evaluation.hindcast import call_accuracy, coverage_by_model, load_national, run_hindcast


def test_the_record_repeats_the_hindcast_numbers():
    errors, calls = run_hindcast(*load_national())
    record = calibration.calibration_record()
    ensemble = coverage_by_model(errors).set_index("model").loc["ensemble"]
    assert record.coverage80 == ensemble["cover80"] and record.n_forecasts == ensemble["n"]
    open_calls = calls[~calls["met_latest"].astype(bool)]
    ours = call_accuracy(open_calls).set_index("method").loc["ours"]
    assert (record.open_calls, record.open_right) == (ours["n"], ours["correct"])
    with language("en"):
        sentence = record.sentence()
    assert f"right {record.open_right} times" in sentence and f"{record.coverage80:.0%}" in sentence
    with language("zh"):
        sentence = record.sentence()
    assert f"正确{record.open_right}次" in sentence and f"{record.coverage80:.0%}" in sentence


def test_the_cache_file_is_read_back_and_a_broken_one_is_recomputed(tmp_path):
    first = calibration.calibration_record(tmp_path)
    files = list(tmp_path.glob(".calibration-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text(encoding="utf-8"))["open_calls"] == first.open_calls
    files[0].write_text("{not json", encoding="utf-8")
    assert calibration.calibration_record(tmp_path) == first


def test_the_cache_key_changes_with_the_inputs(tmp_path, monkeypatch):
    key = calibration.inputs_key()
    copy = tmp_path / "national.csv"
    copy.write_bytes(calibration.CACHE_INPUTS[0].read_bytes() + b"\n")
    monkeypatch.setattr(calibration, "CACHE_INPUTS", (copy, *calibration.CACHE_INPUTS[1:]))
    assert calibration.inputs_key() != key


def test_the_reading_follows_the_measured_coverage():
    base = calibration.calibration_record()

    def record(c80, c95):
        return calibration.CalibrationRecord(**{**base.__dict__, "coverage80": c80, "coverage95": c95})

    wide, narrow, near, mixed = record(0.95, 0.99), record(0.6, 0.85), record(0.8, 0.95), record(0.89, 0.94)
    with language("en"):
        assert "wider than their nominal level" in wide.reading() and "over-confident" in narrow.reading()
        assert "close to their nominal level" in near.reading()
        # the hindcast of issue 14: 80% intervals wide, 95% within their range -> no overall verdict
        assert "neither systematically cautious" in mixed.reading()
        assert "neither" in record(0.89, 0.90).reading()
    with language("zh"):
        assert "偏于保守" in wide.reading() and "确定性被高估" in narrow.reading() and "接近名义水平" in near.reading()
        assert "既不" in mixed.reading()
