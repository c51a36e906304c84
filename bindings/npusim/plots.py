"""Plots of npusim results (matplotlib). Every function returns the Figure; ``save=PATH`` also
writes it. Off a notebook, matplotlib's Agg backend draws without a display.

    python -m npusim.plots REPORT.json OUT.png          breakdown of `npusim model --save REPORT.json`
    python -m npusim.plots pareto TABLE.json OUT.png    accuracy against latency of
                                                        `npusim quant-eval --save TABLE.json`
    python -m npusim.plots compare TABLE.json OUT.png   deployment targets side by side, from
                                                        `npusim compare ... --save TABLE.json`
"""
from __future__ import annotations

import json
import sys
from collections import OrderedDict
from typing import Any, Mapping, Optional, Sequence, Union

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


# One colour per engine, energy component, op kind and instruction kind, on every plot and preset:
# a name is reduced to its role ("core1.dma0" -> "dma") and the role picks the colour.
_ROLE_COLORS = {
    "dma": "tab:blue", "dma_in": "tab:blue", "dma_out": "tab:cyan", "mac": "tab:orange", "matmul": "tab:orange",
    "vector": "tab:green", "dram": "tab:red", "l1": "tab:purple", "acc": "tab:brown", "shared": "tab:pink",
    "static": "tab:gray", "runtime": "tab:olive", "GEMM": "tab:orange", "attention": "tab:red",
    "KV cache": "tab:brown", "(de)quantize": "tab:purple", "norms": "tab:green", "activations, RoPE": "tab:olive",
    "residual, embedding": "tab:cyan", "other": "tab:gray",
}


def _color(name: str):
    """The colour of an engine, component or kind, the same wherever it appears."""
    import zlib
    role = name.split(".")[-1] if name.startswith("core") else name
    for r in (role, role.rstrip("0123456789")):  # "dma3" is a DMA channel; "l1" is itself
        if r in _ROLE_COLORS:
            return _ROLE_COLORS[r]
    import matplotlib
    return matplotlib.colormaps["tab20"](zlib.crc32(role.encode()) % 20)


def _labels(ax, points, logx: bool = True, logy: bool = True) -> None:
    """Names beside points, each stepped up past the labels already placed near it (within a
    twentieth of the axes' span), so nearby points do not print over each other."""
    import math
    fx = (lambda v: math.log10(v)) if logx else float
    fy = (lambda v: math.log10(v)) if logy else float
    xs = [fx(x) for _, x, _ in points] or [0.0]
    ys = [fy(y) for _, _, y in points] or [0.0]
    dx, dy = (max(xs) - min(xs)) / 20 or 1.0, (max(ys) - min(ys)) / 20 or 1.0
    placed = []
    for name, x, y in sorted(points, key=lambda p: (fx(p[1]), fy(p[2]))):
        near = sum(1 for px, py in placed if abs(px - fx(x)) < dx and abs(py - fy(y)) < dy)
        placed.append((fx(x), fy(y)))
        ax.annotate(name, (x, y), fontsize=6, xytext=(3, 3 + 7 * near), textcoords="offset points")


def _pyplot():
    import matplotlib
    if "ipykernel" not in sys.modules and "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _data(x: Any) -> Mapping:
    return x.to_dict() if hasattr(x, "to_dict") else x


def _done(fig, save: Optional[str]):
    fig.tight_layout()
    if save:
        fig.savefig(save, dpi=120)
    return fig


def _kind(kernel: str) -> str:
    for kind, kernels in _KIND.items():
        if kernel in kernels:
            return kind
    return "other"


def _sum_by(ops, key) -> "OrderedDict[str, float]":
    out: "OrderedDict[str, float]" = OrderedDict()
    for op in ops:
        for name, v in key(op):
            out[name] = out.get(name, 0.0) + v * op.get("count", 1)
    return out


