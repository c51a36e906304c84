"""Calibrating a preset against measurements of the real chip.

    >>> import npusim
    >>> c = npusim.calibrate("rk3588", rows=["R1", "R2", "R3"])
    >>> c.rows        # per row and metric: measured, simulated before and after, leave-one-out
    >>> c.params      # per parameter: spec value, fitted value, bounds, pinned
    >>> c.write("configs/npu/rk3588@rkllm-1.3.0.yaml")

The fit minimises the squared log ratios simulated / measured over every row and metric, within
each parameter's physical bounds (``npusim info params``), with SciPy's bounded least squares.
One parameter set per chip and runtime release: the rows must share one runtime, and nothing is
fitted per model or per row. The calibrated preset inherits the one calibrated (``base:``) and
gives only the fitted values, each with its bounds, rows and date. A value pinned at its bound is
flagged: the simulator lacks a mechanism the chip has. ``docs/calibration.md`` walks through it.
"""
from __future__ import annotations

import math
import os
import statistics
import sys
import time

import numpy as np

from .._npusim import param_specs, preset_entries
from .evaluate import Evaluator
from .fit import CalibrationError, Param, fit, log_ratio, pinned, point, sensitivity
from .measurements import METRICS, MeasurementError, default_measurement_files, read_measurements, runtime_release

__all__ = ["calibrate", "Calibration", "CalibrationError", "MeasurementError", "read_measurements", "error_of"]


def error_of(ratio: float) -> float:
    """The error of a simulated / measured ratio, symmetric in its direction: 1.3 and 1/1.3 both
    read 0.3."""
    return math.exp(abs(math.log(ratio))) - 1


class Calibration:
    """The outcome of ``calibrate``: DataFrames ``rows`` and ``params``, a ``summary`` dict, the
    calibrated preset's YAML text (``preset_text``) and ``write(path)``."""

    def __init__(self, name, base, rows, params, summary, preset_text):
        self.name, self.base = name, base
        self.rows, self.params, self.summary = rows, params, summary
        self.preset_text = preset_text

    def write(self, path: str) -> str:
        """Writes the calibrated preset (whole, or not at all)."""
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.preset_text)
        os.replace(tmp, path)
        return path

    def markdown(self) -> str:
        from .report import markdown

        return markdown(self)

    def __repr__(self):
        s = self.summary
        return (f"Calibration({self.name}: {len(self.params)} parameters on {s['rows']} rows, rms log error "
                f"{s['rms_log_before']:.3f} -> {s['rms_log_after']:.3f}, {s['evaluations']} evaluations in "
                f"{s['wall_s']:.0f} s)")


def tidy(p: Param, value: float) -> float:
    """A fitted value as the preset states it: 4 significant digits, or the bound it is pinned at."""
    side = pinned(p, value)
    if side:
        return p.lo if side == "lower" else p.hi
    return float(f"{value:.4g}")


def _chip(preset: str) -> str:
    return os.path.basename(preset).removesuffix(".yaml").split("@")[0]


def _select_rows(preset: str, files, ids) -> list:
    files = [files] if isinstance(files, str) else list(files or default_measurement_files())
    if not files:
        raise MeasurementError("no measurement file given and none shipped (validation/measurements/)")
    rows = [r for f in files for r in read_measurements(f)]
    by_id = {r.id: r for r in rows}
    if ids:
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise MeasurementError(f"row id(s) {', '.join(unknown)} are in none of {', '.join(files)} (known: "
                                   f"{', '.join(sorted(by_id))})")
        rows = [by_id[i] for i in ids]
        other = [r for r in rows if r.chip != _chip(preset)]
        if other:
            raise MeasurementError(f"{other[0].where}: row {other[0].id} measures chip {other[0].chip!r}, not "
                                   f"{_chip(preset)!r} (the preset calibrated)")
    else:
        rows = [r for r in rows if r.chip == _chip(preset)]
        if not rows:
            raise MeasurementError(f"no row of {', '.join(files)} measures chip {_chip(preset)!r}")
    runtimes = sorted({r.runtime for r in rows})
    if len(runtimes) > 1:
        raise MeasurementError(
            "the rows span runtime releases " + "; ".join(
                f"{rt} ({', '.join(r.id for r in rows if r.runtime == rt)})" for rt in runtimes) +
            ": one parameter set per chip and runtime release, so choose the rows of one (--rows, rows=)")
    return rows


