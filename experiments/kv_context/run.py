"""KV-cache quantization and context length: the longest context whose weights, paged KV cache and
activations fit a 4 GB budget with an fp16, int8 and int4 KV cache, for Llama-3.2-1B, Llama-3.2-3B
and Llama-2-7B at 4-bit weights on the Hexagon-class preset, and the decode speed at that context
(the last 16 tokens generated, the prompt's cache given: `skip_prefill`).

The contexts are npusim's own (`max_context`, the footprint model of docs/models.md); the KiB per
token column is the formula of models/workload.cpp, checked here against those contexts."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

PRESET, BUDGET, BLOCK = "hexagon_8gen3", 4e9, 16

exp = common.Experiment(__file__, __doc__)
models = ["llama-3.2-1b"] if exp.quick else ["llama-3.2-1b", "llama-3.2-3b", "llama-2-7b"]
npu = npusim.Npu(PRESET, dram__capacity_bytes=BUDGET)
configs = {}
for name in models:
    with open(os.path.join(npusim.config_dir(), "models", name + ".json")) as f:
        configs[name] = json.load(f)


def kv_bytes_per_token(cfg, bits):
    # As models/workload.cpp: K and V of every layer, kv_heads x head_dim values, an fp16 scale per
    # head for an integer cache.
    layers, heads = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    head_dim = cfg.get("head_dim", cfg["hidden_size"] // heads)
    return layers * 2 * (kv_heads * head_dim * bits // 8 + (kv_heads * 2 if bits < 16 else 0))


rows, bars = [], {}
for name in models:
    for bits in (16, 8, 4):
        recipe = f"w4a8+kv{bits}"
        probe = npu.model(name, quant=recipe, prefill=16, decode=1, max_context=True)
        ctx = probe.max_context
        # The formula reproduces npusim's footprint model: one more page would not fit.
        per_block = BLOCK * kv_bytes_per_token(configs[name], bits)
        fixed = probe.weight_bytes + probe.activation_bytes  # what the cache shares the budget with
        limit = configs[name].get("max_position_embeddings", 1 << 62)
        assert ctx == min(int((BUDGET - fixed) // per_block) * BLOCK, limit), (name, bits, ctx)
        # Decode speed at the longest context: its last 16 tokens generated, the prompt's cache
        # taken as given (simulating a prefill of up to 131k tokens would take long).
        at = 512 if exp.quick else ctx
        dec = npu.model(name, quant=recipe, prefill=at - 16, decode=16, skip_prefill=True)
        exp.progress(f"{name} kv{bits}: {ctx} tokens, {dec.decode_tokens_per_s:.2f} tokens/s")
        rows.append([name, "fp16" if bits == 16 else f"int{bits}", ctx, kv_bytes_per_token(configs[name], bits) / 1024,
                     dec.prefill_tokens + dec.decode_tokens, dec.decode_tokens_per_s,
                     dec.decode_roofline_tokens_per_s_last])
        bars[(name, bits)] = ctx

exp.table(f"Longest context in a {BUDGET / 1e9:.0f} GB budget on {PRESET} (W4A8 weights, {BLOCK}-token pages)",
          ["model", "KV cache", "max context (tokens)", "KV KiB per token", "decode measured at context",
           "decode tokens/s", "DRAM roofline tokens/s"], rows,
          "The roofline reads every weight and the whole cache once per token at the sustained bandwidth.")
ratios = [[name, bars[(name, 16)], bars[(name, 8)], bars[(name, 4)],
           common.ratio(bars[(name, 4)], bars[(name, 16)]),
           common.ratio(exp.ref("context_int4"), exp.ref("context_fp16"))] for name in models]
exp.table("Context gained by quantizing the KV cache",
          ["model", "fp16", "int8", "int4", "int4 / fp16 (simulated)", "claimed (8k / 2k)"], ratios,
          "int4 values take a quarter of fp16's bytes, but the per-head fp16 scales do not shrink; "
          "contexts are capped at the model's max_position_embeddings (131,072 for Llama-3.2).")

tps = {(r[0], r[1]): r[5] for r in rows}
exp.summary("an 8/4-bit KV cache turns a 2k context into 8k",
            f"int4 gives {common.span([r[4] for r in ratios], '{:.1f}')}x the fp16 context in "
            f"{BUDGET / 1e9:.0f} GB (" + "; ".join(f"{m} {bars[(m, 16)] / 1e3:.1f}k -> {bars[(m, 4)] / 1e3:.1f}k"
                                                  for m in models) + "); decode at those contexts "
            + "; ".join(f"{tps[(m, 'fp16')]:.1f} -> {tps[(m, 'int4')]:.1f} tokens/s ({m})" for m in models))

plt = common.pyplot()
fig, ax = plt.subplots(figsize=(7, 4.5))
width = 0.25
for j, bits in enumerate((16, 8, 4)):
    ax.bar([i + (j - 1) * width for i in range(len(models))], [bars[(m, bits)] for m in models], width,
           label="fp16" if bits == 16 else f"int{bits}")
ax.set_xticks(range(len(models)))
ax.set_xticklabels(models)
ax.set_yscale("log")
ax.set_ylabel(f"longest context in {BUDGET / 1e9:.0f} GB (tokens)")
ax.legend(title="KV cache")
fig.tight_layout()
exp.finish(fig)
