"""The Python package: simulation results, host execution bit-exact against numpy, errors."""
import json
import os
import subprocess

import numpy as np
import pytest

import npusim
from conftest import requant_ref


def reference_gemm(a, w, bias, mult, shift):
    return requant_ref(a.astype(np.int64) @ w.astype(np.int64).T, bias, mult, shift)


def random_problem(m, n, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(-128, 128, size=(m, k), dtype=np.int8)
    w = rng.integers(-128, 128, size=(n, k), dtype=np.int8)
    bias = rng.integers(-5000, 5000, size=n, dtype=np.int32)
    mult, shift = npusim.requant_params(0.02, rng.uniform(0.002, 0.2, size=n), 8.0)
    return a, w, bias, mult, shift


def test_gemm_result_fields():
    r = npusim.Npu("default").gemm(256, 256, 256, schedule={"tile_m": 64, "tile_n": 64, "tile_k": 64})
    d = r.to_dict()
    for key in ("cycles", "seconds", "energy_j", "dram_bytes_read", "dram_bytes_written", "mac_ops",
                "roofline_cycles", "sram_peak_bytes"):
        assert key in d
        assert getattr(r, key) == d[key]
    assert r.mac_ops == 256 ** 3
    assert r.cycles >= r.roofline_cycles
    assert r.seconds == pytest.approx(r.cycles * 1e-9)
    assert sum(d["energy_j_by_component"].values()) == pytest.approx(r.energy_j)


def test_result_copies_and_pickles():
    import copy
    import pickle
    r = npusim.Npu("default").gemm(64, 64, 64)
    assert copy.copy(r).cycles == r.cycles
    assert pickle.loads(pickle.dumps(r)).to_dict() == r.to_dict()


def test_matches_cli_json():
    r = npusim.Npu("default").gemm(128, 192, 256, schedule="tile_m=64,tile_n=64,tile_k=64")
    out = subprocess.run([os.environ.get("NPUSIM_BIN", "build/bin/npusim"), "gemm", "--m", "128", "--n", "192",
                          "--k", "256", "--schedule", "tile_m=64,tile_n=64,tile_k=64", "--json"],
                         check=True, capture_output=True, text=True).stdout
    assert json.loads(out) == r.to_dict()


def test_overrides_are_run_time_parameters():
    slow = npusim.Npu("default", dram__bytes_per_cycle=4).gemm(256, 256, 256)
    fast = npusim.Npu("default", dram__bytes_per_cycle=64).gemm(256, 256, 256)
    assert slow.cycles > fast.cycles
    assert slow.mac_ops == fast.mac_ops


@pytest.mark.parametrize("m,n,k,schedule", [
    (128, 128, 128, {"tile_m": 64, "tile_n": 64, "tile_k": 64}),
    (100, 96, 80, {"tile_m": 32, "tile_n": 32, "tile_k": 32}),
    (37, 53, 71, {"tile_m": 16, "tile_n": 32, "tile_k": 16, "order": "nm", "double_buffer": False}),
    (1, 200, 300, None),
])
def test_gemm_host_bit_exact(m, n, k, schedule):
    a, w, bias, mult, shift = random_problem(m, n, k, seed=m * 1000 + n)
    out = npusim.gemm_host(a, w, bias, mult, shift, schedule=schedule)
    ref = reference_gemm(a, w, bias, mult, shift)
    assert out.dtype == np.int8 and out.shape == (m, n)
    np.testing.assert_array_equal(out, ref)
    assert np.mean((ref == 127) | (ref == -128)) < 0.5  # rounding is exercised, not just clamping


def test_errors_are_python_exceptions():
    with pytest.raises(npusim.ConfigError, match="unknown preset 'nope'"):
        npusim.Npu("nope")
    with pytest.raises(npusim.ConfigError, match="key 'mac.rows' = 0 is out of range"):
        npusim.Npu("default", mac__rows=0)
    with pytest.raises(npusim.ScheduleError, match="SRAM level 'l1' overflows"):
        npusim.Npu("default").gemm(1024, 1024, 1024, schedule={"tile_m": 1024, "tile_n": 1024, "tile_k": 512})
    with pytest.raises(npusim.ScheduleError, match="unknown gemm_w8a8 schedule knob 'tile_q'"):
        npusim.Npu("default").gemm(64, 64, 64, schedule={"tile_q": 4})
    with pytest.raises(npusim.ShapeError, match="GEMM m = 0"):
        npusim.Npu("default").gemm(0, 64, 64)
    a, w, bias, mult, shift = random_problem(4, 4, 8, seed=1)
    with pytest.raises(npusim.ShapeError, match="a must have dtype int8, got float64"):
        npusim.gemm_host(a.astype(np.float64), w, bias, mult, shift)
    with pytest.raises(npusim.ShapeError, match="w has 7 columns but a has 8"):
        npusim.gemm_host(a, w[:, :7], bias, mult, shift)
    with pytest.raises(npusim.ProgramError, match="deadlocked"):
        npusim.Npu("default").run_program("program p\ntoken t init=0\nwait t count=1\n")
    assert issubclass(npusim.ConfigError, npusim.UserError) and issubclass(npusim.UserError, ValueError)


def test_compile_gemm_program_text():
    text = npusim.compile_gemm(128, 128, 128, schedule={"tile_m": 64, "tile_n": 64, "tile_k": 64})
    assert "dma_in a" in text and "matmul m=64 n=64 k=64" in text and "dma_out requant" in text
    r = npusim.Npu("default").run_program(text)
    assert r.cycles == npusim.Npu("default").gemm(128, 128, 128, schedule={"tile_m": 64, "tile_n": 64,
                                                                            "tile_k": 64}).cycles


def test_quantize_multiplier():
    mult, shift = npusim.quantize_multiplier(0.0123)
    assert mult * 2.0 ** -shift == pytest.approx(0.0123, rel=1e-9)
    with pytest.raises(npusim.ShapeError):
        npusim.quantize_multiplier(-1.0)
