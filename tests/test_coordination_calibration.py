"""The shipped calibration of coordination scores: the map, the JSON it comes from, and the note."""

from __future__ import annotations

import importlib
import json
import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from unmask.coordination import calibration
from unmask.errors import UnmaskError

ROOT = Path(__file__).resolve().parents[1]


def _shipped() -> dict:
    return json.loads(resources.files("unmask.data").joinpath(calibration.RESOURCE).read_text("utf-8"))


def test_calibrate_is_monotone_and_within_unit_interval():
    raw = np.concatenate([[-5.0, -1e-9], np.linspace(0, 1, 20_001), 1 - np.logspace(-16, -1, 500), [1.5]])
    raw.sort()
    out = calibration.calibrate(raw)
    assert out.shape == raw.shape
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out <= 1))
    assert np.isnan(calibration.calibrate(np.array([np.nan])))[0]


def test_calibrate_matches_the_shipped_points():
    doc = _shipped()
    assert np.allclose(calibration.calibrate(np.array(doc["thresholds"])), doc["values"], rtol=0, atol=1e-12)
    # Beyond the fitted points the map is flat.
    assert calibration.calibrate(np.array([-1.0]))[0] == doc["values"][0]
    assert calibration.calibrate(np.array([2.0]))[0] == doc["values"][-1]


def test_shipped_json_is_package_data_and_names_what_it_was_fitted_on():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["unmask"]
    assert any(fnmatch(f"data/{calibration.RESOURCE}", p) for p in patterns)
    doc = _shipped()
    assert doc["seeds"] and all(isinstance(s, int) for s in doc["seeds"])
    assert doc["holdout_seed"] not in doc["seeds"]
    assert "control" in doc["scenarios"] and len(doc["scenarios"]) >= 2
    assert doc["n_rows"] > doc["positives"] > 0
    assert {"brier_raw_holdout", "brier_calibrated_holdout"} <= set(doc["brier"])
    fitted = calibration.parameters()
    assert fitted.seeds == tuple(doc["seeds"]) and fitted.scenarios == tuple(doc["scenarios"])


def test_note_says_planted_scenarios_only_and_names_them():
    note = calibration.note()
    doc = _shipped()
    assert "calibrated on planted scenarios only" in note
    assert all(name in note for name in doc["scenarios"])
    assert all(str(s) in note for s in doc["seeds"])
    assert f"{doc['posts']:,} posts" in note
    with pytest.raises(AttributeError):
        _ = calibration.NO_SUCH_NAME


GOOD = {
    "thresholds": [0.0, 0.5, 1.0],
    "values": [0.0, 0.2, 0.9],
    "scenarios": ["a"],
    "seeds": [1],
    "posts": 5,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"thresholds": [0.0, 0.5, 0.5]}, "strictly increasing"),
        ({"values": [0.0, 0.3, 0.2]}, "not be monotone"),
        ({"values": [0.0, 0.2, 1.5]}, "outside [0, 1]"),
        ({"values": [0.0, 0.2]}, "same length"),
        ({"thresholds": "0,1"}, "not a list of numbers"),
        ({"seeds": []}, "seeds"),
        ({"scenarios": None}, "scenarios"),
    ],
)
def test_malformed_parameters_raise_a_clear_error(change, message):
    assert calibration.parse(json.dumps(GOOD)).thresholds.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(calibration.CalibrationError, match="malformed") as err:
        calibration.parse(json.dumps({**GOOD, **change}), "x.json")
    assert message in str(err.value) and "x.json" in str(err.value)
    assert isinstance(err.value, UnmaskError)
    with pytest.raises(calibration.CalibrationError, match="malformed"):
        calibration.parse("{not json", "x.json")


def test_missing_json_fails_at_use_not_at_import(monkeypatch):
    def missing(_package):
        raise FileNotFoundError("no such file")

    try:
        monkeypatch.setattr(resources, "files", missing)
        module = importlib.reload(calibration)  # importing reads nothing
        with pytest.raises(module.CalibrationError, match="cannot be read"):
            module.calibrate(np.array([0.5]))
        with pytest.raises(module.CalibrationError):
            module.note()
    finally:
        monkeypatch.undo()
        importlib.reload(calibration)
    assert calibration.calibrate(np.array([0.5])).shape == (1,)


def _bench(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    return importlib.import_module("coordination_calibration")


def test_bench_rows_label_every_account_of_the_case(monkeypatch):
    bench = _bench(monkeypatch)
    rows = bench.account_rows(
        "default",
        1,
        2000,
        pa.array(["a", "b", "c", "d"]),
        pa.table({"account_id": ["c", "a", "b"], "best_q": [0.5, 1e-9, 0.004]}),
        pa.table({"account_id": ["b", "a"], "network_id": [7, 7], "score": [0.996, 1.0]}),
        [{"network_id": 7, "size": 2}],
        pa.array(["a", "d"]),
    ).to_pydict()
    assert rows["scored"] == [1, 1, 1, 0]
    assert rows["score"] == [1 - 1e-9, 1 - 0.004, 0.5, 0.0]  # d is in no tested edge: raw score 0
    assert rows["planted"] == [1, 0, 0, 1]
    assert rows["flagged"] == [1, 1, 0, 0]
    assert rows["network_id"] == [7, 7, -1, -1] and rows["network_size"] == [2, 2, 0, 0]
    assert rows["flagged_score"] == [1.0, 0.996, None, None]


def test_bench_fit_map_is_what_calibrate_applies(monkeypatch):
    bench = _bench(monkeypatch)
    score = np.array([0.1, 0.2, 0.9, 0.95, 0.99, 0.999, 1.0, 1.0])
    planted = np.array([0, 0, 1, 0, 0, 1, 1, 1], dtype=float)
    thresholds, values = bench.fit_map(score, planted)
    doc = {**GOOD, "thresholds": thresholds.tolist(), "values": values.tolist()}
    fitted = calibration.parse(json.dumps(doc))
    assert np.all(np.diff(fitted.values) >= 0)
    # The top block (3 of 3 planted) and the bottom one (0 of 2) are smoothed away from certainty.
    assert fitted.values[-1] == pytest.approx(4 / 5) and fitted.values[0] == pytest.approx(1 / 4)
    assert bench.brier(planted, planted) == 0.0
    assert [b["count"] for b in bench.reliability(score, planted)] == [1, 1, 6]
