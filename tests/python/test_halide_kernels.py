"""Kernels written in Python with Halide's bindings (npusim.halide_kernel): the Python twins of
gemm_w8a8 and attention lower to the C++ kernels' programs (same cycles) and compute the same
bits; a new kernel lowers, simulates, runs on the host and tunes; a user's mistakes get errors
naming their Funcs and lines."""
import os
import re
import sys

import numpy as np
import pytest

import halide as hl  # Debian's python3-halide, which `make setup` installs and links into the venv
import npusim

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "halide"))
import attention  # noqa: E402,F401  (registers py_attention)
import gemm_w8a8  # noqa: E402,F401  (registers py_gemm_w8a8)

from conftest import requant_ref  # noqa: E402

VTCM = hl.MemoryType.VTCM
PRESETS = ["default", "hexagon_8gen3"]


def program_body(name, schedule, npu, **shape):
    """The program without its name line; Halide numbers its semaphores per process."""
    text = npusim.compile_kernel(name, schedule=schedule, npu=npu, **shape)
    return re.sub(r"folding_semaphore\._\d+", "folding_semaphore", text.split("\n", 1)[1])


GEMM_SCHEDULES = [
    "tile_m=64,tile_n=64,tile_k=128",
    "tile_m=32,tile_n=128,tile_k=64,order=nm,stage_a=panel",
    "tile_m=64,tile_n=64,tile_k=256,overlap_out=1",
    "tile_m=64,tile_n=64,tile_k=512,stage_b=panel,double_buffer=0",
]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("schedule", GEMM_SCHEDULES)
def test_python_gemm_lowers_to_the_cpp_program(preset, schedule):
    py = "order=mn,stage_a=k,stage_b=k,double_buffer=1,overlap_out=0,parallel=0," + schedule
    knobs = dict(kv.split("=") for kv in py.split(","))
    shape = dict(m=128, n=256, k=512)
    cpp = npusim.Npu(preset).kernel("gemm_w8a8", schedule=dict(knobs, native_w="0"), **shape)
    mine = npusim.Npu(preset).kernel("py_gemm_w8a8", schedule=knobs, **shape)
    assert program_body("py_gemm_w8a8", knobs, preset, **shape) == \
        program_body("gemm_w8a8", dict(knobs, native_w="0"), preset, **shape)
    assert mine.cycles == cpp.cycles
    assert mine.cycles >= mine.roofline_cycles


def test_python_gemm_computes_the_cpp_bits():
    rng = np.random.default_rng(3)
    m, n, k = 48, 96, 160  # ragged against the tiles
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    w = rng.integers(-128, 128, (n, k), dtype=np.int8)
    bias = rng.integers(-5000, 5000, n).astype(np.int32)
    mult, shift = npusim.requant_params(0.02, rng.uniform(0.001, 0.01, n), 0.5)
    qparams = np.stack([bias, mult, shift]).astype(np.int32)
    schedule = "tile_m=32,tile_n=64,tile_k=64"
    mine = npusim.kernel_host("py_gemm_w8a8", {"a": a, "w": w, "qparams": qparams}, schedule=schedule, m=m, n=n, k=k)
    cpp = npusim.kernel_host("gemm_w8a8", {"a": a, "w": w, "qparams": qparams}, schedule=schedule, m=m, n=n, k=k)
    ref = requant_ref(a.astype(np.int64) @ w.astype(np.int64).T, bias, mult, shift)
    np.testing.assert_array_equal(mine, ref)
    np.testing.assert_array_equal(mine, cpp)


