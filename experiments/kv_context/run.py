"""KV-cache quantization and context length: the longest context whose weights, paged KV cache and
activations fit a 4 GB budget with an fp16, int8 and int4 KV cache, for Llama-3.2-1B, Llama-3.2-3B
and Llama-2-7B at 4-bit weights on the Hexagon-class preset, and the decode speed at that context
(the last 16 tokens generated, the prompt's cache given: `skip_prefill`).

The int8 and int4 contexts are npusim's own (`max_context`, the footprint model of docs/models.md).
The attention kernel reads int8 and int4 caches only, so the fp16 row's context comes from the same
footprint formula with 2-byte values (checked against npusim's int8 result) and its decode speed is
not simulated."""
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
        import json
        configs[name] = json.load(f)


def kv_bytes_per_token(cfg, bits):
    # As models/workload.cpp: K and V of every layer, kv_heads x head_dim values, an fp16 scale per head.
    layers, heads = cfg["num_hidden_layers"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    head_dim = cfg.get("head_dim", cfg["hidden_size"] // heads)
    return layers * 2 * (kv_heads * head_dim * bits // 8 + (kv_heads * 2 if bits < 16 else 0))


rows, bars = [], {}
for name in models:
    fixed = None
    for bits in (8, 4):
        probe = npu.model(name, quant=f"w4a8+kv{bits}", prefill=16, decode=1, max_context=True)
        ctx = probe.max_context
        fixed = probe.weight_bytes + probe.activation_bytes  # what the cache shares the budget with
        # Decode speed at the longest context: the last 16 tokens of it generated, the prompt's cache
        # taken as given (simulating a prefill of up to 131k tokens would take long).
        at = 512 if exp.quick else ctx
        dec = npu.model(name, quant=f"w4a8+kv{bits}", prefill=at - 16, decode=16, skip_prefill=True)
        exp.progress(f"{name} kv{bits}: {ctx} tokens, {dec.decode_tokens_per_s:.2f} tokens/s")
        rows.append([name, f"int{bits}", ctx, kv_bytes_per_token(configs[name], bits) / 1024,
                     dec.prefill_tokens + dec.decode_tokens, dec.decode_tokens_per_s])
        bars[(name, bits)] = ctx
        if bits == 8:  # the formula reproduces npusim's own footprint model
            per_block = BLOCK * kv_bytes_per_token(configs[name], 8)
            assert int((BUDGET - fixed) // per_block) * BLOCK >= ctx - BLOCK, (name, ctx)
    per_block = BLOCK * kv_bytes_per_token(configs[name], 16)
    ctx16 = min(int((BUDGET - fixed) // per_block) * BLOCK, configs[name].get("max_position_embeddings", 1 << 62))
    rows.append([name, "fp16 (footprint only)", ctx16, kv_bytes_per_token(configs[name], 16) / 1024, None, None])
    bars[(name, 16)] = ctx16
    rows.sort(key=lambda r: (models.index(r[0]), r[1]))

exp.table(f"Longest context in a {BUDGET / 1e9:.0f} GB budget on {PRESET} (W4A8 weights, {BLOCK}-token pages)",
          ["model", "KV cache", "max context (tokens)", "KV KiB per token", "decode measured at context",
           "decode tokens/s"], rows)
ratios = [[name, bars[(name, 16)], bars[(name, 8)], bars[(name, 4)],
           common.ratio(bars[(name, 4)], bars[(name, 16)]),
           common.ratio(exp.ref("context_int4"), exp.ref("context_fp16"))] for name in models]
exp.table("Context gained by quantizing the KV cache",
          ["model", "fp16", "int8", "int4", "int4 / fp16 (simulated)", "claimed (8k / 2k)"], ratios,
          "int4 values take a quarter of fp16's bytes, but the per-head fp16 scales do not shrink; "
          "contexts are capped at the model's max_position_embeddings (131,072 for Llama-3.2).")

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
