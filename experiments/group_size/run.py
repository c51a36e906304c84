"""Group size against tile size: W4A16 GEMMs (int4 weights dequantized to fp16 per group of K
elements, fp16 MACs) with groups of 32, 64, 128 and 256 elements and per channel, on three NPU
classes, at a decode shape (1 x 4096 x 4096) and a prefill shape (256 x 2048 x 2048); then, on the
default preset, every group size against every K tile (tile_k), the unit a schedule streams; then
W8A8 with per-group scales run as one integer MatMul per group (gemm_w8a8_group), the mechanism the
claim describes, against the native per-channel W8A8 GEMM."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

exp = common.Experiment(__file__, __doc__)
presets = ["default"] if exp.quick else ["default", "hexagon_8gen3", "intel_mtl_npu"]
shapes = [("decode", dict(m=1, n=4096, k=4096))] if exp.quick else [
    ("decode", dict(m=1, n=4096, k=4096)), ("prefill", dict(m=256, n=2048, k=2048))]
groups = [32, 128] if exp.quick else [32, 64, 128, 256]

rows = []
for preset in presets:
    npu = npusim.Npu(preset)
    for label, shape in shapes:
        per_channel = npu.kernel("gemm_w4a16", group=shape["k"], **shape)
        for g in groups:
            r = npu.kernel("gemm_w4a16", group=g, **shape)
            rows.append([preset, f"{npu.params['mac.rows']}x{npu.params['mac.cols']}", label, g,
                         int(r.schedule["tile_k"]), r.cycles, common.ratio(r.cycles, per_channel.cycles),
                         r.dram_bytes_read - per_channel.dram_bytes_read])
        rows.append([preset, "", label, "per channel", int(per_channel.schedule["tile_k"]), per_channel.cycles, 1.0, 0])
        exp.progress(f"{preset} {label}")
exp.table("Cycles by group size with each preset's default schedule",
          ["preset", "MAC array", "shape", "group", "tile_k", "cycles", "vs per channel", "extra scale bytes read"],
          rows)

tiles = [64, 128] if exp.quick else [32, 64, 128, 256]
npu = npusim.Npu("default")
shape = dict(m=1, n=4096, k=4096)


def cycles(g, t):
    try:
        return npu.kernel("gemm_w4a16", schedule={"tile_k": t}, group=g, **shape).cycles
    except npusim.ScheduleError:  # the tiles overflow SRAM: left blank
        return None


grid = {(g, t): cycles(g, t) for g in groups for t in tiles}
exp.table("default preset, 1 x 4096 x 4096: cycles by group (rows) and tile_k (columns)",
          ["group"] + [f"tile_k {t}" for t in tiles], [[g] + [grid[(g, t)] for t in tiles] for g in groups],
          "In npusim the weights are dequantized on the vector unit before fp16 MACs, so a group's scale "
          "costs the same vector work at any size; what changes is the scale traffic and whether a scale "
          "tile can be staged with its weight tile. A group longer than the K step straddles steps: its "
          "scale tile cannot be double-buffered with the weights, and the weight stream stalls. "
          "A blank cell: those tiles do not fit the preset's SRAM.")
# The claim's mechanism: an integer MAC array without per-group accumulation runs a per-group
# GEMM as one MatMul per group (K = group) and rescales and sums the partial sums on the vector
# unit (gemm_w8a8_group), against the array's native per-channel GEMM (gemm_w8a8).
mech_rows = []
for preset in presets:
    npu = npusim.Npu(preset)
    for label, shape in shapes:
        native = npu.kernel("gemm_w8a8", **shape)
        one = npu.kernel("gemm_w8a8_group", group=shape["k"], **shape)  # the same kernel, one group
        for g in groups + [shape["k"]]:
            r = one if g == shape["k"] else npu.kernel("gemm_w8a8_group", group=g, **shape)
            mech_rows.append([preset, f"{npu.params['mac.rows']}x{npu.params['mac.cols']}", label,
                              "per channel (one group)" if g == shape["k"] else g, r.cycles,
                              r.cycles / one.cycles, r.cycles / native.cycles, r.mac_utilisation])
        exp.progress(f"{preset} {label}: per-group W8A8")
exp.table("W8A8 with a scale per group, one integer MatMul per group (gemm_w8a8_group) against the native "
          "per-channel GEMM (gemm_w8a8)",
          ["preset", "MAC array", "shape", "group", "cycles", "vs one group", "vs gemm_w8a8", "MAC utilisation"],
          mech_rows,
          "Each group is its own MatMul of K = group on the array, and its int32 sums are dequantized and "
          "added in fp32 on the vector unit: a group shorter than the array's rows leaves rows idle, and "
          "the vector work grows with the number of groups. 'vs one group' compares the same kernel (a single "
          "group has no next group to load behind it, so it also loses the DMA/compute overlap); "
          "'vs gemm_w8a8' also carries the difference between the two kernels' schedules (gemm_w8a8's "
          "defaults are tuned per preset, gemm_w8a8_group's are not).")

w4 = [r[6] for r in rows if r[3] != "per channel"]
by_group = {g: [r[5] for r in mech_rows if r[3] == g and r[0] == "hexagon_8gen3"] for g in (32, 128)}
result = (f"W4A16 (per group: dequantize, then fp16 MACs): any group costs {common.span(w4)}x per channel "
          f"with each preset's default schedule")
if all(by_group.values()):
    result += (f"; W8A8 as one integer MatMul per group on hexagon_8gen3's "
               f"{npusim.Npu('hexagon_8gen3').params['mac.rows']}-row array: group 32 costs "
               f"{common.span(by_group[32], '{:.1f}')}x one group, group 128 {common.span(by_group[128], '{:.1f}')}x")
exp.summary("a group smaller than the hardware block wastes cycles", result)

plt = common.pyplot()
fig, ax = plt.subplots(figsize=(7, 4.5))
for g in groups:
    pts = [(t, grid[(g, t)] / 1e6) for t in tiles if grid[(g, t)] is not None]
    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"group {g}")
ax.set_xscale("log", base=2)
ax.set_xlabel("tile_k (K elements per streamed tile)")
ax.set_ylabel("Mcycles (1 x 4096 x 4096 W4A16, default preset)")
ax.legend()
fig.tight_layout()
exp.finish(fig)
