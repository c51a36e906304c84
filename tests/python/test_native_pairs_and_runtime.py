"""Native mixed-precision pairs (the MAC array takes int4 / int8 weights against wider
activations), 16-bit integer activations, and the vendor runtime priced around NPU programs."""
import json
import os
import subprocess

import numpy as np
import pytest

import npusim

RNG = np.random.default_rng(5)
M, N, K = 12, 48, 256
NPUSIM = os.environ.get("NPUSIM_BIN", "build/bin/npusim")


def pack_int4(q):
    lo = q[:, 0::2].astype(np.int16) & 0xF
    hi = q[:, 1::2].astype(np.int16) & 0xF
    return ((hi << 4) | lo).astype(np.uint8).view(np.int8)


@pytest.mark.parametrize("w_bits", [8, 4])
def test_int16_activations_are_bit_exact(w_bits):
    a = (RNG.standard_normal((M, K)) * 4).astype(np.float16)
    lim = 8 if w_bits == 4 else 128
    w = RNG.integers(-lim + 1, lim, size=(N, K), dtype=np.int8)
    a_inv = np.array([1 / 3e-4], dtype=np.float32)  # int16 steps of 3e-4: |a| up to ~10 fits
    out_scale = RNG.uniform(1e-6, 1e-5, size=N).astype(np.float32)
    name, stored = ("gemm_w4a16i", "w4") if w_bits == 4 else ("gemm_w8a16i", "w")
    got = npusim.kernel_host(name, {"a": a, stored: pack_int4(w) if w_bits == 4 else w, "a_inv": a_inv,
                                    "out_scale": out_scale}, npu="hexagon_8gen3", m=M, n=N, k=K)
    a_q = np.clip(np.round(a.astype(np.float32) * a_inv[0]), -32767, 32767).astype(np.int64)
    acc = a_q @ w.astype(np.int64).T
    want = (acc.astype(np.float64) * out_scale.astype(np.float64)[None, :]).astype(np.float32).astype(np.float16)
    np.testing.assert_array_equal(got.view(np.int16), want.view(np.int16))


@pytest.mark.parametrize("kernel,shape,inputs", [
    ("gemm_w4a8", {}, lambda: {"a": RNG.integers(-128, 128, size=(M, K), dtype=np.int8),
                               "w4": pack_int4(RNG.integers(-8, 8, size=(N, K), dtype=np.int8)),
                               "qparams": np.stack([np.zeros(N), np.full(N, 1 << 30), np.full(N, 40)]).astype(np.int32)}),
    ("gemm_w4a16", {"group": K}, lambda: {"a": RNG.standard_normal((M, K)).astype(np.float16),
                                          "w4": pack_int4(RNG.integers(-8, 8, size=(N, K), dtype=np.int8)),
                                          "scales": RNG.uniform(0.001, 0.02, size=(N, 1)).astype(np.float16)}),
])
def test_native_path_gives_the_same_bits_and_an_int4_operand(kernel, shape, inputs):
    x = inputs()
    native = npusim.kernel_host(kernel, x, schedule={"native_w": 1}, m=M, n=N, k=K, **shape)
    vector = npusim.kernel_host(kernel, x, schedule={"native_w": 0}, m=M, n=N, k=K, **shape)
    np.testing.assert_array_equal(native.view(np.uint8), vector.view(np.uint8))
    text = npusim.compile_kernel(kernel, schedule={"native_w": 1}, npu="rk3588", m=M, n=N, k=K, **shape)
    assert ":int4 acc=" in text and "unpacked" not in text and "w_f16" not in text


def test_per_channel_weight_only_scales_the_sum():
    a = RNG.standard_normal((M, K)).astype(np.float16)
    q = RNG.integers(-8, 8, size=(N, K), dtype=np.int8)
    s = RNG.uniform(0.001, 0.02, size=(N, 1)).astype(np.float16)
    got = npusim.kernel_host("gemm_w4a16", {"a": a, "w4": pack_int4(q), "scales": s}, m=M, n=N, k=K, group=K)
    exact = a.astype(np.float64) @ q.astype(np.float64).T * s.astype(np.float64).T
    magnitude = np.abs(a.astype(np.float64)) @ np.abs(q.astype(np.float64)).T * s.astype(np.float64).T
    # fp32 sums of K exact products, one fp32 scaling, one rounding to fp16.
    assert np.all(np.abs(got.astype(np.float64) - exact) <= 2.0**-11 * np.abs(exact) + (K + 2) * 2.0**-23 * magnitude)


