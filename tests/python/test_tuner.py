"""The schedule tuner: within 5 % of the exhaustive best with a fifth of the evaluations (4 cases x
5 seeds), cached on disk, and reachable from the CLI."""
import json
import os
import subprocess

import pytest

import npusim

# A space small enough to enumerate (216 schedules), holding each preset's default values.
SPACE = {"tile_m": [64, 128, 256], "tile_n": [32, 64, 128], "tile_k": [32, 64, 128], "order": ["mn", "nm"],
         "double_buffer": [0, 1], "parallel": [0, 1], "stage_a": ["k"], "stage_b": ["k"], "overlap_out": [0]}


# Cases whose best schedule in the space beats the preset's default, where the search starts: it
# has to find it.
CASES = [("rk3588", {"m": 256, "n": 192, "k": 128}), ("rk3588", {"m": 128, "n": 128, "k": 256}),
         ("intel_mtl_npu", {"m": 128, "n": 384, "k": 256}), ("rk3576", {"m": 256, "n": 256, "k": 128})]
SEEDS = range(1, 6)


@pytest.mark.parametrize("preset,shape", CASES)
def test_search_finds_within_5_percent_of_exhaustive_with_a_fifth_of_the_evaluations(preset, shape):
    # Measured: every seed of every case finds the exhaustive best itself.
    full = npusim.tune("gemm_w8a8", npu=preset, space=SPACE, exhaustive=True, cache=False, **shape)
    assert full.best["cycles"] < full.default["cycles"]
    budget = len(full.history) // 5
    for seed in SEEDS:
        found = npusim.tune("gemm_w8a8", npu=preset, space=SPACE, budget=budget, seed=seed, cache=False, **shape)
        assert len(found.history) <= budget
        assert found.best["ok"] and found.best["cycles"] <= 1.05 * full.best["cycles"], (preset, seed)


def test_results_are_cached_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("NPUSIM_CACHE_DIR", str(tmp_path))
    first = npusim.tune("silu", budget=6, t=64, d=256)
    assert not any(h["cached"] for h in first.history)
    assert (tmp_path / "tune-cache.tsv").exists()
    again = npusim.tune("silu", budget=6, t=64, d=256)
    assert all(h["cached"] for h in again.history if h["ok"])
    assert again.best["cycles"] == first.best["cycles"] and again.schedule == first.schedule


def test_tuned_schedule_reproduces_its_cycles():
    r = npusim.tune("rms_norm", budget=8, cache=False, t=64, d=512)
    again = npusim.Npu("default").kernel("rms_norm", schedule=r.schedule, t=64, d=512)
    assert again.cycles == r.best["cycles"]
    # The search starts from the preset's default schedule; the best is the least of what it saw.
    assert r.history[0]["cycles"] == r.default["cycles"]
    assert r.best["cycles"] == min(h["cycles"] for h in r.history if h["ok"])
    assert {"index", "cycles", "ok", "tile_t"} <= set(r.history[0])


def test_cli_prints_progress_and_json(tmp_path):
    env = dict(os.environ, NPUSIM_CACHE_DIR=str(tmp_path))
    p = subprocess.run([os.environ.get("NPUSIM_BIN", "build/bin/npusim"), "tune", "gemm_w8a8", "--shape",
                        "m=64,n=64,k=64", "--budget", "5", "--json"], capture_output=True, text=True, env=env,
                       check=True)
    out = json.loads(p.stdout)
    assert out["evaluations"] == len(out["history"]) <= 5
    assert out["best"]["cycles"] == min(h["cycles"] for h in out["history"] if h["ok"])
    assert p.stderr.count("\n") == len(out["history"]) and "[1/5]" in p.stderr