def _params(preset: str, entries: dict, keys, bounds: dict) -> list:
    specs = {s["key"]: s for s in param_specs()}
    for key in list(keys or []) + list(bounds):
        if key not in specs:
            raise CalibrationError(f"parameter {key!r} does not exist (see `npusim info params`)")
        if not specs[key]["fittable"]:
            fittable = ", ".join(k for k, s in specs.items() if s["fittable"])
            raise CalibrationError(f"parameter {key!r} is not fittable: it is a design fact or an integer "
                                   f"(fittable: {fittable})")
    out = []
    for key in keys if keys else [k for k, s in specs.items() if s["fittable"]]:
        s = specs[key]
        lo, hi = bounds.get(key, (s["fit_min"], s["fit_max"]))
        if not lo < hi:
            raise CalibrationError(f"bounds of {key}: {lo} is not below {hi}")
        if lo < s["min"] or hi > s["max"]:
            raise CalibrationError(f"bounds of {key}: [{lo}, {hi}] leave the parameter's range [{s['min']}, "
                                   f"{s['max']}]")
        spec = float(entries[key]["value"])
        p = Param(key, spec, float(lo), float(hi), s["fit_why"] if key not in bounds else "given",
                  entries[key]["provenance"])
        if not lo <= spec <= hi:
            if keys:
                raise CalibrationError(f"bounds of {key}: [{lo:g}, {hi:g}] exclude the spec value {spec:g} "
                                       f"({entries[key]['where']})")
            continue  # by default, only values inside their bounds (0 = "no such path" is not a rate)
        if keys or p.provenance == "assumed":
            out.append(p)
    if not out:
        raise CalibrationError(f"preset {preset} has no assumed, fittable parameter inside its bounds; "
                               "name the parameters to fit")
    return out


def calibrate(preset: str, measurements=None, rows=None, params=None, bounds=None, name: str | None = None,
              leave_one_out: bool = True, workers: int = 0, max_iterations: int = 30,
              progress: bool = False) -> Calibration:
    """Fits `preset`'s parameters to measurement rows of its chip.

    measurements: a CSV file or files (default: the public measurements npusim ships); rows: the
    row ids to fit (default: every row of the preset's chip); params: the parameters to fit
    (default: every fittable parameter the preset marks assumed that the rows inform, at most one
    per measured value, the most informative first); bounds: {key: (lo, hi)} narrowing the physical
    bounds; name: the calibrated preset's name (default CHIP@RUNTIME-RELEASE)."""
    started = time.time()
    bounds = dict(bounds or {})
    _, entries = preset_entries(preset)
    selected = _select_rows(preset, measurements, rows)
    candidates = _params(preset, entries, params, bounds)
    n_values = sum(len(r.metrics) for r in selected)
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    say(f"calibrating {preset} on {len(selected)} rows ({n_values} measured values)")

    with Evaluator(preset, selected, workers) as ev:
        say(f"  simulating the rows at the spec values ({ev.workers} workers) ...")
        before = ev.run([{}], selected)[0]
        for row, res in zip(selected, before):
            if "error" in res:
                raise CalibrationError(f"{row.where}: row {row.id} ({row.label()}) cannot run on {preset}: "
                                       f"{res['error']}")
        spec_x = np.array([p.spec for p in candidates])
        if not params:
            # The rows inform a parameter only if moving it across its range moves them.
            strength = sensitivity(ev, selected, candidates, spec_x)
            informed = sorted((sp for sp in zip(strength, candidates) if sp[0] > 1e-3), key=lambda sp: -sp[0])
            dropped = [p.key for s, p in zip(strength, candidates) if s <= 1e-3]
            candidates = [p for _, p in informed][:max(1, n_values)]
            if dropped:
                say(f"  not informed by these rows: {', '.join(dropped)}")
            if not candidates:
                raise CalibrationError("no assumed parameter moves these rows; name the parameters to fit")
            spec_x = np.array([p.spec for p in candidates])
        say(f"  fitting {', '.join(p.key for p in candidates)} ...")
        x = fit(ev, selected, candidates, spec_x, max_iterations)
        x = np.array([tidy(p, v) for p, v in zip(candidates, x)])
        after = ev.run([point(candidates, x)], selected)[0]
        loo = {}
        if leave_one_out:
            for i, row in enumerate(selected):
                rest = selected[:i] + selected[i + 1:]
                if not rest:
                    break
                say(f"  leave-one-out {i + 1}/{len(selected)}: without {row.id} ...")
                # From the spec values, as the full fit: started from its solution, a fit with as
                # many parameters as values would keep it, and the row left out would leak back in.
                x_i = fit(ev, rest, candidates, spec_x, max_iterations)
                loo[row.id] = ev.run([point(candidates, x_i)], [row])[0][0]
        evaluations = ev.evaluations
    wall = time.time() - started
    release = runtime_release(selected[0].runtime)
    name = name or f"{_chip(preset)}@{release}"
    return _result(preset, name, entries, selected, candidates, x, before, after, loo, evaluations, wall)


