"""Every row of validation/measurements/ against npusim: each whole-model row's time to first
token and decode rate, and each single-MatMul row's latency, simulated on the row's chip preset,
with the ratio simulated / measured (1 is perfect; above 1, npusim is slower).

    .venv/bin/python validation/compare.py                      # every row, a Markdown table
    .venv/bin/python validation/compare.py --rows R1,Q1 --json out/compare.json
    .venv/bin/python validation/compare.py --preset hexagon_8elite=hexagon_8gen3 \\
        --set hexagon_8elite:dram.bytes_per_cycle=113.07        # a stand-in preset for a chip
    .venv/bin/python validation/compare.py --before validation/baseline-d2cf044.json --write  # before/after, into docs/validation.md

A runtime's recipe name is mapped onto the npusim recipe that computes the same arithmetic
(RUNTIME_RECIPES; docs/quantization.md explains each). Presets come from specifications; nothing
here fits them.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MEASUREMENTS = os.path.join(HERE, "measurements")
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import doc_sections  # noqa: E402  (the docs' generated sections, bench/doc_sections.py)

# (runtime family, the runtime's recipe name) -> npusim recipe with the same arithmetic.
RUNTIME_RECIPES = {
    ("RKLLM", "w8a8"): "w8a8",                      # int8 weights per channel, int8 activations
    ("RKLLM", "w4a16"): "w4a16-per-channel",        # int4 weights per channel, fp16 activations
    ("QNN", "w4a16"): "w4a16i",                     # int4 weights, 16-bit integer activations (A16W4)
}
# Decode tokens simulated when a row does not say how many it generated.
DEFAULT_NEW_TOKENS = 64


def runtime_family(runtime: str) -> str:
    for family in ("RKLLM", "QNN"):
        if family in runtime:
            return family
    return runtime


def npusim_recipe(row: dict) -> str:
    key = (runtime_family(row["runtime"]), row["runtime_recipe"])
    if key not in RUNTIME_RECIPES:
        raise SystemExit(f"validation/measurements/models.csv row {row['id']}: no npusim recipe is known for "
                         f"{key[0]}'s '{key[1]}' (known: {sorted(RUNTIME_RECIPES)})")
    return RUNTIME_RECIPES[key]


def read_rows(name: str) -> list:
    with open(os.path.join(MEASUREMENTS, name), newline="") as f:
        return list(csv.DictReader(f))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="", help="comma-separated row ids (default: every row)")
    p.add_argument("--preset", action="append", default=[], metavar="CHIP=PRESET",
                   help="simulate CHIP's rows on PRESET (default: the preset named like the chip)")
    p.add_argument("--set", action="append", default=[], metavar="CHIP:KEY=VALUE",
                   help="override one parameter of CHIP's preset, e.g. rk3588:dram.efficiency=0.7")
    p.add_argument("--recipe", action="append", default=[], metavar="RUNTIME:NAME=RECIPE",
                   help="simulate a runtime's recipe NAME with another npusim recipe, e.g. QNN:w4a16=w4a16")
    p.add_argument("--json", default="", help="also write the rows as JSON to this file")
    p.add_argument("--before", default="", help="a JSON file an earlier run wrote (--json): print it beside this run")
    p.add_argument("--write", action="store_true", help="also put the table into docs/validation.md")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import npusim

    presets, overrides = {}, {}
    for item in args.preset:
        chip, _, preset = item.partition("=")
        if not chip or not preset:
            raise SystemExit(f"--preset {item!r}: expected CHIP=PRESET")
        presets[chip] = preset
    for item in args.set:
        chip, _, kv = item.partition(":")
        key, _, value = kv.partition("=")
        if not chip or not key or not value:
            raise SystemExit(f"--set {item!r}: expected CHIP:KEY=VALUE")
        overrides.setdefault(chip, {})[key.replace(".", "__")] = value
    for item in args.recipe:
        runtime, _, rest = item.partition(":")
        name, _, recipe = rest.partition("=")
        if not runtime or not name or not recipe:
            raise SystemExit(f"--recipe {item!r}: expected RUNTIME:NAME=RECIPE")
        RUNTIME_RECIPES[(runtime, name)] = recipe
    wanted = {r for r in args.rows.split(",") if r}
    models, kernels = read_rows("models.csv"), read_rows("kernels.csv")
    known = {r["id"] for r in models + kernels}
    if wanted - known:
        raise SystemExit(f"--rows: unknown row ids {sorted(wanted - known)} (known: {sorted(known)})")
    npus = {}

    def npu_of(chip):
        if chip not in npus:
            npus[chip] = npusim.Npu(presets.get(chip, chip), **overrides.get(chip, {}))
        return npus[chip]

    out = []
    started = time.time()
    for row in models:
        if wanted and row["id"] not in wanted:
            continue
        recipe = npusim_recipe(row)
        npu = npu_of(row["chip"])
        new = int(row["new_tokens"]) if row["new_tokens"] else DEFAULT_NEW_TOKENS
        print(f"{row['id']}: {row['model']} {recipe} on {npu.name} ...", file=sys.stderr, flush=True)
        what = {"id": row["id"], "chip": row["chip"], "preset": npu.name, "what": f"{row['model']} {recipe}"}
        try:
            r = npu.model(row["model"], quant=recipe, prefill=int(row["prompt_tokens"]), decode=new)
            ttft, rate, error = r.ttft_s * 1e3, r.decode_tokens_per_s, ""
        except npusim.UserError as e:  # a row npusim cannot run is reported, not skipped
            ttft, rate, error = None, None, str(e)
        out.append({**what, "metric": "TTFT ms", "measured": float(row["ttft_ms"]), "simulated": ttft,
                    "error": error})
        if row["decode_tokens_per_s"]:
            out.append({**what, "metric": "decode tokens/s", "measured": float(row["decode_tokens_per_s"]),
                        "simulated": rate, "error": error})
    for row in kernels:
        if wanted and row["id"] not in wanted:
            continue
        if row["op"] != "matmul" or row["precision"] != "int8":
            raise SystemExit(f"validation/measurements/kernels.csv row {row['id']}: only int8 matmul rows are "
                             f"simulated, got {row['op']} {row['precision']}")
        npu = npu_of(row["chip"])
        m, n, k = int(row["m"]), int(row["n"]), int(row["k"])
        print(f"{row['id']}: gemm_w8a8 {m}x{n}x{k} on {npu.name} ...", file=sys.stderr, flush=True)
        try:
            ms, error = npu.kernel("gemm_w8a8", m=m, n=n, k=k).single_op_graph_s * 1e3, ""
        except npusim.UserError as e:
            ms, error = None, str(e)
        out.append({"id": row["id"], "chip": row["chip"], "preset": npu.name, "what": f"int8 matmul {m}x{k} by {k}x{n}",
                    "metric": "latency ms", "measured": float(row["latency_ms"]), "simulated": ms, "error": error})
    for o in out:
        # Time metrics: simulated / measured; a rate: measured / simulated. Above 1: npusim is slow.
        if o["simulated"] is None:
            o["slowdown"] = None
        elif o["metric"] == "decode tokens/s":
            o["slowdown"] = o["measured"] / o["simulated"]
        else:
            o["slowdown"] = o["simulated"] / o["measured"]
    print(f"{len(out)} figures in {time.time() - started:.0f} s", file=sys.stderr)
    before = {}
    if args.before:
        with open(args.before) as f:
            before = {(b["id"], b["metric"]): b for b in json.load(f)}

    def cells(o):
        if o is None:
            return ["-", "-"]
        if o["simulated"] is None:
            return ["error: " + o["error"].split(":")[0], "-"]
        return [f"{o['simulated']:.4g}", f"{o['slowdown']:.2f}"]

    lines = []
    head = ["row", "chip", "preset", "model or op", "metric", "measured"]
    if before:
        head += ["before", "before / measured"]
    head += ["npusim", "npusim / measured time"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * 5 + "---:|" * (len(head) - 5))
    for o in out:
        row = [o["id"], o["chip"], o["preset"], o["what"], o["metric"], f"{o['measured']:.4g}"]
        if before:
            row += cells(before.get((o["id"], o["metric"])))
        lines.append("| " + " | ".join(row + cells(o)) + " |")
    print("\n".join(lines))
    if args.write:
        path = os.path.join(HERE, "..", "docs", "validation.md")
        doc_sections.replace_section(path, "validation/compare.py", "\n".join(lines))
        print(f"wrote {os.path.normpath(path)}", file=sys.stderr)
    errors = [o for o in out if o["error"]]
    for o in errors:
        print(f"{o['id']} {o['metric']}: {o['error']}", file=sys.stderr)
    if args.json:
        doc_sections.write_whole(args.json, json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
