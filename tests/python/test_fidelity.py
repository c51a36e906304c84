"""The shipped calibrated presets against the public measurements: each still gives the ratios
`make fidelity` recorded (validation/fidelity.json), meets the targets on the metrics it met
there, and names the missing mechanism where it did not. A change to the simulator that moves a
calibrated figure fails here until `make fidelity` is run again and the change is looked at."""
import json
import math
import os
import statistics
import sys

import pytest

import npusim
from npusim.calibration import error_of
from npusim.calibration.evaluate import simulate_row
from npusim.calibration.fit import log_ratio
from npusim.calibration.measurements import METRICS, default_measurement_files, read_measurements

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(ROOT, "validation", "fidelity.json")) as f:
    SHIPPED = json.load(f)
ROWS = {r.id: r for path in default_measurement_files() for r in read_measurements(path)}
sys.path.insert(0, os.path.join(ROOT, "validation"))
from fidelity import MEDIAN_BOUND, WORST_BOUND  # noqa: E402  (the targets make fidelity states)


@pytest.mark.parametrize("entry", SHIPPED, ids=[e["preset"] for e in SHIPPED])
def test_shipped_calibrated_preset_still_gives_its_recorded_ratios(entry):
    base, entries = npusim.preset_entries(entry["preset"])
    assert base == entry["base"]
    assert any(e["provenance"] == "fitted" for e in entries.values())
    errors = {}
    for rid in entry["rows"]:
        row = ROWS[rid]
        sim = simulate_row(entry["preset"], (), row)
        assert "error" not in sim, sim
        for metric, measured in row.metrics.items():
            ratio = math.exp(log_ratio(metric, sim[metric], measured))
            label = METRICS[metric][0]
            assert ratio == pytest.approx(entry["ratios"][f"{rid} {label}"], rel=0.02), (rid, label)
            errors.setdefault(label, []).append(error_of(ratio))
    for label, errs in errors.items():
        if entry["meets"][label]:
            assert statistics.median(errs) <= MEDIAN_BOUND and max(errs) <= WORST_BOUND, label
        else:
            assert entry["missing"], f"{entry['preset']} misses {label} and names no missing mechanism"
