"""What an op boundary costs in a decode step, per preset: the ops' fill (loads before the first
compute instruction) and drain (stores after the last one) as a share of the step, the DRAM time of
the activations the non-GEMM ops move, and how much of the fill the graph runtime hides under the
previous op's drain (runtime.deployment: graph). Llama-3.2-1B, one decode step after 128 tokens.
Writes the Markdown table of docs/models.md ("Op boundaries").

    .venv/bin/python bench/op_boundaries.py [--presets a,b] [--model M]
"""
import argparse
import sys

import npusim

PRESETS = ["default", "hexagon_8gen3", "hexagon_8elite", "rk3588", "rk3576", "intel_mtl_npu", "intel_lnl_npu"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", default=",".join(PRESETS))
    p.add_argument("--model", default="llama-3.2-1b")
    args = p.parse_args(argv)
    print("| preset | recipe | decode step (ms) | fill + drain of its ops | activations of non-GEMM ops at the "
          "sustained bandwidth | hidden by the graph |")
    print("|---|---|---:|---:|---:|---:|")
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
            print(f"| {preset} | {recipe} | {step * 1e3:.2f} | {100 * edges / step:.1f} % | "
                  f"{100 * act / bw / step:.1f} % | {100 * r.decode_overlap_s_last / step:.1f} % |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