def _stacked(ax, parts: Mapping[str, float], scale: float, unit: str, label: str) -> None:
    total = sum(parts.values())
    left = 0.0
    for name, v in parts.items():
        if v <= 0:
            continue
        ax.barh(0, v * scale, left=left, color=_color(name), edgecolor="white", linewidth=0.6,
                label=f"{name} {100 * v / total:.1f}%")
        left += v * scale
    ax.set_yticks([])
    ax.set_xlabel(f"{label}: {total * scale:.4g} {unit}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6), ncol=3, fontsize=7, frameon=False)


def breakdown(result: Any, save: Optional[str] = None):
    """Where time and energy go. For a model run (``Npu.model``, or ``npusim model --json``): rows
    for the prefill and one decode step at the last context; columns for the time by op kind
    (GEMM, attention, norms, ...), the energy by component (MAC array, vector unit, SRAM levels,
    DRAM, static) and each engine's busy time (engines overlap, so busy times can sum past the
    wall time). For a kernel ``Result``: one row, its energy by component and engine busy time."""
    plt = _pyplot()
    d = _data(result)
    # The vendor runtime's time per row, beside the ops (the ops' times are each op run alone; in a
    # graph the runtime also hides some of each op's fill, `*_overlap_s`).
    runtime = {}
    if "prefill_ops" in d:
        rows = [("prefill", d["prefill_ops"])]
        runtime["prefill"] = d.get("prefill_runtime_s", 0)
        if d.get("decode_ops_last_step"):
            label = f"decode step at context {d['prefill_tokens'] + d['decode_tokens']}"
            rows.append((label, d["decode_ops_last_step"]))
            runtime[label] = d.get("decode_runtime_s_last", 0)
        title = (f"{d['model']} {d['quant']} on {d['preset']}: prefill {d['prefill_tokens']}, "
                 f"decode {d['decode_tokens']} ({d['decode_tokens_per_s']:.3g} tokens/s)")
    else:
        op = {"kernel": d["program"], "count": 1, "seconds": d["seconds"],
              "energy_j_by_component": d["energy_j_by_component"],
              "engine_busy_s": {e["name"]: e["busy_cycles"] * d["seconds"] / max(d["cycles"], 1)
                                for e in d["engines"]}}
        rows = [(d["program"], [op])]
        title = f"{d['program']} on {d['preset']}: {d['cycles']} cycles"
    with_kinds = "prefill_ops" in d
    ncols = 3 if with_kinds else 2
    fig, axes = plt.subplots(len(rows), ncols, figsize=(5 * ncols, 2.3 * len(rows) + 1), squeeze=False)
    for r, (label, ops) in enumerate(rows):
        panels = []
        if with_kinds:
            kinds = OrderedDict((k, 0.0) for k in list(_KIND) + ["other"])
            kinds.update(_sum_by(ops, lambda o: [(_kind(o["kernel"]), o["seconds"])]))
            if runtime.get(label):
                kinds["runtime"] = runtime[label]
            panels.append((kinds, 1e3, "ms", f"{label} time"))
        panels.append((_sum_by(ops, lambda o: o.get("energy_j_by_component", {}).items()), 1e3, "mJ",
                       f"{label} energy"))
        panels.append((_sum_by(ops, lambda o: o.get("engine_busy_s", {}).items()), 1e3, "ms",
                       f"{label} engine busy"))
        for c, (parts, scale, unit, what) in enumerate(panels):
            _stacked(axes[r, c], parts, scale, unit, what)
    fig.suptitle(title, fontsize=10)
    return _done(fig, save)


def _points(items: Any) -> list:
    """(label, MACs, DRAM bytes, seconds, precision) for each kernel result or model op."""
    d = _data(items) if not isinstance(items, (list, tuple)) else None
    if d is not None and "prefill_ops" in d:
        ops = [dict(o, name="prefill " + o["name"]) for o in d["prefill_ops"]]
        ops += [dict(o, name="decode " + o["name"]) for o in d.get("decode_ops_last_step") or []]
        return [(o["name"], o["mac_ops"], o["dram_bytes"], o["seconds"], _precision(o["kernel"])) for o in ops]
    out = []
    for it in items if d is None else [items]:
        x = _data(it)
        if "mac_ops_by_type" in x:
            prec = max(x["mac_ops_by_type"], key=x["mac_ops_by_type"].get) if x["mac_ops_by_type"] else "int8"
            out.append((x["program"], x["mac_ops"], x["dram_bytes_read"] + x["dram_bytes_written"], x["seconds"],
                        prec))
        else:
            out.append((x["name"], x["mac_ops"], x["dram_bytes"], x["seconds"], _precision(x["kernel"])))
    return out


def _precision(kernel: str) -> str:
    return "int4" if "w4" in kernel else ("fp16" if "a16" in kernel else "int8")


def roofline(items: Any, npu: Any, save: Optional[str] = None, min_macs: int = 1):
    """The roofline of ``npu`` (an ``Npu`` or preset name) with kernels or ops placed on it: x is
    the arithmetic intensity (MACs per DRAM byte), y the achieved MACs per second. ``items`` is a
    list of kernel ``Result``s, or a model run (each of its prefill and decode ops). The roofs are
    the MAC array's int8, int4 and fp16 peaks and the DRAM bandwidth (bytes/cycle x clock x
    efficiency); no point lies above them. Ops without MACs (below ``min_macs``) are left out."""
    from .npu import Npu
    plt = _pyplot()
    npu = npu if isinstance(npu, Npu) else Npu(npu)
    pts = [p for p in _points(items) if p[1] >= min_macs and p[2] > 0 and p[3] > 0]
    bw = npu.dram_bytes_per_s()
    peaks = {t: npu.peak_macs_per_s(t) for t in ("int4", "int8", "fp16")}
    fig, ax = plt.subplots(figsize=(7.5, 5))
    xs = [p[1] / p[2] for p in pts] or [1.0]
    lo, hi = min(xs + [peaks["fp16"] / bw]) / 4, max(xs + [peaks["int4"] / bw]) * 4
    colors = {"int4": "tab:purple", "int8": "tab:blue", "fp16": "tab:orange"}
    for t, peak in peaks.items():
        ax.plot([lo, peak / bw, hi], [lo * bw, peak, peak], color=colors[t], lw=1.2,
                label=f"{t} roof {peak / 1e12:.3g} TMAC/s")
    for name, macs, dram, sec, prec in pts:
        ax.scatter(macs / dram, macs / sec, color=colors.get(prec, "k"), s=24, zorder=3)
    if len(pts) <= 24:
        _labels(ax, [(name, macs / dram, macs / sec) for name, macs, dram, sec, _ in pts])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (MACs per DRAM byte)")
    ax.set_ylabel("achieved MACs per second")
    ax.set_title(f"roofline of {npu.name}: DRAM {bw / 1e9:.3g} GB/s", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.2)
    return _done(fig, save)


def timeline(trace: Union[str, Mapping, Any], save: Optional[str] = None, max_events: int = 20000):
    """A Gantt chart of a simulation trace: one lane per engine (DMA channels, MAC array, vector
    unit, per core), a bar per instruction. ``trace`` is a ``Result`` made with ``trace=True``, a
    trace dict, or the path of a trace file (``--trace``). Instructions are coloured by kind (DMA
    in, DMA out, matmul, vector ops)."""
    plt = _pyplot()
    if isinstance(trace, str):
        with open(trace) as f:
            trace = json.load(f)
    elif hasattr(trace, "trace"):
        if trace.trace is None:
            raise ValueError("this Result has no trace: simulate with trace=True")
        trace = trace.trace
    events = trace["traceEvents"] if isinstance(trace, Mapping) else trace
    procs = {e["pid"]: e["args"]["name"] for e in events if e.get("ph") == "M" and e["name"] == "process_name"}
    lanes = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e["name"] == "thread_name"}
    bars = [e for e in events if e.get("ph") == "X"][:max_events]
    keys = sorted({(e["pid"], e.get("tid", 0)) for e in bars})
    row = {k: i for i, k in enumerate(keys)}
    kinds: "OrderedDict[str, Any]" = OrderedDict()
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(keys) + 1.5))
    for e in bars:
        kind = e["name"].split()[0]
        color = kinds.setdefault(kind, _color(kind))
        ax.barh(row[(e["pid"], e.get("tid", 0))], e["dur"], left=e["ts"], color=color, height=0.7)
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels([f"{procs.get(p, p)} {lanes.get((p, t), t)}" if len(procs) > 1 else lanes.get((p, t), t)
                        for p, t in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time (µs)")
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in kinds.values()], labels=list(kinds),
              fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(keys) < 6 else -0.1),
              ncol=min(6, len(kinds)), frameon=False)
    return _done(fig, save)


