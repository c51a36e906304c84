"""What an op boundary costs in a decode step, per preset: the ops' fill (loads before the first
compute instruction) and drain (stores after the last one) as a share of the step, the DRAM time of
the activations the non-GEMM ops move, and how much of the fill the graph runtime hides under the
previous op's drain (runtime.deployment: graph). Llama-3.2-1B, one decode step after 128 tokens.
Prints the Markdown table; --write puts it into docs/models.md ("Op boundaries").

    .venv/bin/python bench/op_boundaries.py [--presets a,b] [--model M] [--write]
"""
import argparse
import os
import sys

import npusim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

PRESETS = ["default", "hexagon_8gen3", "hexagon_8elite", "rk3588", "rk3576", "intel_mtl_npu", "intel_lnl_npu"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", default=",".join(PRESETS))
    p.add_argument("--model", default="llama-3.2-1b")
    p.add_argument("--write", action="store_true", help="write the table into docs/models.md")
    args = p.parse_args(argv)
    lines = ["| preset | recipe | decode step (ms) | fill + drain of its ops | activations of non-GEMM ops at the "
             "sustained bandwidth | hidden by the graph |", "|---|---|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)
    for preset in args.presets.split(","):
        npu = npusim.Npu(preset)
        clock, bw = npu.param("clock_mhz") * 1e6, npu.dram_bytes_per_s()
        for recipe in ("w8a8", "w4a8"):
            r = npu.model(args.model, quant=recipe, prefill=128, decode=1)
            step = 1 / r.decode_tokens_per_s_last
            ops = r.decode_ops_last_step
            edges = 0.0
            for o in ops:
                shape = {d: int(v) for d, v in (kv.split("=") for kv in o["shape"].split(","))}
                k = npu.kernel(o["kernel"], **shape)
                edges += (k.fill_cycles + k.drain_cycles) / clock * o["count"]
            act = sum(o["dram_bytes"] * o["count"] for o in ops if not o["kernel"].startswith(("gemm", "attention")))
            lines.append(f"| {preset} | {recipe} | {step * 1e3:.2f} | {100 * edges / step:.1f} % | "
                         f"{100 * act / bw / step:.1f} % | {100 * r.decode_overlap_s_last / step:.1f} % |")
            print(lines[-1], flush=True)
    if args.write:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "models.md")
        doc_sections.replace_section(path, "op_boundaries.py", "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
