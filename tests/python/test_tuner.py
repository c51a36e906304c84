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


CASES = [("rk3588", {"m": 256, "n": 192, "k": 128}), ("default", {"m": 256, "n": 256, "k": 256}),
         ("hexagon_8gen3", {"m": 256, "n": 256, "k": 512}), ("intel_mtl_npu", {"m": 128, "n": 384, "k": 256})]
SEEDS = range(1, 6)


def in_space(step):
    return all(str(step[k]) in {str(v) for v in values} for k, values in SPACE.items())


@pytest.mark.parametrize("preset,shape", CASES)
def test_search_finds_within_5_percent_of_exhaustive_with_a_fifth_of_the_evaluations(preset, shape):
    # Measured: every seed of every case finds the exhaustive best itself. The default schedule,
    # which the search evaluates first, may lie outside the space (Hexagon's panels and 1024-deep K
    # steps): it is left out of both sides, so the claim is about the search alone.
    full = npusim.tune("gemm_w8a8", npu=preset, space=SPACE, exhaustive=True, cache=False, **shape)
    best = min(h["cycles"] for h in full.history if h["ok"] and in_space(h))
    budget = len(full.history) // 5
    for seed in SEEDS:
        found = npusim.tune("gemm_w8a8", npu=preset, space=SPACE, budget=budget, seed=seed, cache=False, **shape)
        assert len(found.history) <= budget
        mine = [h["cycles"] for h in found.history if h["ok"] and in_space(h)]
        assert min(mine) <= 1.05 * best, (preset, seed, min(mine), best)
        assert min(mine) >= best  # the exhaustive search saw every point the search saw


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
