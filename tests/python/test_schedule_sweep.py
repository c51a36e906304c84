"""Random shapes and schedules (fixed seed): every one lowers, simulates at or above its roofline,
does at least m*n*k MACs, and runs bit-exact on the host."""
import random

import numpy as np

import npusim

from test_npusim import reference_gemm


def test_random_schedules_hold_the_invariants():
    rnd = random.Random(2026)
    npu = npusim.Npu("default")
    for i in range(60):
        m = rnd.choice([1, 3, 16, 33, 64, 100, 257])
        n = rnd.choice([1, 5, 32, 96, 130])
        k = rnd.choice([1, 16, 31, 80, 200])
        s = {"tile_m": rnd.choice([1, 7, 32, 64, 300]), "tile_n": rnd.choice([1, 3, 16, 64, 200]),
             "tile_k": rnd.choice([1, 5, 16, 64, 128]), "order": rnd.choice(["mn", "nm"]),
             "stage_a": rnd.choice(["k", "panel"]), "stage_b": rnd.choice(["k", "panel"]),
             "double_buffer": rnd.choice([0, 1])}
        r = npu.gemm(m, n, k, schedule=s)
        assert r.cycles >= r.roofline_cycles, (m, n, k, s)
        assert r.mac_ops >= m * n * k, (m, n, k, s)
        assert r.dram_bytes_written >= m * n, (m, n, k, s)
        if i % 6 == 0:
            rng = np.random.default_rng(i)
            a = rng.integers(-128, 128, (m, k), dtype=np.int8)
            w = rng.integers(-128, 128, (n, k), dtype=np.int8)
            bias = rng.integers(-100, 100, n, dtype=np.int32)
            mult, shift = npusim.requant_params(0.05, np.full(n, 0.01), 1.0)
            np.testing.assert_array_equal(npusim.gemm_host(a, w, bias, mult, shift, schedule=s),
                                          reference_gemm(a, w, bias, mult, shift), err_msg=str((m, n, k, s)))
