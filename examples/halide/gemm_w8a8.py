"""The W8A8 GEMM written in Python: the library's ``gemm_w8a8`` (kernels/gemm, schedules/gemm)
again with Halide's Python bindings, registered as ``py_gemm_w8a8``. It lowers to the same
program as the C++ kernel, so it simulates in the same cycles and computes the same bits
(tests/python/test_halide_kernels.py checks both).

    import npusim, gemm_w8a8
    npusim.Npu("default").kernel("py_gemm_w8a8", m=64, n=256, k=512, schedule="tile_m=64")
"""
from __future__ import annotations

from dataclasses import dataclass

import halide as hl

import npusim


@dataclass
class Gemm:
    """The algorithm's Funcs and inputs, which the schedule below arranges."""
    a: hl.ImageParam        # int8 activations a(k, m)
    w: hl.ImageParam        # int8 weights w(k, n), the PyTorch Linear layout
    qparams: hl.ImageParam  # int32 qparams(n, i): i = 0 bias, 1 fixed-point multiplier, 2 shift
    n: hl.Var
    m: hl.Var
    k: hl.RDom
    acc: hl.Func            # int32 sums over K
    result: hl.Func         # requantized to int8
    out: hl.Func            # a pure copy of result, so a schedule can stage the tile


def fixed_point_requantize(acc, bias, mult, shift):
    """sat_int8(((acc + bias) * mult + 2^(shift-1)) >> shift) in 64-bit: round half up, then
    saturate, as a fixed-point requantization unit does."""
    biased = hl.cast(hl.Int(64), acc + bias)
    s = hl.cast(hl.Int(64), shift)
    rounded = (biased * hl.cast(hl.Int(64), mult) + (hl.cast(hl.Int(64), 1) << (s - 1))) >> s
    return hl.cast(hl.Int(8), hl.clamp(rounded, -128, 127))


def gemm_w8a8(k_extent: int) -> Gemm:
    """out(n, m) = requant(sum_k a(k, m) * w(k, n)): int8 x int8 -> int32 -> int8."""
    a = hl.ImageParam(hl.Int(8), 2, "a")
    w = hl.ImageParam(hl.Int(8), 2, "w")
    qparams = hl.ImageParam(hl.Int(32), 2, "qparams")
    n, m = hl.Var("n"), hl.Var("m")
    k = hl.RDom([hl.Range(0, k_extent)], "k")
    acc, result, out = hl.Func("acc"), hl.Func("requant"), hl.Func("out")
    acc[n, m] = 0
    acc[n, m] += hl.cast(hl.Int(32), a[k.x, m]) * hl.cast(hl.Int(32), w[k.x, n])
    result[n, m] = fixed_point_requantize(acc[n, m], qparams[n, 0], qparams[n, 1], qparams[n, 2])
    out[n, m] = result[n, m]
    return Gemm(a, w, qparams, n, m, k, acc, result, out)


