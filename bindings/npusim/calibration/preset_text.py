"""The calibrated preset's YAML: `base:` the preset calibrated, and only the fitted values, each
with its comment (value, bounds, spec value, rows, date), which `npusim info presets` reads as
"fitted"."""
from __future__ import annotations

import datetime


def preset_text(preset: str, name: str, entries: dict, rows: list, params, summary: dict) -> str:
    date = datetime.date.today().isoformat()
    ids = " ".join(r.id for r in rows)
    description = entries["description"]["value"].replace('"', "'")
    lines = [
        f"# {name}: preset {preset} calibrated by `npusim calibrate` on {date} against {len(rows)} measured rows",
        f"# ({ids}; runtime {summary['runtime']}); their sources are in the measurement file. RMS log error",
        f"# simulated / measured: {summary['rms_log_before']:.3f} before, {summary['rms_log_after']:.3f} after.",
        f"# Every parameter not given here is {preset}'s.",
        f"base: {preset}",
        f"name: {name}",
        f'description: "{description}; calibrated on {summary["runtime"]} ({ids})"',
    ]
    tree: dict = {}
    for p in params.itertuples():
        node = tree
        parts = p.key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        note = (f"fitted: within [{p.lo:g}, {p.hi:g}] ({p.bounds}); spec {p.spec:g} ({p.spec_provenance}); "
                f"rows {ids}; {date}")
        if p.pinned:
            note += f"; AT ITS {p.pinned.upper()} BOUND: a mechanism is missing"
        node[parts[-1]] = (f"{p.fitted:.6g}", note)

    def emit(node, indent):
        for key, value in node.items():
            if isinstance(value, dict):
                lines.append(" " * indent + f"{key}:")
                emit(value, indent + 2)
            else:
                lines.append(" " * indent + f"{key}: {value[0]}  # {value[1]}")

    emit(tree, 0)
    return "\n".join(lines) + "\n"