def test_native_pair_runs_at_its_rate_and_its_energy():
    npu = npusim.Npu("hexagon_8gen3")
    native = npu.kernel("gemm_w4a8", schedule={"native_w": 1}, m=1, n=2048, k=2048)
    vector = npu.kernel("gemm_w4a8", schedule={"native_w": 0}, m=1, n=2048, k=2048)
    assert native.mac_ops_by_type == {"a8w4": 2048 * 2048} and vector.mac_ops_by_type == {"int8": 2048 * 2048}
    assert native.cycles < vector.cycles and native.vector_ops < vector.vector_ops
    # a8w4 MACs are priced as int8 MACs.
    assert native.energy_j_by_component["mac"] == pytest.approx(2048 * 2048 * npu.param("energy.mac_int8_pj") * 1e-12)
    # Half the weight bytes of int8: decode reaches most of its kernel roofline.
    assert native.roofline_fraction > 0.8
    # The rate parameter is what the array runs at: halving it slows a compute-bound tile.
    big = dict(m=512, n=512, k=2048)
    fast = npu.kernel("gemm_w4a8", schedule={"native_w": 1, "stage_a": "panel", "stage_b": "panel"}, **big)
    slow = npusim.Npu("hexagon_8gen3", mac__a8w4_per_pe_cycle=0.25).kernel(
        "gemm_w4a8", schedule={"native_w": 1, "stage_a": "panel", "stage_b": "panel"}, **big)
    mac = lambda r: sum(e["busy_cycles"] for e in r.engines if e["name"].endswith("mac"))  # noqa: E731
    assert mac(slow) > 3 * mac(fast)


def test_a_pair_the_preset_lacks_is_an_error():
    with pytest.raises(npusim.ProgramError, match=r"no native int8 x int4 matrix path \(mac.a8w4_per_pe_cycle is 0\)"):
        npusim.Npu("intel_mtl_npu").kernel("gemm_w4a8", schedule={"native_w": 1}, m=1, n=64, k=64)
    with pytest.raises(npusim.ScheduleError, match="runs on no matrix path"):
        npusim.Npu("rk3588").kernel("gemm_w4a16i", m=1, n=64, k=64)
    with pytest.raises(npusim.ScheduleError, match="with group = 32 dequantizes each weight"):
        npusim.Npu("rk3588").kernel("gemm_w4a16", schedule={"native_w": 1}, m=1, n=64, k=64, group=32)
    with pytest.raises(npusim.ScheduleError, match="runs on no matrix path"):
        npusim.Npu("rk3588").model("qwen2.5-0.5b", quant="w4a16i", prefill=8, decode=1)


def test_single_op_graph_adds_the_runtime():
    npu = npusim.Npu("hexagon_8gen3", runtime__graph_execute_us=300, runtime__op_dispatch_us=7)
    r = npu.kernel("gemm_w8a8", m=64, n=512, k=512)
    assert r.runtime_s == pytest.approx(307e-6)
    assert r.single_op_graph_s == pytest.approx(r.seconds + 307e-6)
    bare = npusim.Npu("hexagon_8gen3", runtime__graph_execute_us=0, runtime__op_dispatch_us=0)
    assert bare.kernel("gemm_w8a8", m=64, n=512, k=512).cycles == r.cycles  # the NPU's time is the same


