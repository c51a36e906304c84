"""Kernels x presets: cycles and % of the kernel roofline with each preset's default schedule and
with the schedule `npusim.tune` finds, for Llama-3.2-1B shapes (hidden 2048, intermediate 8192,
32 query heads and 8 KV heads of dimension 64) at 512 tokens of prefill and one of decode.
Writes its table between its markers in docs/kernels.md (`make kernels-table`)."""
import argparse
import os
import sys
import time

import npusim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

# (kernel, shape, label)
CASES = [
    ("gemm_w8a8", dict(m=512, n=2048, k=2048), "prefill q/o proj"),
    ("gemm_w8a8", dict(m=512, n=8192, k=2048), "prefill gate/up proj"),
    ("gemm_w8a8", dict(m=512, n=2048, k=8192), "prefill down proj"),
    ("gemm_w8a8", dict(m=1, n=2048, k=2048), "decode q/o proj"),
    ("gemm_w8a8", dict(m=1, n=8192, k=2048), "decode gate/up proj"),
    ("gemm_w4a8", dict(m=512, n=2048, k=2048), "prefill, int4 weights"),
    ("gemm_w4a8", dict(m=1, n=2048, k=2048), "decode, int4 weights"),
    ("gemm_w8a8_dynamic", dict(m=512, n=2048, k=2048), "prefill, per-token activations"),
    ("gemm_f16", dict(m=512, n=2048, k=2048), "prefill, unquantized fp16"),
    ("gemm_w8a16", dict(m=1, n=2048, k=2048, group=128), "decode, weight-only int8"),
    ("gemm_w4a16", dict(m=1, n=2048, k=2048, group=128), "decode, weight-only int4"),
    ("gemm_w4a16", dict(m=1, n=2048, k=2048, group=2048), "decode, weight-only int4 per channel"),
    ("gemm_w4a16i", dict(m=1, n=2048, k=2048), "decode, int16 activations x int4 (A16W4)"),
    ("lm_head", dict(t=1, d=2048, vocab=128256, w_bits=8, a_bits=8), "decode, W8A8"),
    ("lm_head", dict(t=1, d=2048, vocab=128256, w_bits=4, a_bits=16), "decode, W4A16"),
    ("attention", dict(t=1, ctx=512, h=32, hk=8, d=64), "decode, ctx 512, int8 KV"),
    ("attention", dict(t=512, ctx=512, h=32, hk=8, d=64), "prefill 512, int8 KV"),
    ("kv_scale", dict(t=512, hk=8, d=64), "prefill KV append, step 1"),
    ("kv_quantize", dict(t=512, hk=8, d=64), "prefill KV append, step 2"),
    ("embedding", dict(t=512, d=2048, vocab=128256), "Llama-3.2 vocabulary"),
    ("rms_norm", dict(t=512, d=2048), ""),
    ("layer_norm", dict(t=512, d=2048), ""),
    ("rope", dict(t=512, h=32, d=64), ""),
    ("silu", dict(t=512, d=8192), ""),
    ("gelu", dict(t=512, d=8192), ""),
    ("swiglu", dict(t=512, d=8192), ""),
    ("residual_add", dict(t=512, d=2048), ""),
    ("quantize", dict(t=512, d=2048), ""),
    ("dequantize", dict(t=512, d=2048), ""),
    ("requantize", dict(m=512, n=2048), ""),
]


def shape_text(shape):
    return ",".join(f"{k}={v}" for k, v in shape.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--presets", default="default,hexagon_8gen3")
    ap.add_argument("--budget", type=int, default=40, help="tuner evaluations per kernel and preset")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "kernels.md"))
    args = ap.parse_args()
    presets = args.presets.split(",")
    rows = []
    start = time.time()
    for i, (kernel, shape, label) in enumerate(CASES):
        row = [f"`{kernel}`", f"`{shape_text(shape)}`" + (f" ({label})" if label else "")]
        for p in presets:
            try:
                t = npusim.tune(kernel, npu=p, budget=args.budget, **shape)
                d, b = t.default, t.best
                row.append(f"{d['roofline_fraction'] * 100:.1f} %" if d["ok"] else "does not map")
                row.append(f"{b['roofline_fraction'] * 100:.1f} %" if b["ok"] else "-")
            except npusim.UserError as e:
                row += ["error", str(e)[:60]]
        rows.append(row)
        print(f"[{i + 1}/{len(CASES)}] {kernel} {shape_text(shape)}: {' | '.join(row[2:])} "
              f"({time.time() - start:.0f} s)", file=sys.stderr)
    head = "| kernel | shape | " + " | ".join(f"{p}: default schedule | {p}: tuned" for p in presets) + " |"
    sep = "|" + "---|" * (2 + 2 * len(presets))
    table = "\n".join([head, sep] + ["| " + " | ".join(r) + " |" for r in rows])
    section = f"Tuner budget: {args.budget} evaluations per kernel and preset.\n\n{table}"
    doc_sections.replace_section(args.out, "kernel_table.py", section)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
