"""llm.npu (Xu et al., ASPLOS 2025), Table 3 and end-to-end prefill: INT8 and FP16 MatMul latency
on the Snapdragon 8 Gen 3 NPU for its six shapes (64x2048 by 2048x{2048, 8192, 11008}, 32x4096 by
4096x{4096, 8192, 11008}), and the prefill rate of Qwen1.5-1.8B and Gemma-2B at 1,560-token
prompts, simulated on the Hexagon-class preset (hexagon_8gen3). The preset's numbers come from
specifications (configs/npu/hexagon_8gen3.yaml), not from these results.

INT8: gemm_w8a8 (int8 x int8, per-channel requantization). FP16: gemm_f16 (fp16 x fp16 weights,
fp32 accumulation). Each with the preset's default schedule and, in the full run, the best
schedule the tuner finds in 32 evaluations. Prefill: W8A8 (llm.npu runs its linears in INT8 per
tensor) in chunks of 256 tokens, llm.npu's chunk length."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

PRESET = "hexagon_8gen3"
SHAPES = [(64, 2048, 2048), (64, 8192, 2048), (64, 11008, 2048),
          (32, 4096, 4096), (32, 8192, 4096), (32, 11008, 4096)]  # (M, N, K): [M, K] x [K, N]

exp = common.Experiment(__file__, __doc__)
npu = npusim.Npu(PRESET)
shapes = SHAPES[:1] if exp.quick else SHAPES
published = exp.ref("matmul_ms")


def best_ms(kernel, m, n, k):
    default = npu.kernel(kernel, m=m, n=n, k=k)
    if exp.quick:
        return default.seconds * 1e3, default.seconds * 1e3
    tuned = npusim.tune(kernel, PRESET, budget=32, m=m, n=n, k=k)
    return default.seconds * 1e3, min(default.cycles, tuned.best["cycles"]) / npu.param("clock_mhz") / 1e3


rows, points = [], []
for m, n, k in shapes:
    key = f"{m}x{k}x{n}"
    pub = published.get(key, {})
    i8_default, i8 = best_ms("gemm_w8a8", m, n, k)
    f16_default, f16 = best_ms("gemm_f16", m, n, k)
    lo, hi = exp.ref("fp16_over_int8_range")
    rows.append([f"{m}x{k} by {k}x{n}", pub.get("int8"), i8_default, i8, common.ratio(i8, pub.get("int8")),
                 pub.get("fp16"), f16, common.ratio(f16, pub.get("fp16")), f16 / i8, f"{lo}-{hi} (all shapes)"])
    points.append((key, pub.get("int8"), i8, pub.get("fp16"), f16))
    exp.progress(f"{key}: int8 {i8:.3f} ms, fp16 {f16:.3f} ms")
exp.table(f"MatMul latency on the Snapdragon 8 Gen 3 NPU (published) and {PRESET} (simulated), ms",
          ["shape", "INT8 published", "INT8 default schedule", "INT8 best", "ratio", "FP16 published",
           "FP16 best", "ratio", "FP16 / INT8 simulated", "FP16 / INT8 published"], rows,
          "ratio = simulated / published. Published values: " + exp.source("matmul_source"))

prefill_rows = []
models = ["qwen1.5-1.8b"] if exp.quick else ["qwen1.5-1.8b", "gemma-2b"]
prompt = 256 if exp.quick else exp.ref("prompt_tokens")
for model in models:
    r = npu.model(model, quant="w8a8", prefill=prompt, decode=0, chunk=256)
    pub = exp.ref("prefill_tokens_per_s").get(model)
    prefill_rows.append([model, prompt, pub, r.prefill_tokens_per_s, common.ratio(r.prefill_tokens_per_s, pub),
                         r.ttft_s])
    exp.progress(f"{model}: {r.prefill_tokens_per_s:.0f} tokens/s")
exp.table(f"End-to-end prefill ({prompt}-token prompt, chunks of 256, W8A8)",
          ["model", "prompt tokens", "published tokens/s (at least)", "simulated tokens/s", "ratio", "simulated TTFT s"],
          prefill_rows, "Published values: " + exp.source("prefill_source"))

plt = common.pyplot()
fig, ax = plt.subplots(figsize=(8, 4.5))
x = range(len(points))
w = 0.2
ax.bar([i - 1.5 * w for i in x], [p[1] or 0 for p in points], w, label="INT8 published", color="tab:blue", alpha=0.5)
ax.bar([i - 0.5 * w for i in x], [p[2] for p in points], w, label="INT8 simulated", color="tab:blue")
ax.bar([i + 0.5 * w for i in x], [p[3] or 0 for p in points], w, label="FP16 published", color="tab:orange",
       alpha=0.5)
ax.bar([i + 1.5 * w for i in x], [p[4] for p in points], w, label="FP16 simulated", color="tab:orange")
ax.set_xticks(list(x))
ax.set_xticklabels([p[0] for p in points], fontsize=8)
ax.set_ylabel("MatMul latency (ms)")
ax.set_yscale("log")
ax.set_title(f"llm.npu Table 3 against {PRESET}")
ax.legend(fontsize=8)
fig.tight_layout()
exp.finish(fig)
