"""The device around the NPU through the Python API and the CLI: a cold start from full load and
from mmap, and a sustained decode that throttles only under a thermal limit."""
import json
import os
import subprocess

import pytest

import npusim

BIN = os.environ.get("NPUSIM_BIN", "build/bin/npusim")


def test_cold_start_full_and_mmap():
    npu = npusim.Npu("hexagon_8gen3")
    r = npu.model("tinyllama-1.1b", quant="w4a8", prefill=32, decode=2)  # untied embeddings
    full, mmap = r.cold_start
    assert (full["load"], mmap["load"]) == ("full", "mmap")
    assert full["bytes_read"] == r.weight_bytes == full["file_bytes"]
    # mmap reads only what the prompt touches: every layer, but 32 rows of the embedding table.
    assert mmap["touched_bytes"] < full["touched_bytes"] and mmap["bytes_read"] < full["bytes_read"]
    assert mmap["peak_resident_bytes"] < full["peak_resident_bytes"]
    # Each fault waits for storage: on this preset 100 us per fault outweighs the bytes saved.
    assert mmap["load_s"] > full["load_s"] and mmap["faults"] > 1000
    for c in (full, mmap):
        assert c["ttft_s"] == pytest.approx(c["load_s"] + c["prepare_s"] + r.ttft_s)
    assert len(r.to_pandas("cold_start")) == 2


def test_sustained_throttles_only_with_a_thermal_limit():
    hot = npusim.Npu("hexagon_8gen3", thermal__limit_c=40).model("qwen2.5-0.5b", quant="w8a8", prefill=16, decode=4,
                                                                   sustained=900)
    s = hot.sustained
    assert s["throttled_after_s"] is not None and s["sustained_tokens_per_s"] < s["burst_tokens_per_s"]
    series = hot.to_pandas("sustained")
    assert len(series) == 900 and series["clock_fraction"].max() <= 1 and series["clock_fraction"].min() < 1
    assert series["temperature_c"].max() < 40 + 5
    cool = npusim.Npu("hexagon_8gen3", thermal__limit_c=0).model("qwen2.5-0.5b", quant="w8a8", prefill=16, decode=4,
                                                                   sustained=900)
    assert cool.sustained["throttled_after_s"] is None
    assert (cool.to_pandas("sustained")["clock_fraction"] == 1).all()
    assert cool.sustained["sustained_tokens_per_s"] == pytest.approx(cool.sustained["burst_tokens_per_s"], rel=1e-12)
    with pytest.raises(KeyError, match="no sustained run"):
        npusim.Npu("hexagon_8gen3").model("qwen2.5-0.5b", prefill=16, decode=1).to_pandas("sustained")


def test_cli_reports_cold_start_and_sustained(tmp_path):
    out = tmp_path / "r.json"
    p = subprocess.run([BIN, "model", "--preset", "hexagon_8gen3", "--model", "qwen2.5-0.5b", "--prefill", "16",
                        "--decode", "2", "--sustained", "120", "--set", "thermal.limit_c=30", "--save", str(out),
                        "--quiet"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "cold start (full)" in p.stdout and "cold start (mmap)" in p.stdout
    assert "throttled after" in p.stdout
    report = json.loads(out.read_text())
    assert len(report["sustained"]["points"]) == 120
    bad = subprocess.run([BIN, "model", "--sustained", "forever"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--sustained must be a number of seconds, got 'forever'" in bad.stderr
    neg = subprocess.run([BIN, "model", "--prefill", "16", "--decode", "1", "--sustained", "-5", "--quiet"],
                         capture_output=True, text=True)
    assert neg.returncode == 1 and "the run must last 0 to 86400 seconds" in neg.stderr
