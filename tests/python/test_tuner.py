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