def heatmap(df: Any, x: str, y: str, value: str = "cycles", save: Optional[str] = None, best: str = "min",
            fmt: str = "{:.3g}"):
    """A heat map of a sweep's DataFrame (``npusim.sweep``): ``value`` for each (``x``, ``y``)
    pair, the best cell (``best="min"`` or ``"max"``) outlined. Failed points (NaN) stay blank;
    several rows per cell (other swept knobs) take the best of them."""
    import numpy as np
    if value not in df.columns or df[value].isna().all():
        errors = df["error"].dropna().unique().tolist() if "error" in df.columns else []
        raise ValueError(f"heatmap: no point of the sweep has a {value!r} to draw"
                         + (f"; every point failed, e.g. {errors[0]}" if errors else
                            f" (columns: {', '.join(map(str, df.columns))})"))
    plt = _pyplot()
    agg = "min" if best == "min" else "max"
    table = df.pivot_table(index=y, columns=x, values=value, aggfunc=agg)
    fig, ax = plt.subplots(figsize=(1.0 * len(table.columns) + 2.5, 0.6 * len(table.index) + 1.8))
    data = table.to_numpy(dtype=float)
    im = ax.imshow(data, cmap="viridis_r" if best == "min" else "viridis", aspect="auto")
    ax.set_xticks(range(len(table.columns)))
    ax.set_xticklabels(table.columns)
    ax.set_yticks(range(len(table.index)))
    ax.set_yticklabels(table.index)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if not np.isnan(data[i, j]):
                r, g, b, _ = im.cmap(im.norm(data[i, j]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # light text on dark cells only
                ax.text(j, i, fmt.format(data[i, j]), ha="center", va="center", fontsize=7,
                        color="w" if dark else "k")
    if np.isfinite(data).any():
        i, j = np.unravel_index(np.nanargmin(data) if best == "min" else np.nanargmax(data), data.shape)
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=2))
        ax.set_title(f"{value}: best {fmt.format(data[i, j])} at {x}={table.columns[j]}, {y}={table.index[i]}",
                     fontsize=9)
    fig.colorbar(im, ax=ax, label=value)
    return _done(fig, save)


