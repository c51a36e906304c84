"""gemm_w8a8_group: per-group integer MatMuls summed in fp32, bit-exact against float32 on the host,
and simulated as one MatMul per group."""
import numpy as np
import pytest

import npusim

RNG = np.random.default_rng(11)


def reference(a, w, scale, group):
    # One int32 MatMul per group, dequantized and summed in float32 in group order.
    acc = np.zeros((a.shape[0], w.shape[0]), np.float32)
    for g in range(a.shape[1] // group):
        ks = slice(g * group, (g + 1) * group)
        sums = a[:, ks].astype(np.int32) @ w[:, ks].astype(np.int32).T
        acc = acc + sums.astype(np.float32) * scale[:, g][None, :]
    return acc.astype(np.float16)


@pytest.mark.parametrize("m,n,k,group,schedule", [
    (5, 24, 64, 16, None),                                # tiles larger than the shape
    (40, 72, 96, 32, {"tile_m": 16, "tile_n": 32}),       # tails shifted inwards
    (3, 8, 128, 128, {"double_buffer": 0}),               # one group: per channel
])
def test_matches_float32_bit_for_bit(m, n, k, group, schedule):
    a = RNG.integers(-127, 128, size=(m, k), dtype=np.int8)
    w = RNG.integers(-127, 128, size=(n, k), dtype=np.int8)
    scale = RNG.uniform(1e-5, 1e-3, size=(n, k // group)).astype(np.float32)
    got = npusim.kernel_host("gemm_w8a8_group", {"a": a, "w": w, "scale": scale}, schedule=schedule,
                             m=m, n=n, k=k, group=group)
    np.testing.assert_array_equal(got.view(np.int16), reference(a, w, scale, group).view(np.int16))


def test_one_matmul_per_group_and_tile():
    m, n, k = 64, 256, 512
    npu = npusim.Npu("hexagon_8gen3")
    runs = {g: npu.kernel("gemm_w8a8_group", m=m, n=n, k=k, group=g, schedule={"tile_m": 64, "tile_n": 128})
            for g in (32, 128)}
    for g, r in runs.items():
        text = npusim.compile_kernel("gemm_w8a8_group", m=m, n=n, k=k, group=g, schedule={"tile_m": 64, "tile_n": 128})
        assert f"matmul m=64 n=128 k={g} " in text
        assert r.mac_ops_by_type == {"int8": m * n * k}
        assert r.cycles >= r.kernel_roofline_cycles
        # Every group's sums are scaled and added on the vector unit: (k / group) passes per tile.
        assert r.vector_ops >= m * n * (k // g)
    # Shorter groups: more, shorter MatMuls on the 128-row array and more vector passes.
    assert runs[32].cycles > runs[128].cycles


def test_group_must_divide_k():
    with pytest.raises(npusim.ShapeError, match="gemm_w8a8_group shape group = 48 must divide k = 512"):
        npusim.Npu().kernel("gemm_w8a8_group", k=512, group=48)
