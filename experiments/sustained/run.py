"""Sustained decode under heat: Llama-3.2-1B (W4A16 with int16 activations, as QNN runs 4-bit
models) decoding back to back for 10 minutes on the Snapdragon 8 Elite preset, with the rest of
the phone drawing more and more power beside the NPU (thermal.other_w: the preset's 1.5 W, then a
busy CPU). npusim's thermal model is one temperature with a heat capacity and a resistance to
ambient; its DVFS governor steps the NPU clock down above thermal.limit_c. Each clock level's
decode step is simulated at that clock."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

PRESET, MODEL, QUANT = "hexagon_8elite", "llama-3.2-1b", "w4a16i"
exp = common.Experiment(__file__, __doc__)
seconds = 120 if exp.quick else 60 * exp.ref("minutes_flat")
others = [1.5, 6.0] if exp.quick else [1.5, 3.0, 4.5, 6.0]

rows, series = [], {}
for other in others:
    npu = npusim.Npu(PRESET, thermal__other_w=other)
    r = npu.model(MODEL, quant=QUANT, prefill=128, decode=16, sustained=seconds)
    s = r.sustained
    series[other] = r.to_pandas("sustained")
    rows.append([other, s["burst_tokens_per_s"], s["sustained_tokens_per_s"],
                 "-" if s["throttled_after_s"] is None else s["throttled_after_s"], s["peak_temperature_c"],
                 series[other]["clock_fraction"].min(), series[other]["power_w"].max(),
                 common.ratio(s["sustained_tokens_per_s"], exp.ref("npu_tokens_per_s"))])
    exp.progress(f"other {other} W: sustained {s['sustained_tokens_per_s']:.1f} tokens/s")
limit = npusim.Npu(PRESET).param("thermal.limit_c")
exp.table(f"{MODEL} {QUANT} decoding for {seconds:.0f} s on {PRESET} (thermal.limit_c {limit:.0f} C)",
          ["rest of the phone W", "burst tokens/s", "sustained tokens/s", "throttled after s", "peak C",
           "lowest clock", "peak power W", "sustained / reported 90"], rows,
          "sustained: the average over the last quarter of the run. The report: near 90 tokens/s for 10 minutes "
          "(low trust).")

base = rows[0]
hot = [r for r in rows if r[3] != "-"]
result = (f"at the preset's 1.5 W beside the NPU: {base[2]:.1f} tokens/s for {seconds / 60:.0f} minutes, flat "
          f"(peak {base[4]:.0f} C under the {limit:.0f} C limit; {base[7]:.2f}x the reported 90)")
if hot:
    result += (f"; with {hot[0][0]:g} W or more beside it the clock steps down after "
               f"{common.span([r[3] for r in hot], '{:.0f}')} s, to {common.span([r[5] for r in hot])} of its top, "
               f"and decode keeps {common.span([100 * r[2] / r[1] for r in hot], '{:.0f}')} % of its burst speed "
               "(DRAM-bound: the NPU clock is not what limits it)")
exp.summary("an NPU decoding a small model stays flat for 10 minutes (Galaxy S25 Ultra user report, low trust)",
            result)

plt = common.pyplot()
fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
for other, df in series.items():
    a1.plot(df["t_s"], df["tokens_per_s"], label=f"{other:g} W beside the NPU")
    a2.plot(df["t_s"], df["temperature_c"], label=f"{other:g} W")
a1.axhline(exp.ref("npu_tokens_per_s"), color="k", ls="--", lw=1, label="reported (S25 Ultra)")
a2.axhline(limit, color="r", ls=":", lw=1, label="thermal.limit_c")
a1.set_ylabel("tokens/s")
a2.set_ylabel("temperature (C)")
a2.set_xlabel("seconds")
a1.legend(fontsize=7)
a2.legend(fontsize=7)
fig.tight_layout()
exp.finish(fig)