ATTENTION_CASES = [
    (dict(t=1, ctx=512), ""),                                      # decode, whole KV heads, double-buffered
    (dict(t=1, ctx=300, cap=512), ""),                             # the context as a run-time parameter
    (dict(t=1, ctx=1024), "tile_kv=256,resident_scales=0"),         # the cache streamed in blocks
    (dict(t=64, ctx=64), "tile_q=16,group_rows=0,kv_heads=1"),      # prefill
]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("shape,schedule", ATTENTION_CASES)
def test_python_attention_lowers_to_the_cpp_program(preset, shape, schedule):
    npu = npusim.Npu(preset)
    knobs = dict(npu.kernel("attention", kv_bits=8, **shape).schedule)  # the C++ default for this preset
    knobs.update(dict(kv.split("=") for kv in schedule.split(",") if kv))
    cpp = npu.kernel("attention", kv_bits=8, schedule=knobs, **shape)
    mine = npu.kernel("py_attention", schedule=knobs, **shape)
    assert program_body("py_attention", knobs, preset, **shape) == \
        program_body("attention", knobs, preset, kv_bits=8, **shape)
    assert mine.cycles == cpp.cycles


def test_python_attention_computes_the_cpp_bits():
    rng = np.random.default_rng(5)
    t, ctx, h, hk, d = 1, 96, 8, 2, 32
    inputs = {"q": rng.standard_normal((t, h, d)).astype(np.float16),
              "k": rng.integers(-127, 128, (ctx, hk, d), dtype=np.int8),
              "k_scale": rng.uniform(0.005, 0.02, (ctx, hk)).astype(np.float16),
              "v": rng.integers(-127, 128, (ctx, hk, d), dtype=np.int8),
              "v_scale": rng.uniform(0.005, 0.02, (ctx, hk)).astype(np.float16)}
    shape = dict(t=t, ctx=ctx, h=h, hk=hk, d=d)
    schedule = "tile_kv=32,kv_heads=1"
    mine = npusim.kernel_host("py_attention", inputs, schedule=schedule, **shape)
    cpp = npusim.kernel_host("attention", inputs, schedule=schedule, kv_bits=8, **shape)
    assert mine.tobytes() == cpp.tobytes()
    # And it is attention: against float64 on the dequantized cache, within fp16 roundings.
    kd = inputs["k"].astype(np.float64) * inputs["k_scale"][..., None]
    vd = inputs["v"].astype(np.float64) * inputs["v_scale"][..., None]
    q = inputs["q"].astype(np.float64)
    for head in range(h):
        s = kd[:, head // (h // hk)] @ q[0, head] / np.sqrt(d)
        p = np.exp(s - s.max())
        ref = (p / p.sum()) @ vd[:, head // (h // hk)]
        np.testing.assert_allclose(mine[0, head].astype(np.float64), ref, rtol=0, atol=4e-3 * np.abs(ref).max())


def define_rms_quant(name="t_rms_quant", lines=None):
    """RMSNorm then static int8 quantization, a kernel the library does not have."""
    @npusim.halide_kernel(name, shape={"rows": 64, "d": 256},
                          knobs={"tile": npusim.Knob(8, [1, 4, 8, 16, 32], "rows per tile")},
                          summary="int8(round(x / rms(x) * g / scale))")
    def build(shape, knobs):
        x = hl.ImageParam(hl.Float(16), 2, "x")
        g = hl.ImageParam(hl.Float(16), 1, "g")
        d, r, ro, ri = hl.Var("d"), hl.Var("r"), hl.Var("ro"), hl.Var("ri")
        rd = hl.RDom([hl.Range(0, shape["d"])], "rd")
        ss, inv, q, out = hl.Func("ss"), hl.Func("inv"), hl.Func("q"), hl.Func("out")
        xf = hl.cast(hl.Float(32), x[rd.x, r])
        ss[r] = hl.f32(0)
        ss[r] += xf * xf
        inv[r] = hl.f32(1) / hl.sqrt(ss[r] / hl.f32(shape["d"]) + hl.f32(1e-5))
        y = hl.cast(hl.Float(32), x[d, r]) * inv[r] * hl.cast(hl.Float(32), g[d]) * hl.f32(1 / 0.05)
        q[d, r] = hl.cast(hl.Int(8), hl.clamp(hl.round(y), hl.f32(-128), hl.f32(127)))
        out[d, r] = q[d, r]
        out.split(r, ro, ri, knobs["tile"])
        hl.Func(x).in_().compute_at(out, ro).store_in(VTCM)
        hl.Func(g).in_().compute_root().store_in(VTCM)
        for f in (ss, inv, q):
            f.compute_at(out, ro).store_in(VTCM)
        return npusim.KernelInstance(inputs=[(x, (shape["rows"], shape["d"])), (g, (shape["d"],))],
                                     output=(out, (shape["rows"], shape["d"])))
    return build


def test_a_new_kernel_lowers_simulates_runs_on_the_host_and_tunes():
    k = define_rms_quant()
    assert "t_rms_quant" in [d["name"] for d in npusim.kernels()]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 256)).astype(np.float16)
    g = rng.uniform(0.5, 1.5, 256).astype(np.float16)
    out = k.host({"x": x, "g": g})
    xf = x.astype(np.float32)
    inv = np.float32(1) / np.sqrt((xf * xf).sum(axis=1, dtype=np.float32) / np.float32(256) + np.float32(1e-5))
    ref = np.clip(np.round(xf * inv[:, None] * g.astype(np.float32) * np.float32(20)), -128, 127)
    assert np.abs(out.astype(np.int32) - ref).max() <= 1  # fp32 sums in another order
    assert (out == ref).mean() > 0.99
    for preset in PRESETS:
        r = npusim.Npu(preset).kernel("t_rms_quant", schedule={"tile": 16}, trace=True)
        assert r.schedule == {"tile": "16"}
        assert r.cycles >= r.roofline_cycles > 0
        assert r.trace["traceEvents"]
    assert "dma_in x" in k.program(rows=16)
    tuned = k.tune(budget=5, cache=False, rows=256)
    assert tuned.best["ok"] and tuned.best["cycles"] <= tuned.default["cycles"]


