"""A calibration as Markdown: the parameters, every row before and after, and the errors."""
from __future__ import annotations


def _fmt(v) -> str:
    return "-" if v is None or v != v else f"{v:.4g}"


def markdown(c) -> str:
    s = c.summary
    out = [f"## {c.name}: {c.base} calibrated on {s['runtime']}", "",
           f"{s['rows']} rows ({s['values']} measured values), {len(c.params)} parameters; "
           f"{s['evaluations']} row simulations in {s['wall_s']:.0f} s. RMS log error (simulated / measured) "
           f"{s['rms_log_before']:.3f} before, {s['rms_log_after']:.3f} after.", "",
           "| parameter | spec | fitted | bounds | pinned |", "|---|---:|---:|---|---|"]
    for p in c.params.itertuples():
        flag = f"at its {p.pinned} bound: a mechanism is missing" if p.pinned else ""
        out.append(f"| `{p.key}` | {p.spec:g} ({p.spec_provenance}) | {p.fitted:.4g} | [{p.lo:g}, {p.hi:g}] | "
                   f"{flag} |")
    out += ["", "| row | model or op | metric | measured | spec preset | ratio | calibrated | ratio | "
            "leave-one-out | ratio |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in c.rows.itertuples():
        out.append(f"| {r.id} | {r.what} | {r.metric} | {_fmt(r.measured)} | {_fmt(r.before)} | "
                   f"{_fmt(r.ratio_before)} | {_fmt(r.after)} | {_fmt(r.ratio_after)} | {_fmt(r.loo)} | "
                   f"{_fmt(r.ratio_loo)} |")
    out.append("")
    errors = [f"{k.split(' ', 1)[1]}: median {100 * v:.0f} %, worst {100 * s['worst_error ' + k.split(' ', 1)[1]]:.0f} %"
              for k, v in s.items() if k.startswith("median_error ")]
    out.append("Error of the calibrated preset (ratio or its inverse, minus 1): " + "; ".join(errors) + ".")
    if s["loo_median_error"] is not None:
        out.append(f"Leave-one-out (each row predicted by a fit without it): median {100 * s['loo_median_error']:.0f} %, "
                   f"worst {100 * s['loo_worst_error']:.0f} %.")
    else:
        out.append("Leave-one-out: not possible with a single row.")
    return "\n".join(out) + "\n"