def _front(rows, key, better):
    """Rows no other row beats on both latency and `key` (better: +1 higher is better, -1 lower)."""
    def beats(o, r):
        return (o["latency_s"] <= r["latency_s"] and better * o[key] >= better * r[key]
                and (o["latency_s"] < r["latency_s"] or better * o[key] > better * r[key]))
    return sorted((r for r in rows if not any(beats(o, r) for o in rows)), key=lambda r: r["latency_s"])


def pareto(table: Any, save: Optional[str] = None):
    """Accuracy against cost of a ``npusim.quant_eval`` table (or ``quant-eval --save`` JSON): each
    recipe's encoder embedding cosine (and the decoder LM's perplexity, when measured) against its
    simulated latency, with the Pareto front joined (no other recipe both faster and more
    accurate); marker area follows the weight bytes. A budget search (``budget_ms``) also draws
    the budget, rings the recipe it picked and marks the latency of each candidate over budget
    (dotted: not measured)."""
    plt = _pyplot()
    table = _data(table)
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
        _labels(ax, [(r["recipe"], r["latency_s"] * 1e3, r[key]) for r in have], logx=False, logy=False)
        front = _front(have, key, better)
        ax.plot([r["latency_s"] * 1e3 for r in front], [r[key] for r in front], "k--", lw=1, label="Pareto front")
        if table.get("budget_s"):  # a mixed-precision search: its budget and its pick
            ax.axvline(table["budget_s"] * 1e3, color="tab:red", lw=1, label="latency budget")
            best = [r for r in have if r["recipe"] == table.get("best")]
            ax.scatter([r["latency_s"] * 1e3 for r in best], [r[key] for r in best], s=220, facecolors="none",
                       edgecolors="tab:red", lw=2, label="best within budget")
            for r in table.get("over_budget", []):
                ax.axvline(r["latency_s"] * 1e3, color="0.8", lw=0.8, ls=":")
        ax.set_xlabel(f"simulated latency of a {table['tokens']}-token encoder pass on {table['preset']} (ms)")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("accuracy against cost", fontsize=10)
    return _done(fig, save)