def test_defining_a_kernel_again_replaces_it_and_its_cached_program():
    def define(square):
        @npusim.halide_kernel("t_redefined", shape={"n": 4096})
        def build(shape, knobs):
            x = hl.ImageParam(hl.Float(16), 1, "x")
            i = hl.Var("i")
            y, out = hl.Func("y"), hl.Func("out")
            y[i] = x[i] * x[i] if square else x[i]  # the edit: one more vector op
            out[i] = y[i]
            hl.Func(x).in_().compute_root().store_in(VTCM)
            y.compute_root().store_in(VTCM)
            return npusim.KernelInstance(inputs=[(x, (shape["n"],))], output=(out, (shape["n"],)))
        return build
    assert "vector mul" not in define(False).program()
    assert "vector mul" in define(True).program()  # same name, shape and knobs: only the revision differs
    assert npusim.kernel_host("t_redefined", {"x": np.full(4096, 3, np.float16)})[0] == 9


def test_a_builtin_name_is_refused():
    with pytest.raises(npusim.ScheduleError, match="'attention' is taken by a built-in kernel"):
        define_rms_quant("attention")


def staged_kernel(name, schedule, x_shape=lambda shape: (shape["rows"], shape["d"])):
    """A one-input kernel whose schedule is `schedule(x, y, out, vars)` and whose input x is
    declared with `x_shape(shape)`."""
    @npusim.halide_kernel(name, shape={"rows": 64, "d": 256})
    def build(shape, knobs):
        x = hl.ImageParam(hl.Float(16), 2, "x")
        d, r, ro, ri = hl.Var("d"), hl.Var("r"), hl.Var("ro"), hl.Var("ri")
        y = hl.Func("y")
        out = hl.Func("out")
        y[d, r] = x[d, r] * hl.cast(hl.Float(16), 2)
        out[d, r] = y[d, r]
        schedule(x, y, out, d, r, ro, ri)
        return npusim.KernelInstance(inputs=[(x, x_shape(shape))], output=(out, (shape["rows"], shape["d"])))
    return build