def _result(preset, name, entries, rows, params, x, before, after, loo, evaluations, wall) -> Calibration:
    import pandas as pd

    table = []
    for row, b, a in zip(rows, before, after):
        for metric, measured in row.metrics.items():
            r_b, r_a = (math.exp(log_ratio(metric, v[metric], measured)) for v in (b, a))
            l = loo.get(row.id)
            r_l = math.exp(log_ratio(metric, l[metric], measured)) if l and "error" not in l else None
            table.append({"id": row.id, "what": row.label(), "metric": METRICS[metric][0], "measured": measured,
                          "before": b[metric], "after": a[metric], "ratio_before": r_b, "ratio_after": r_a,
                          "loo": l[metric] if r_l else None, "ratio_loo": r_l})
    rows_df = pd.DataFrame(table)
    params_df = pd.DataFrame([{"key": p.key, "spec": p.spec, "fitted": float(v), "lo": p.lo, "hi": p.hi,
                               "pinned": pinned(p, float(v)), "spec_provenance": p.provenance, "bounds": p.why}
                              for p, v in zip(params, x)])

    def logs(col):
        return [math.log(v) for v in rows_df[col] if v is not None and not pd.isna(v)]

    summary = {"preset": preset, "name": name, "rows": len(rows), "values": len(rows_df),
               "runtime": rows[0].runtime,
               "rms_log_before": math.sqrt(statistics.fmean(v * v for v in logs("ratio_before"))),
               "rms_log_after": math.sqrt(statistics.fmean(v * v for v in logs("ratio_after"))),
               "evaluations": evaluations, "wall_s": wall,
               "pinned": [p for p, v in zip(params_df["key"], params_df["pinned"]) if v]}
    for metric in rows_df["metric"].unique():
        sub = rows_df[rows_df["metric"] == metric]
        errs = [error_of(v) for v in sub["ratio_after"]]
        summary[f"median_error {metric}"] = statistics.median(errs)
        summary[f"worst_error {metric}"] = max(errs)
    loo_errs = [error_of(v) for v in rows_df["ratio_loo"] if v is not None and not pd.isna(v)]
    summary["loo_median_error"] = statistics.median(loo_errs) if loo_errs else None
    summary["loo_worst_error"] = max(loo_errs) if loo_errs else None
    from .preset_text import preset_text

    text = preset_text(preset, name, entries, rows, params_df, summary)
    return Calibration(name, preset, rows_df, params_df, summary, text)