def schedule_gemm(g: Gemm, knobs: dict, m: int, n: int, k: int) -> None:
    """Output tiles of tile_m x tile_n, the accumulator tile in the accumulator SRAM for the whole
    K loop, operands staged by DMA per K step (double-buffered: the next step's loads run under
    this step's MatMuls) or as panels, the requantization table beside the result tile."""
    tm, tn, tk = min(knobs["tile_m"], m), min(knobs["tile_n"], n), min(knobs["tile_k"], k)
    mn = knobs["order"] == "mn"
    no, mo, ni, mi = hl.Var("no"), hl.Var("mo"), hl.Var("ni"), hl.Var("mi")
    ko, ki = hl.RVar("ko"), hl.RVar("ki")
    g.out.tile(g.n, g.m, no, mo, ni, mi, tn, tm)
    g.out.reorder(ni, mi, no, mo) if mn else g.out.reorder(ni, mi, mo, no)
    inner, outer = (no, mo) if mn else (mo, no)
    inner_extent, inner_tile = (n, tn) if mn else (m, tm)
    if knobs["parallel"]:
        g.out.parallel(outer)
    overlap = bool(knobs["overlap_out"])
    vtcm, acc_sram = hl.MemoryType.VTCM, hl.MemoryType.LockedCache

    g.result.compute_at(g.out, inner).store_in(vtcm)
    if overlap:
        if inner_extent % inner_tile:
            raise npusim.ScheduleError("overlap_out=1 needs the inner tile loop to divide evenly")
        # The result (with acc's K loop inside) runs one tile ahead in a producer thread.
        g.result.store_at(g.out, outer).fold_storage(g.result.args()[0 if mn else 1], 2 * inner_tile).async_()
        g.acc.compute_at(g.result, hl.Var.outermost()).store_in(acc_sram)
    else:
        g.acc.compute_at(g.out, inner).store_in(acc_sram)
    g.acc.update().split(g.k.x, ko, ki, tk).reorder(ki, g.n, g.m, ko)

    table = hl.Func(g.qparams).in_()
    if overlap:
        table.compute_at(g.result, hl.Var.outermost()).store_in(vtcm)
    else:
        table.compute_at(g.out, inner).store_in(vtcm)

    several_k_steps = k > tk

    def stage(source: hl.ImageParam, where: str, panel_is_inner: bool, panel_loop: hl.Var) -> None:
        f = hl.Func(source).in_()
        if where == "panel":
            if overlap and panel_is_inner:  # consumed in the result's producer thread: loaded there
                f.compute_at(g.result, hl.Var.outermost()).store_in(vtcm)
            else:
                f.compute_at(g.out, panel_loop).store_in(vtcm)
            return
        f.compute_at(g.acc, ko).store_in(vtcm)
        if knobs["double_buffer"] and several_k_steps:
            if overlap and panel_is_inner:  # the stream runs on from one output tile into the next
                f.store_at(g.out, outer).fold_storage(f.args()[0], 2 * tk).fold_storage(
                    f.args()[1], 2 * inner_tile).async_()
            else:
                f.store_at(g.out, inner).fold_storage(f.args()[0], 2 * tk).async_()
        elif (knobs["double_buffer"] and not several_k_steps and panel_is_inner
              and inner_extent % inner_tile == 0 and inner_extent > inner_tile):
            # One K step per tile: the next tile's operand loads during this tile's MatMuls.
            f.store_at(g.out, outer).fold_storage(f.args()[1], 2 * inner_tile).async_()

    stage(g.a, knobs["stage_a"], not mn, mo)
    stage(g.w, knobs["stage_b"], mn, no)


@npusim.halide_kernel(
    "py_gemm_w8a8",
    shape={"m": npusim.Dim(512, 1, 1 << 20, "rows of a and out (tokens)"),
           "n": npusim.Dim(512, 1, 1 << 20, "rows of w, columns of out (output channels)"),
           "k": npusim.Dim(512, 1, 65536, "reduction length")},
    knobs={"tile_m": npusim.Knob(512, [16, 32, 64, 128, 256, 512], "rows of a per tile"),
           "tile_n": npusim.Knob(128, [32, 64, 128, 256, 512], "rows of w per tile"),
           "tile_k": npusim.Knob(64, [32, 64, 128, 256, 512], "reduction step"),
           "order": npusim.Knob("mn", ["mn", "nm"], "mn: m tiles outer; nm: n tiles outer"),
           "stage_a": npusim.Knob("k", ["k", "panel"], "stage a per K step, or a tile_m x K panel"),
           "stage_b": npusim.Knob("k", ["k", "panel"], "stage w per K step, or a tile_n x K panel"),
           "double_buffer": npusim.Knob(1, [0, 1], "load the next K step while multiplying this one"),
           "overlap_out": npusim.Knob(0, [0, 1], "compute the next output tile while this one is copied out"),
           "parallel": npusim.Knob(0, [0, 1], "spread the outer tile loop over the NPU's cores")},
    summary="int8 x int8 -> int32, per-channel fixed-point requantization to int8 (gemm_w8a8 in Python)")
def py_gemm_w8a8(shape: dict, knobs: dict) -> npusim.KernelInstance:
    m, n, k = shape["m"], shape["n"], shape["k"]
    g = gemm_w8a8(k)
    schedule_gemm(g, knobs, m, n, k)
    return npusim.KernelInstance(inputs=[(g.a, (m, k)), (g.w, (n, k)), (g.qparams, (3, n))], output=(g.out, (m, n)))
