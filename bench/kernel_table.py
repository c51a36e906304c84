"""Kernels x presets: cycles and % of the kernel roofline with each preset's default schedule and
with the schedule `npusim.tune` finds, for Llama-3.2-1B shapes (hidden 2048, intermediate 8192,
32 query heads and 8 KV heads of dimension 64) at 512 tokens of prefill and one of decode.
Writes docs/kernels.md (`make kernels-table`)."""
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
    # The decode section is bench/decode_roofline.py's: kept as it is.
    decode = None
    if os.path.exists(args.out):
        with open(args.out) as f:
            decode = doc_sections.section(f.read(), "decode_roofline.py")
    begin, end = doc_sections.markers("decode_roofline.py")
    doc_sections.write_whole(args.out, DOC.format(table=table, budget=args.budget, presets=args.presets,
                                                  decode=decode or "*(run `bench/decode_roofline.py --write`)*",
                                                  begin=begin, end=end))
    print(f"wrote {args.out}", file=sys.stderr)


DOC = """# The kernel library

Every kernel is a Halide algorithm in `kernels/` with its schedule in `schedules/`, registered by
name (`npusim kernels` lists each one's numerics, shape dimensions and knobs). The compiler lowers
the scheduled pipeline to an `npu::Program`; the same pipeline JIT-compiles on the host
(`npusim.kernel_host`), where the tests check it against independent numpy references.

| family | kernels | numerics (host tests) |
|---|---|---|
| GEMM | `gemm_w8a8`, `gemm_w4a8` | int8 x int8 (int4 unpacked on chip, or taken packed by a MAC array with the a8w4 pair: the same bits) -> int32, fixed-point requantization: bit-exact |
| | `gemm_f16`, `gemm_w8a16`, `gemm_w4a16` | fp16 weights, or weights dequantized to fp16 per group (32/64/128/... K elements), fp16 MACs, fp32 accumulation; per channel (group = K) the integer weights are the operand and the sum is scaled once: fp32 accumulation error + one fp16 rounding |
| | `gemm_w8a16i`, `gemm_w4a16i` | fp16 activations quantized on chip to int16 (static scale), x int8 / int4 weights, exact int64 sums, fp16 out: bit-exact against float64 then float32 |
| | `lm_head` | the GEMM variant of its (weight, activation) precision, over the vocabulary |
| | `gemm_w8a8_group` | int8 x int8 with an fp32 scale per group of K-elements and output channel: one integer MatMul per group, the groups dequantized and summed in fp32 in order, fp16 out: bit-exact against float32 |
| | `gemm_w8a8_dynamic`, `gemm_w4a8_dynamic` | per-token absmax quantization at run time, int8 MACs, fp16 out: bit-exact against float32 |
| KV cache | `kv_scale`, `kv_quantize` | appending tokens: per-token, per-head scale from the absmax, then int8 or packed int4 values: bit-exact against float32 |
| attention | `attention` | q.k^T and p.v as fp16 MatMuls per KV head (fp32 accumulation), fp32 softmax, int8/int4 KV cache with per-head, per-token scales or an fp16 one, grouped-query, causal, prefill and decode: within the fp16 roundings of p and the result |
| norms | `rms_norm`, `layer_norm` | fp16 in/out, fp32 arithmetic: one fp16 rounding |
| elementwise | `silu`, `gelu`, `swiglu`, `residual_add`, `rope` | fp16 in/out, fp32 arithmetic: one fp16 rounding |
| embedding | `embedding` | a gather of fp16 rows (one row DMA per token): exact |
| conversions | `quantize`, `dequantize` | bit-exact against float32; `requantize`: bit-exact integer |

## Cycles against the roofline

% of the kernel roofline (its MACs at peak, each DRAM tensor moved once at the sustained
bandwidth) reached by each preset's default schedule and by the best schedule `npusim tune` found
in {budget} evaluations. Produced by `make kernels-table` (`bench/kernel_table.py --presets
{presets} --budget {budget}`); the numbers are simulated, on the shipped presets.

{table}

Notes:
- Decode GEMMs (M = 1) are DRAM-bound: their roofline is the weight traffic.
- On hexagon_8gen3 the prefill GEMMs are DRAM-bound (51 B/cycle sustained against 49k MACs/cycle):
  what keeps them near 80 % is the 1 MiB activation panel that loads before the first MatMul, and
  one DMA channel carrying the weights, the panel and the results in turn.
- The vector unit bounds the elementwise kernels with transcendental or divide steps (silu, gelu,
  layer_norm), attention's softmax, and weights converted on chip where the preset's MAC array has
  no native pair for them (per-group weight-only GEMMs everywhere; fp16 x int4 per channel on
  default and hexagon_8gen3); the kernel roofline counts only MACs and DRAM bytes, so these read
  low. `gemm_w4a16i` is refused on `default`, whose MAC array has no 16-bit integer pair.
- `attention` keeps a whole KV head's cache on chip where it fits (loaded once for its query
  heads, the next head's loading behind this one), and otherwise streams it in blocks of `tile_kv`
  tokens through each query chunk (no double buffering of the blocks; the chunk's logits row stays
  in l1, so the bits are the same). A chunk holds every query head of its KV head (`group_rows`),
  so one MatMul serves the group. The chunk's softmax rows (tile_q x ctx x 10 bytes per query
  head) must still fit l1: Llama-3.2-1B decode at 131,072 tokens takes 6.0 MB of hexagon_8gen3's
  8 MiB.
- The weight-only GEMMs run fp16 MACs, which both presets rate far below INT8.
- A shape the tile does not divide recomputes an overlapping last tile (Halide shifts it inwards):
  the MACs and bytes reported include that overlap.

## Decode at the DRAM roofline

Whole-model decode against its DRAM roofline (the preset's sustained bandwidth over the bytes of
one step) and the lowest kernel-roofline share among the step's GEMMs, with default schedules, one
decode step after a 128-token prompt. Produced by `bench/decode_roofline.py --write`.

{begin}
{decode}
{end}
"""

if __name__ == "__main__":
    main()
