"""Speculative decoding on an NPU: Qwen2.5-0.5B drafting for Qwen2.5-1.5B and Qwen2.5-3B on the
Hexagon-class preset, for acceptance rates 0.5-0.9 and draft lengths k = 2-8. npusim simulates
the draft's decode steps, the target's verification of k + 1 tokens (one batched pass) and the
target's plain decode step; the speedup is expected tokens per target step x the plain step time
/ (k draft steps + one verification)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

import npusim  # noqa: E402

PRESET, DRAFT, QUANT = "hexagon_8gen3", "qwen2.5-0.5b", "w4a8"
PREFILL, DECODE = 256, 16

exp = common.Experiment(__file__, __doc__)
targets = ["qwen2.5-1.5b"] if exp.quick else ["qwen2.5-1.5b", "qwen2.5-3b"]
accepts = [0.7] if exp.quick else [0.5, 0.6, 0.7, 0.8, 0.9]
ks = [2, 4] if exp.quick else [2, 3, 4, 6, 8]
npu = npusim.Npu(PRESET)

rows, grid = [], {}
for target in targets:
    plain = npu.model(target, quant=QUANT, prefill=PREFILL, decode=DECODE)
    for a in accepts:
        for k in ks:
            r = npu.model(target, quant=QUANT, prefill=PREFILL, decode=DECODE, draft=DRAFT, draft_quant=QUANT,
                          spec_k=k, accept=a)
            grid[(target, a, k)] = r.speculative_speedup
            rows.append([target, a, k, r.speculative_tokens_per_step, r.speculative_speedup,
                         plain.decode_tokens_per_s_last * r.speculative_speedup])
        exp.progress(f"{target} accept {a}: best speedup {max(grid[(target, a, k)] for k in ks):.2f}x")

exp.table(f"Speedup over plain decode ({DRAFT} drafting, {QUANT}, on {PRESET}, context {PREFILL + DECODE})",
          ["target", "acceptance", "k", "tokens per target step", "speedup", "tokens/s"], rows)
best = []
for target in targets:
    top = max(grid[(target, a2, k2)] for a2 in accepts for k2 in ks)
    arg = [(a2, k2) for a2 in accepts for k2 in ks if grid[(target, a2, k2)] == top][0]
    best.append([target, f"a={arg[0]}, k={arg[1]}", exp.ref("claimed_speedup_max"), top,
                 common.ratio(top, exp.ref("claimed_speedup_max"))])
exp.table("Best speedup against the claim", ["target", "at", "claimed (up to)", "simulated", "ratio"], best)

exp.summary("a small draft gives up to 2x",
            " and ".join(f"{b[3]:.2f}x ({b[0]} target, {b[1]})" for b in best) + f" with a {DRAFT} draft")

plt = common.pyplot()
fig, axes = plt.subplots(1, len(targets), figsize=(6 * len(targets), 4.2), squeeze=False)
for ax, target in zip(axes[0], targets):
    for a in accepts:
        ax.plot(ks, [grid[(target, a, k)] for k in ks], "o-", label=f"acceptance {a}")
    ax.axhline(1, color="k", lw=0.8)
    ax.set_title(f"{target} drafted by {DRAFT}")
    ax.set_xlabel("draft length k")
    ax.set_ylabel("speedup over plain decode")
    ax.legend(fontsize=8)
fig.tight_layout()
exp.finish(fig)
