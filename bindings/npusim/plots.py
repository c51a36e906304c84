"""Plots of npusim reports (matplotlib, drawn off-screen).

    python -m npusim.plots REPORT.json OUT.png          breakdown of `npusim model --save REPORT.json`
    python -m npusim.plots pareto TABLE.json OUT.png    accuracy against latency of
                                                        `npusim quant-eval --save TABLE.json`
"""
import json
import sys
from collections import OrderedDict
from typing import Mapping

# Op kinds, in stacking order: what each kernel of the library is, for a breakdown by role.
_KIND = OrderedDict([
    ("GEMM", ("gemm_w8a8", "gemm_w4a8", "gemm_w8a16", "gemm_w4a16", "gemm_w8a8_dynamic", "lm_head")),
    ("attention", ("attention",)),
    ("KV cache", ("kv_scale", "kv_quantize")),
    ("(de)quantize", ("quantize", "dequantize", "requantize")),
    ("norms", ("rms_norm", "layer_norm")),
    ("activations, RoPE", ("silu", "gelu", "swiglu", "geglu", "rope")),
    ("residual, embedding", ("residual_add", "embedding")),
])


def _kind(kernel: str) -> str:
    for kind, kernels in _KIND.items():
        if kernel in kernels:
            return kind
    return "other"


def _by_kind(ops) -> "OrderedDict[str, float]":
    out = OrderedDict((k, 0.0) for k in list(_KIND) + ["other"])
    for op in ops:
        out[_kind(op["kernel"])] += op["seconds"] * op["count"]
    return out


def model_breakdown(report: Mapping, path: str) -> None:
    """Saves a PNG: prefill time and one decode step's time (at the last context), stacked by op
    kind, each beside its share; ``report`` is ``Npu.model(...)`` or ``npusim model --json``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    passes = [("prefill", report["prefill_ops"], 1e3, "ms")]
    if report["decode_ops_last_step"]:
        passes.append((f"decode step at context {report['prefill_tokens'] + report['decode_tokens']}",
                       report["decode_ops_last_step"], 1e3, "ms"))
    fig, axes = plt.subplots(len(passes), 1, figsize=(9, 1.9 * len(passes) + 1.2), squeeze=False)
    colors = plt.get_cmap("tab10").colors
    for ax, (label, ops, scale, unit) in zip(axes[:, 0], passes):
        kinds = _by_kind(ops)
        total = sum(kinds.values())
        left = 0.0
        for i, (kind, seconds) in enumerate(kinds.items()):
            if seconds <= 0:
                continue
            ax.barh(0, seconds * scale, left=left, color=colors[i % len(colors)],
                    label=f"{kind} {100 * seconds / total:.1f}%")
            left += seconds * scale
        ax.set_yticks([])
        ax.set_xlabel(f"{label}: {total * scale:.4g} {unit}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.55), ncol=4, fontsize=8, frameon=False)
    title = (f"{report['model']} {report['quant']} on {report['preset']}: prefill {report['prefill_tokens']}, "
             f"decode {report['decode_tokens']} ({report['decode_tokens_per_s']:.3g} tokens/s)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _front(rows, key, better):
    """Rows no other row beats on both latency and `key` (better: +1 higher is better, -1 lower)."""
    def beats(o, r):
        return (o["latency_s"] <= r["latency_s"] and better * o[key] >= better * r[key]
                and (o["latency_s"] < r["latency_s"] or better * o[key] > better * r[key]))
    return sorted((r for r in rows if not any(beats(o, r) for o in rows)), key=lambda r: r["latency_s"])


def pareto(table: Mapping, path: str) -> None:
    """Saves a PNG: each recipe's encoder embedding cosine (and the decoder LM's perplexity, when
    measured) against its simulated latency, with the Pareto front joined (no other recipe both
    faster and more accurate); marker area follows the weight bytes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = table["recipes"]
    panels = [("mean_cosine", "mean cosine to float32 embeddings (all-MiniLM-L6-v2)", 1)]
    if any(r.get("perplexity") for r in rows):
        panels.append(("perplexity", "held-out perplexity per byte (decoder LM)", -1))
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5), squeeze=False)
    wmax = max(r["weight_bytes"] for r in rows)
    for ax, (key, label, better) in zip(axes[0], panels):
        have = [r for r in rows if r.get(key)]
        for r in have:
            ax.scatter(r["latency_s"] * 1e3, r[key], s=40 + 300 * r["weight_bytes"] / wmax, alpha=0.7)
            ax.annotate(r["recipe"], (r["latency_s"] * 1e3, r[key]), fontsize=7, xytext=(4, 4),
                        textcoords="offset points")
        front = _front(have, key, better)
        ax.plot([r["latency_s"] * 1e3 for r in front], [r[key] for r in front], "k--", lw=1, label="Pareto front")
        ax.set_xlabel(f"simulated latency of a {table['tokens']}-token encoder pass on {table['preset']} (ms)")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("accuracy against cost", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    draw, what = model_breakdown, "model report"
    if argv and argv[0] == "pareto":
        draw, what, argv = pareto, "quant-eval table", argv[1:]
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        with open(argv[0]) as f:
            report = json.load(f)
        draw(report, argv[1])
    except (OSError, ValueError, KeyError) as e:
        print(f"npusim.plots: {argv[0]}: not a {what} ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    print(f"wrote {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
