"""The shipped calibrated presets against the public measurements: each still gives the ratios
`make fidelity` recorded (validation/fidelity.json), meets the targets on the metrics it met
there, and names the missing mechanism where it did not. A change to the simulator that moves a
calibrated figure fails here until `make fidelity` is run again and the change is looked at."""
import json
import os
import statistics

import pytest

import npusim
from npusim.calibration import error_of
from npusim.calibration.evaluate import simulate_row
from npusim.calibration.measurements import default_measurement_files, read_measurements

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(ROOT, "validation", "fidelity.json")) as f:
    SHIPPED = json.load(f)
ROWS = {r.id: r for path in default_measurement_files() for r in read_measurements(path)}
MEDIAN_BOUND, WORST_BOUND = 0.15, 0.30


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
            ratio = sim[metric] / measured if metric != "decode_tokens_per_s" else measured / sim[metric]
            label = {"ttft_ms": "TTFT ms", "decode_tokens_per_s": "decode tokens/s", "latency_ms": "latency ms"}[metric]
            assert ratio == pytest.approx(entry["ratios"][f"{rid} {label}"], rel=0.02), (rid, label)
            errors.setdefault(label, []).append(error_of(ratio))
    for label, errs in errors.items():
        if entry["meets"][label]:
            assert statistics.median(errs) <= MEDIAN_BOUND and max(errs) <= WORST_BOUND, label
        else:
            assert entry["missing"], f"{entry['preset']} misses {label} and names no missing mechanism"
