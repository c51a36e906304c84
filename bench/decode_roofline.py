"""Decode against the DRAM roofline on each preset: for every shipped decoder model and recipe,
the whole decode step's tokens/s as a share of its DRAM roofline (sustained bandwidth / bytes
per step), and the lowest kernel-roofline share among the step's GEMMs with the default
schedules. Then attention (Llama-3.2-1B's heads, decode at ctx 512 and prefill 512) on each
preset against its kernel roofline and against its busiest engine. Prints Markdown tables; --write
puts them into docs/kernels.md ("Decode at the DRAM roofline", "Attention on every preset").

    .venv/bin/python bench/decode_roofline.py [--presets a,b] [--models m1,m2] [--recipes r1,r2] [--write]
"""
import argparse
import os
import sys
import time

import npusim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

PRESETS = ["default", "hexagon_8gen3", "hexagon_8elite", "rk3588", "rk3576", "intel_mtl_npu", "intel_lnl_npu"]
MODELS = ["qwen2.5-0.5b", "tinyllama-1.1b", "llama-3.2-1b", "qwen2.5-1.5b", "llama-3.2-3b"]
RECIPES = ["w8a8", "w4a8", "w4a16-per-channel", "w4a16i"]
GEMMS = ("gemm_",)
ATTENTION = [("decode, ctx 512", dict(t=1, ctx=512, h=32, hk=8, d=64)),
             ("prefill 512", dict(t=512, ctx=512, h=32, hk=8, d=64))]


def attention_rows(presets):
    """Attention's share of its kernel roofline (MACs and DRAM bytes only) and of its busiest
    engine's busy time (how well the schedule overlaps the engines it keeps busy)."""
    lines = ["| preset | attention | schedule | kernel roofline share | busiest engine | its busy share |",
             "|---|---|---|---:|---|---:|"]
    for preset in presets:
        npu = npusim.Npu(preset)
        for case, shape in ATTENTION:
            r = npu.kernel("attention", **shape)
            busiest = max(r.engines, key=lambda e: e["busy_cycles"])
            knobs = ",".join(f"{k}={v}" for k, v in sorted(r.schedule.items()))
            lines.append(f"| {preset} | {case} | `{knobs}` | {100 * r.roofline_fraction:.1f} % | "
                         f"{busiest['name']} | {100 * busiest['busy_cycles'] / r.cycles:.0f} % |")
            print(lines[-1], flush=True)
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", default=",".join(PRESETS))
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--recipes", default=",".join(RECIPES))
    p.add_argument("--context", type=int, default=128, help="prompt tokens before the measured decode step")
    p.add_argument("--write", action="store_true", help="write the table into docs/kernels.md")
    args = p.parse_args(argv)
    started = time.time()
    lines = ["| preset | model | recipe | decode tokens/s | DRAM roofline tokens/s | share | lowest GEMM share |",
             "|---|---|---|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)

    def row(text):
        lines.append(text)
        print(text, flush=True)

    for preset in args.presets.split(","):
        npu = npusim.Npu(preset)
        for model in args.models.split(","):
            for recipe in args.recipes.split(","):
                try:
                    r = npu.model(model, quant=recipe, prefill=args.context, decode=1)
                except npusim.UserError as e:
                    row(f"| {preset} | {model} | {recipe} | refused: {str(e).split(';')[0]} | | | |")
                    continue
                lowest = 1.0
                for op in r.decode_ops_last_step:
                    if op["kernel"].startswith(GEMMS):
                        shape = dict(kv.split("=") for kv in op["shape"].split(","))
                        k = npu.kernel(op["kernel"], **{d: int(v) for d, v in shape.items()})
                        lowest = min(lowest, k.roofline_fraction)
                share = r.decode_tokens_per_s_last / r.decode_roofline_tokens_per_s_last
                row(f"| {preset} | {model} | {recipe} | {r.decode_tokens_per_s_last:.2f} | "
                    f"{r.decode_roofline_tokens_per_s_last:.2f} | {100 * share:.0f} % | {100 * lowest:.0f} % |")
        print(f"{preset} done ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    attention = attention_rows(args.presets.split(","))
    if args.write:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "kernels.md")
        doc_sections.replace_section(path, "decode_roofline.py", "\n".join(lines))
        doc_sections.replace_section(path, "decode_roofline.py attention", "\n".join(attention))
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
