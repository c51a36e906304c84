"""Decode is bandwidth-bound: decode tokens/s of Llama-3.2-1B, Llama-3.2-3B and Llama-2-7B at 4 and
8 bits on the Hexagon-class preset while its DRAM bandwidth is swept from 30 to 120 GB/s, against
the DRAM roofline (effective bandwidth / bytes read per token), and the memory footprint against
the claim that a 7B model at 4 bits needs about 3.5-4 GB."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

PRESET = "hexagon_8gen3"
PREFILL, DECODE = 256, 32

exp = common.Experiment(__file__, __doc__)
models = ["llama-3.2-1b"] if exp.quick else ["llama-3.2-1b", "llama-3.2-3b", "llama-2-7b"]
quants = ["w4a8"] if exp.quick else ["w4a8", "w8a8"]
bandwidths = [30, 120] if exp.quick else [30, 45, 60, 76.8, 90, 120]  # GB/s, nominal
clock_hz = npusim.Npu(PRESET).param("clock_mhz") * 1e6

rows, series = [], {}
for model in models:
    for quant in quants:
        for gbs in bandwidths:
            npu = npusim.Npu(PRESET, dram__bytes_per_cycle=gbs * 1e9 / clock_hz)
            m = npu.model(model, quant=quant, prefill=PREFILL, decode=DECODE)
            exp.progress(f"{model} {quant} {gbs} GB/s: {m.decode_tokens_per_s:.2f} tokens/s")
            frac = m.decode_tokens_per_s_last / m.decode_roofline_tokens_per_s_last
            assert frac <= 1 + 1e-9, "decode above its DRAM roofline"
            rows.append([model, quant, gbs, m.decode_tokens_per_s, m.decode_roofline_tokens_per_s_last, frac,
                         m.decode_dram_bytes_per_token / 1e9, m.footprint_bytes / 1e9])
            series.setdefault((model, quant), []).append((gbs, m.decode_tokens_per_s,
                                                          m.decode_roofline_tokens_per_s_last))

exp.table(f"Decode on {PRESET} with its DRAM bandwidth swept (prefill {PREFILL}, decode {DECODE})",
          ["model", "recipe", "DRAM GB/s (nominal)", "decode tokens/s", "DRAM roofline tokens/s",
           "fraction of roofline", "GB read per token", "footprint GB"], rows,
          "The roofline uses the preset's sustained fraction of the nominal bandwidth (dram.efficiency).")

# How bandwidth-bound: tokens/s gained per doubling of bandwidth, from the first to the last point.
scaling = []
for (model, quant), pts in series.items():
    (b0, t0, _), (b1, t1, _) = pts[0], pts[-1]
    scaling.append([model, quant, f"{b0} -> {b1}", b1 / b0, t1 / t0])
exp.table("Scaling with bandwidth", ["model", "recipe", "GB/s", "bandwidth ratio", "tokens/s ratio"], scaling,
          "A purely bandwidth-bound decode scales tokens/s with bandwidth (ratio equal); where it scales less, "
          "compute (the int4 unpack on the vector unit, attention, fixed per-kernel overheads) takes over.")

if not exp.quick:
    m7 = npusim.Npu(PRESET).model("llama-2-7b", quant="w4a8", prefill=1024, decode=1024)
    lo, hi = exp.ref("footprint_7b_4bit_gb_low"), exp.ref("footprint_7b_4bit_gb_high")
    exp.table("Footprint of a 7B model at 4 bits (Llama-2-7B, W4A8, int8 KV, 2,048-token context)",
              ["quantity", "claimed", "simulated", "simulated / claimed"],
              [["footprint GB", f"{lo}-{hi}", m7.footprint_bytes / 1e9,
                common.ratio(m7.footprint_bytes / 1e9, (lo + hi) / 2)],
               ["weights GB", "-", m7.weight_bytes / 1e9, None],
               ["KV cache GB", "-", m7.kv_cache_bytes / 1e9, None]])

by_quant = {q: [r for r in rows if r[1] == q] for q in quants}
scale = {q: [r[4] for r in scaling if r[1] == q] for q in quants}
result = "; ".join(
    f"{q.upper()} decode at {common.span([100 * r[5] for r in by_quant[q]], '{:.0f}', ' %')} of the DRAM roofline, "
    f"{common.span(scale[q])}x tokens/s for {bandwidths[-1] / bandwidths[0]:.0f}x bandwidth" for q in quants)
if "w8a8" in quants:
    gain = [a[3] / b[3] for a, b in zip(by_quant["w4a8"], by_quant["w8a8"])]
    result += f"; W4A8 gives {common.span(gain, '{:.1f}')}x the W8A8 tokens/s"
if not exp.quick:
    result += f"; Llama-2-7B W4A8 {m7.footprint_bytes / 1e9:.2f} GB with a 2k int8 cache"
exp.summary("decode is bandwidth-bound; a 7B model at 4 bits needs 3.5-4 GB", result)

plt = common.pyplot()
fig, ax = plt.subplots(figsize=(8, 5))
for i, ((model, quant), pts) in enumerate(series.items()):
    c = plt.get_cmap("tab10").colors[i % 10]
    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=c, label=f"{model} {quant}")
    ax.plot([p[0] for p in pts], [p[2] for p in pts], "--", color=c, lw=1)
ax.set_xlabel("DRAM bandwidth, nominal (GB/s)")
ax.set_ylabel("decode tokens/s (dashed: DRAM roofline)")
ax.set_title(f"Decode against DRAM bandwidth on {PRESET}")
ax.legend(fontsize=8)
fig.tight_layout()
exp.finish(fig)