def line_of(text):
    """The line of this file holding `text` (what an error should point at)."""
    with open(__file__) as f:
        return next(i for i, line in enumerate(f, 1) if text in line)


def test_an_operand_left_in_dram_names_the_func_and_its_line():
    def schedule(x, y, out, d, r, ro, ri):
        out.split(r, ro, ri, 8)
        y.compute_at(out, ro).store_in(VTCM)  # x is never staged
    k = staged_kernel("t_dram_operand", schedule)
    with pytest.raises(npusim.ScheduleError) as e:
        k.simulate()
    msg = str(e.value)
    assert "Func y reads 'x' from DRAM" in msg
    assert "Stage it, e.g. hl.Func(x).in_().compute_at(...).store_in(hl.MemoryType.VTCM)" in msg  # in Python
    x_line, y_line = line_of('x = hl.ImageParam(hl.Float(16), 2, "x")'), line_of('y = hl.Func("y")')
    assert f"x defined at test_halide_kernels.py:{x_line}" in msg
    assert f"y defined at test_halide_kernels.py:{y_line}" in msg


def test_an_unsupported_op_names_the_func():
    @npusim.halide_kernel("t_atan", shape={"n": 256})
    def build(shape, knobs):
        x = hl.ImageParam(hl.Float(32), 1, "x")
        i = hl.Var("i")
        angle, out = hl.Func("angle"), hl.Func("out")
        angle[i] = hl.atan2(x[i], hl.f32(1))
        out[i] = angle[i]
        hl.Func(x).in_().compute_root().store_in(VTCM)
        angle.compute_root().store_in(VTCM)
        return npusim.KernelInstance(inputs=[(x, (shape["n"],))], output=(out, (shape["n"],)))
    with pytest.raises(npusim.ScheduleError) as e:
        build.simulate()
    assert "Func angle: the call 'atan2_f32' is not an operation of the NPU's vector unit" in str(e.value)
    assert f"angle defined at test_halide_kernels.py:{line_of('angle, out = hl.Func(')}" in str(e.value)


def test_a_func_computed_inside_a_vectorized_loop_is_refused():
    def schedule(x, y, out, d, r, ro, ri):
        out.split(r, ro, ri, 8).vectorize(ro, 8)
        hl.Func(x).in_().compute_root().store_in(VTCM)
        y.compute_at(out, ri).store_in(VTCM)  # inside the vectorized ro
    with pytest.raises(npusim.ScheduleError, match=r"Func y is stored 8 lanes at a time \(a vectorize\(\)"):
        staged_kernel("t_vector_loop", schedule).simulate()


def test_a_mismatched_input_names_the_imageparam():
    def schedule(x, y, out, d, r, ro, ri):
        out.split(r, ro, ri, 8)
        hl.Func(x).in_().compute_at(out, ro).store_in(VTCM)
        y.compute_at(out, ro).store_in(VTCM)
    k = staged_kernel("t_inputs", schedule)
    with pytest.raises(npusim.ShapeError, match="t_inputs input x must be float16, got int8") as e:
        k.host({"x": np.zeros((64, 256), np.int8)})
    assert "x defined at test_halide_kernels.py:" in str(e.value)
    with pytest.raises(npusim.ShapeError, match=r"t_inputs input x must have shape \[64, 256\], got \[64, 255\]"):
        k.host({"x": np.zeros((64, 255), np.float16)})
    with pytest.raises(npusim.ShapeError, match=r"t_inputs input x: arrays must be .*, got float64"):
        k.host({"x": [[0.0] * 256] * 64})

    @npusim.halide_kernel("t_dims", shape={"n": 8})
    def build(shape, knobs):
        x = hl.ImageParam(hl.Float(16), 2, "x")
        out = hl.Func("out")
        out[hl.Var("i")] = x[0, 0]
        return npusim.KernelInstance(inputs=[(x, (shape["n"],))], output=(out, (shape["n"],)))
    with pytest.raises(npusim.ShapeError, match=r"input x is a 2-D ImageParam but its shape \[8\] has 1 dimensions"):
        build.simulate()