def fidelity(rows: Any, save: Optional[str] = None, band: float = 1.3):
    """Predicted against measured, log-log, one panel per metric: every measured value as
    simulated by the spec preset (hollow) and by the calibrated one (filled), and each row as
    predicted by a fit made without it (x), with the 1:1 line and the ``band`` x band around it.
    ``rows``: a DataFrame or records with columns chip, metric, measured, before, after, loo (the
    rows of ``npusim.calibrate`` results, a chip column added)."""
    plt = _pyplot()
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    metrics = list(OrderedDict.fromkeys(r["metric"] for r in records))
    chips = list(OrderedDict.fromkeys(r["chip"] for r in records))
    colors = {c: plt.cm.tab10(i % 10) for i, c in enumerate(chips)}
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 4.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        have = [r for r in records if r["metric"] == metric]
        values = [v for r in have for v in (r["measured"], r["before"], r["after"], r.get("loo")) if v and v == v]
        lo, hi = min(values) / 1.6, max(values) * 1.6
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax.fill_between([lo, hi], [lo / band, hi / band], [lo * band, hi * band], color="0.9",
                        label=f"within {band:g}x")
        for r in have:
            c = colors[r["chip"]]
            ax.scatter(r["measured"], r["before"], facecolors="none", edgecolors=[c], s=36)
            ax.scatter(r["measured"], r["after"], color=c, s=36, label=r["chip"])
            if r.get("loo") and r["loo"] == r["loo"]:
                ax.scatter(r["measured"], r["loo"], color=c, marker="x", s=30)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"measured {metric}")
        ax.set_ylabel(f"simulated {metric}")
        handles, labels = ax.get_legend_handles_labels()
        unique = OrderedDict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left")
    fig.suptitle("npusim against the chips: hollow = spec preset, filled = calibrated, x = leave-one-out",
                 fontsize=9)
    return _done(fig, save)


def compare(table: Any, save: Optional[str] = None):
    """Deployment targets side by side (``npusim.compare``, or ``npusim compare --save`` JSON): time
    to first token warm and from a cold start, decode tokens/s burst and sustained, energy per
    generated token, peak memory, and the recipe's accuracy where a quant-eval table gave it."""
    plt = _pyplot()
    targets = _data(table)["targets"]
    names = [t["target"] for t in targets]
    panels = [("first token (s)", [("warm", "ttft_s"), ("cold", "cold_ttft_s")]),
              ("decode (tokens/s)", [("burst", "decode_tokens_per_s"), ("sustained", "sustained_tokens_per_s")]),
              ("energy per generated token (mJ)", [("", "decode_energy_per_token_j")]),
              ("peak memory (GB)", [("", "peak_memory_bytes")])]
    if any(t.get("mean_cosine") for t in targets):
        panels.append(("embedding cosine (all-MiniLM-L6-v2, proxy)", [("", "mean_cosine")]))
    scale = {"decode_energy_per_token_j": 1e3, "peak_memory_bytes": 1e-9}
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 4.2), squeeze=False)
    x = list(range(len(targets)))
    for ax, (title, series) in zip(axes[0], panels):
        width = 0.8 / len(series)
        for i, (label, key) in enumerate(series):
            values = [(t.get(key) or 0) * scale.get(key, 1) for t in targets]
            ax.bar([v + (i - (len(series) - 1) / 2) * width for v in x], values, width, label=label or None)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
        if len(series) > 1:
            ax.legend(fontsize=7)
    fig.suptitle("deployment targets", fontsize=10)
    fig.tight_layout()
    return _done(fig, save)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    draw, what = breakdown, "model report"
    if argv and argv[0] == "pareto":
        draw, what, argv = pareto, "quant-eval table", argv[1:]
    elif argv and argv[0] == "compare":
        draw, what, argv = compare, "compare table", argv[1:]
    if len(argv) != 2 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        with open(argv[0]) as f:
            report = json.load(f)
        _pyplot().close(draw(report, save=argv[1]))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"npusim.plots: {argv[0]}: not a {what} ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    print(f"wrote {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