def test_tuner_errors_name_the_problem():
    with pytest.raises(npusim.ScheduleError, match="tuning space names no knob 'tile_q' of silu"):
        npusim.tune("silu", space={"tile_q": [1]}, cache=False)
    with pytest.raises(npusim.ScheduleError, match=r"tuning budget must be in \[1, 100000\], got 0"):
        npusim.tune("silu", budget=0, cache=False)
    with pytest.raises(npusim.ShapeError, match="unknown kernel 'nope'"):
        npusim.tune("nope", cache=False)


def test_schedules_lowering_to_the_same_program_are_one_evaluation():
    # tile_m 128 and 256 both cover m = 128: the same program, whose semaphores Halide names from
    # process-wide counters (different in each lowering); the tuner compares programs with their
    # token names numbered, so the second is not a new evaluation.
    space = {"tile_m": [128, 256], "tile_n": [64], "tile_k": [64], "order": ["mn"], "stage_a": ["k"],
             "stage_b": ["k"], "double_buffer": [1], "overlap_out": [0], "parallel": [0], "native_w": [0]}
    r = npusim.tune("gemm_w8a8", space=space, exhaustive=True, cache=False, m=128, n=128, k=256)
    assert len(r.history) == 1
    a = npusim.compile_kernel("gemm_w8a8", schedule={"tile_m": 128, "tile_k": 64}, m=128, n=128, k=256)
    b = npusim.compile_kernel("gemm_w8a8", schedule={"tile_m": 256, "tile_k": 64}, m=128, n=128, k=256)
    assert a != b and "folding_semaphore" in a  # the texts differ only in those counters


def test_idle_knobs_are_those_whose_values_lower_to_one_program():
    # One token: a single tile of rows, so nothing is double-buffered.
    assert "double_buffer" in npusim.idle_knobs("swiglu", t=1)
    assert "double_buffer" not in npusim.idle_knobs("swiglu", t=512)
    # A parallel loop on a one-core NPU runs as a serial one; on two cores it does not.
    assert "parallel" in npusim.idle_knobs("gemm_w8a8", m=256, n=256, k=256)
    assert "parallel" not in npusim.idle_knobs("gemm_w8a8", npu="rk3588", m=256, n=256, k=256)
    # Attention's parallel=1 also gives up loading the next KV heads behind these: live on one core.
    assert "parallel" not in npusim.idle_knobs("attention", t=1, ctx=512)
    # The same knobs, checked by simulating: idle ones change no cycle.
    npu = npusim.Npu("default")
    for db in ("0", "1"):
        assert npu.kernel("swiglu", t=1, schedule={"double_buffer": db}).cycles == npu.kernel("swiglu", t=1).cycles


def test_the_tuner_leaves_idle_knobs_at_their_defaults():
    r = npusim.tune("gemm_w8a8", budget=12, cache=False, m=256, n=256, k=256)
    assert "parallel" in r.idle_knobs
    assert r.best["schedule"]["parallel"] == r.default["schedule"]["parallel"] == "0"
    assert {h["parallel"] for h in r.to_pandas().to_dict("records")} == {"0"}
    # A knob the caller's space names is searched as given.
    r = npusim.tune("gemm_w8a8", budget=6, cache=False, space={"parallel": [0, 1]}, m=256, n=256, k=256)
    assert "parallel" not in r.idle_knobs


def test_an_sram_overflow_names_the_knob_that_helps():
    with pytest.raises(npusim.ScheduleError, match=r"overflows.*tile_kv=256 or smaller"):
        npusim.Npu("default").kernel("attention", t=1, ctx=32768, schedule={"tile_kv": 0})
    with pytest.raises(npusim.ScheduleError, match=r"overflows.*or resident_scales=0"):
        npusim.Npu("default").kernel("attention", t=1, ctx=65536, schedule={"tile_kv": 1024, "resident_scales": 1})
    with pytest.raises(npusim.ScheduleError, match=r"overflows.*Use a smaller tile_m \(1024\).*stage_a=k"):
        npusim.Npu("default").kernel("gemm_w8a8", m=1024, n=1024, k=8192,
                                     schedule={"tile_m": 1024, "stage_a": "panel"})