def test_a_schedule_overflowing_sram_names_the_funcs():
    def schedule(x, y, out, d, r, ro, ri):
        hl.Func(x).in_().compute_root().store_in(VTCM)
        y.compute_root().store_in(VTCM)
    k = staged_kernel("t_overflow", schedule)
    with pytest.raises(npusim.ScheduleError) as e:
        k.simulate(rows=4096, d=1024)
    assert "SRAM level 'l1' overflows" in str(e.value) and "Func x_in 8388608 B, Func y 8388608 B" in str(e.value)
    assert "x defined at" in str(e.value) and "y defined at" in str(e.value)


def test_an_error_in_the_users_code_says_where():
    @npusim.halide_kernel("t_typo", shape={"n": 8})
    def build(shape, knobs):
        return hl.Funk("out")  # noqa: the typo under test
    with pytest.raises(npusim.ScheduleError,
                       match=rf"kernel t_typo: AttributeError: .*Funk.* \(at test_halide_kernels.py:"
                             rf"{line_of('hl.Funk(')} in build\)"):
        build.simulate()


def test_the_docs_example_runs_as_written():
    doc = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "adding-a-kernel.md")
    with open(doc) as f:
        block = f.read().split("## Writing a kernel in Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    scope = {}
    exec(compile(block, doc, "exec"), scope)
    assert scope["r"].cycles >= scope["r"].roofline_cycles > 0


def test_a_sweep_ships_the_kernel_to_its_worker_processes():
    k = define_rms_quant("t_swept")
    df = npusim.sweep({"tile": [4, 16]}, lambda tile: k.simulate(rows=64, schedule={"tile": tile}), max_workers=2,
                      progress=False)
    assert list(df["error"]) == [None, None]
    assert list(df["cycles"]) == [k.simulate(rows=64, schedule={"tile": t}).cycles for t in (4, 16)]


def test_a_shape_that_does_not_fit_the_algorithm_is_refused():
    def schedule(x, y, out, d, r, ro, ri):
        out.split(r, ro, ri, 8)
        hl.Func(x).in_().compute_at(out, ro).store_in(VTCM)
        y.compute_at(out, ro).store_in(VTCM)

    # [d, rows]: as many elements as the right [rows, d], but rows too short for what y reads
    build = staged_kernel("t_swapped", schedule, x_shape=lambda shape: (shape["d"], shape["rows"]))
    with pytest.raises(npusim.ShapeError, match=r"accesses 'x' at \[0, 255\] of its dimension 0 \(innermost first\), "
                                                r"outside its extent \[0, 63\]"):
        build.simulate()
    # A tile of 8 rows over 7: Halide shifts the last tile to start at row -1.
    with pytest.raises(npusim.ShapeError, match=r"accesses 'out' at \[-1, 6\] of its dimension 1"):
        staged_kernel("t_big_tile", schedule).simulate(rows=7)


def test_an_inline_reduction_is_explained():
    @npusim.halide_kernel("t_inline_max", shape={"n": 64})
    def build(shape, knobs):
        x = hl.ImageParam(hl.Float(32), 2, "x")
        i = hl.Var("i")
        r = hl.RDom([hl.Range(0, 16)], "r")
        out = hl.Func("out")
        out[i] = hl.maximum(x[r.x, i])
        hl.Func(x).in_().compute_root().store_in(VTCM)
        return npusim.KernelInstance(inputs=[(x, (shape["n"], 16))], output=(out, (shape["n"],)))
    with pytest.raises(npusim.ScheduleError, match="'maximum' is the Func an inline reduction"):
        build.simulate()
