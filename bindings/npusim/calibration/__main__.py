"""npusim calibrate: the command line of npusim.calibrate (also `python -m npusim.calibration`)."""
from __future__ import annotations

import argparse
import json
import os
import sys

USAGE = "npusim calibrate PRESET [options]"
DESCRIPTION = """Fits a preset's assumed parameters to measurements of the real chip: bounded least squares of
the log ratios simulated / measured (TTFT, decode tokens/s, kernel latency) over the rows, each
parameter within its physical bounds (`npusim info params`), evaluated on parallel worker
processes. Prints a report (per row: measured, simulated before and after, leave-one-out) and
writes the calibrated preset, which inherits PRESET (`base:`) and gives the fitted values with
their bounds, rows and date. A value pinned at a bound is flagged: a mechanism is missing.

examples:
  npusim calibrate rk3588 --rows R1,R2,R3
  npusim calibrate rk3588 --rows R1,R2,R3 --params dram.efficiency,runtime.op_dispatch_us \\
      --bounds dram.efficiency=0.5:0.9 --out my_rk3588.yaml
  npusim calibrate my_chip.yaml --measurements my_rows.csv"""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="npusim calibrate", usage=USAGE, description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("preset", help="the preset to calibrate: a name (`npusim info presets`) or a .yaml file")
    p.add_argument("--measurements", action="append", default=[], metavar="CSV",
                   help="a measurement file (repeatable; default: the public measurements npusim ships, "
                        "validation/measurements/models.csv and kernels.csv)")
    p.add_argument("--rows", default="", help="comma-separated row ids (default: every row of the preset's chip)")
    p.add_argument("--params", default="",
                   help="comma-separated parameters to fit (default: the assumed, fittable ones the rows inform)")
    p.add_argument("--bounds", action="append", default=[], metavar="KEY=LO:HI",
                   help="narrow a parameter's physical bounds (repeatable)")
    p.add_argument("--name", default="", help="the calibrated preset's name (default: CHIP@RUNTIME-RELEASE)")
    p.add_argument("--out", default="", help="where to write the calibrated preset (default: ./NAME.yaml)")
    p.add_argument("--report", default="", help="also write the report as Markdown to this file")
    p.add_argument("--json", default="", help="also write the rows, parameters and summary as JSON to this file")
    p.add_argument("--no-loo", action="store_true", help="skip leave-one-out (one fit instead of one per row)")
    p.add_argument("--workers", type=int, default=0, help="worker processes (default: the machine's cores)")
    p.add_argument("--max-iterations", type=int, default=30, help="solver evaluations per fit (default 30)")
    return p.parse_args(argv)


def bounds_of(items) -> dict:
    out = {}
    for item in items:
        key, _, span = item.partition("=")
        lo, _, hi = span.partition(":")
        try:
            out[key] = (float(lo), float(hi))
        except ValueError:
            raise SystemExit(f"npusim calibrate: --bounds {item!r}: expected KEY=LO:HI with numbers") from None
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    import npusim

    try:
        c = npusim.calibrate(args.preset, measurements=args.measurements or None,
                             rows=[r for r in args.rows.split(",") if r] or None,
                             params=[p for p in args.params.split(",") if p] or None,
                             bounds=bounds_of(args.bounds), name=args.name or None,
                             leave_one_out=not args.no_loo, workers=args.workers,
                             max_iterations=args.max_iterations, progress=True)
    except npusim.UserError as e:
        print(f"npusim calibrate: error: {e}", file=sys.stderr)
        return 1
    report = c.markdown()
    print(report)
    out = args.out or f"{c.name}.yaml"
    c.write(out)
    print(f"wrote {out}", file=sys.stderr)
    if args.report:
        with open(args.report + ".tmp", "w") as f:
            f.write(report)
        os.replace(args.report + ".tmp", args.report)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"rows": c.rows.to_dict("records"), "params": c.params.to_dict("records"),
                       "summary": c.summary}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