def model(*args):
    p = subprocess.run([NPUSIM, "model", "--quiet", "--json", "--model", "qwen2.5-0.5b", "--quant", "w8a8",
                        "--prefill", "32", "--decode", "2", *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_model_runtime_is_priced_per_graph_and_op():
    sets = ["--preset", "rk3588", "--set", "runtime.graph_execute_us=500", "--set", "runtime.op_dispatch_us=3",
            "--set", "runtime.graph_max_ms=0"]
    g = model(*sets, "--set", "runtime.deployment=graph")
    o = model(*sets, "--set", "runtime.deployment=op")
    step_ops = sum(op["count"] for op in g["decode_ops_last_step"])
    assert g["decode_graphs_last"] == 1 and o["decode_graphs_last"] == step_ops
    assert g["decode_runtime_s_last"] == pytest.approx(500e-6 + 3e-6 * step_ops)
    assert o["decode_runtime_s_last"] == pytest.approx((500e-6 + 3e-6) * step_ops)
    # The runtime is its own line of the per-layer table, and the NPU's time is unchanged.
    rows = {row["name"]: row for row in g["layers"]}
    assert rows["runtime"]["decode_s"] == pytest.approx(g["decode_runtime_s_last"])
    npu_only = model("--preset", "rk3588", "--set", "runtime.graph_execute_us=0", "--set", "runtime.op_dispatch_us=0")
    assert g["ttft_s"] == pytest.approx(npu_only["ttft_s"] + g["prefill_runtime_s"])
    # A graph longer than graph_max_ms is split, each part paying its execution.
    split = model("--preset", "rk3588", "--set", "runtime.graph_max_ms=1", "--set", "runtime.op_dispatch_us=0")
    npu_ms = (split["ttft_s"] - split["prefill_runtime_s"]) * 1e3
    assert split["prefill_graphs"] == int(np.ceil(npu_ms / 1.0))


def test_graph_hides_each_ops_fill_while_the_bus_is_idle():
    g = model("--preset", "hexagon_8gen3")
    o = model("--preset", "hexagon_8gen3", "--set", "runtime.deployment=op")
    assert o["decode_overlap_s_last"] == 0 and g["decode_overlap_s_last"] > 0
    # Independently: the decode step's ops in run order (embedding, the layer block once per
    # layer, the head), each boundary hiding the next op's fill up to the time the DRAM bus is idle
    # during the previous op.
    npu = npusim.Npu("hexagon_8gen3")
    clock = npu.param("clock_mhz") * 1e6
    runs = []
    for op in g["decode_ops_last_step"]:
        k = npu.kernel(op["kernel"], **{a: int(b) for a, b in (kv.split("=") for kv in op["shape"].split(","))})
        bus = sum(e["busy_cycles"] for e in k.engines if e["name"] == "dram") / clock
        runs.append((op["name"], k.fill_cycles / clock, k.seconds - bus))
    layer = [r for r in runs if r[0].startswith("layer.")]
    layers = next(op["count"] for op in g["decode_ops_last_step"] if op["name"].startswith("layer."))
    order = [r for r in runs if r[0] == "embedding"] + layer * layers + \
        [r for r in runs if not r[0].startswith("layer.") and r[0] != "embedding"]
    want = sum(min(b[1], max(0.0, a[2])) for a, b in zip(order, order[1:]))
    assert g["decode_overlap_s_last"] == pytest.approx(want, rel=1e-6)
    # The NPU's own time of every op is the same either way.
    assert [x["seconds"] for x in g["decode_ops_last_step"]] == [x["seconds"] for x in o["decode_ops_last_step"]]


def test_energy_per_token_is_split_by_phase():
    r = model("--preset", "hexagon_8gen3")
    prefill, decode = r["prefill_tokens"], r["decode_tokens"]
    assert r["prefill_energy_per_token_j"] * prefill + r["decode_energy_per_token_j"] * decode == \
        pytest.approx(r["energy_j"])
    assert r["energy_per_token_j"] == pytest.approx(r["energy_j"] / (prefill + decode))
    # A generated token reads every weight; a prompt token shares them with the prompt.
    assert r["decode_energy_per_token_j"] > r["prefill_energy_per_token_j"]


def test_runtime_parameters_out_of_range_are_errors():
    with pytest.raises(npusim.ConfigError, match=r"runtime.graph_execute_us' = -1 is out of range \[0, 1000000\] us"):
        npusim.Npu("default", runtime__graph_execute_us=-1)
    with pytest.raises(npusim.ConfigError, match="runtime.deployment' = 'layer' is not one of graph|op"):
        npusim.Npu("default", runtime__deployment="layer")
