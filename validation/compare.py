"""Every row of validation/measurements/ against npusim: each whole-model row's time to first
token and decode rate, and each single-MatMul row's latency, simulated on the row's chip preset,
with the ratio simulated / measured (1 is perfect; above 1, npusim is slower).

    .venv/bin/python validation/compare.py                      # every row, a Markdown table
    .venv/bin/python validation/compare.py --rows R1,Q1 --json out/compare.json
    .venv/bin/python validation/compare.py --preset hexagon_8elite=hexagon_8gen3 \\
        --set hexagon_8elite:dram.bytes_per_cycle=113.07        # a stand-in preset for a chip
    .venv/bin/python validation/compare.py --before validation/baseline-d2cf044.json --write  # before/after, into docs/validation.md

A runtime's recipe name is mapped onto the npusim recipe that computes the same arithmetic
(npusim.calibration.measurements.RUNTIME_RECIPES; docs/quantization.md explains each). This script
only simulates; `npusim calibrate` and `make fidelity` fit presets to the rows.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MEASUREMENTS = os.path.join(HERE, "measurements")
sys.path.insert(0, os.path.join(HERE, "..", "bench"))
import doc_sections  # noqa: E402  (the docs' generated sections, bench/doc_sections.py)


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

    from npusim.calibration.evaluate import simulate_row
    from npusim.calibration.fit import log_ratio
    from npusim.calibration.measurements import METRICS, read_measurements

    presets, overrides, recipes = {}, {}, {}
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
        overrides.setdefault(chip, []).append((key, value))
    for item in args.recipe:
        runtime, _, rest = item.partition(":")
        name, _, recipe = rest.partition("=")
        if not runtime or not name or not recipe:
            raise SystemExit(f"--recipe {item!r}: expected RUNTIME:NAME=RECIPE")
        recipes[(runtime, name)] = recipe
    wanted = {r for r in args.rows.split(",") if r}
    rows = [r for f in ("models.csv", "kernels.csv")
            for r in read_measurements(os.path.join(MEASUREMENTS, f), recipes)]
    known = {r.id for r in rows}
    if wanted - known:
        raise SystemExit(f"--rows: unknown row ids {sorted(wanted - known)} (known: {sorted(known)})")
    out = []
    started = time.time()
    for row in rows:
        if wanted and row.id not in wanted:
            continue
        preset = presets.get(row.chip, row.chip)
        print(f"{row.id}: {row.label()} on {preset} ...", file=sys.stderr, flush=True)
        sim = simulate_row(preset, tuple(overrides.get(row.chip, [])), row)
        for metric, measured in row.metrics.items():
            # A row npusim cannot run is reported, not skipped. The slowdown is simulated time over
            # measured time (a rate inverted): above 1, npusim is slow.
            simulated = sim.get(metric)
            out.append({"id": row.id, "chip": row.chip, "preset": preset, "what": row.label(),
                        "metric": METRICS[metric][0], "measured": measured, "simulated": simulated,
                        "error": sim.get("error", ""),
                        "slowdown": None if simulated is None else math.exp(log_ratio(metric, simulated, measured))})
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
