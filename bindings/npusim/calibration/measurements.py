"""Measurement rows of real chips: reading and checking a measurement file.

Two CSV formats, told apart by their header (the project's own copies are in
validation/measurements/):

- whole-model rows (``models.csv``): id, chip, runtime, model, runtime_recipe, prompt_tokens,
  new_tokens, ttft_ms, decode_tokens_per_s, source; ttft_ms or decode_tokens_per_s may be empty
  (that metric was not measured), not both.
- single-op rows (``kernels.csv``): id, chip, runtime, op, m, n, k, precision, latency_ms, source;
  int8 MatMuls (``m`` x ``k`` activations by ``k`` x ``n`` weights) through a vendor runtime, one
  graph per call.

Each problem is reported as FILE:LINE:COLUMN (the 1-based column, and its name) with what is
allowed, as ``MeasurementError``.
"""
from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field

from .._npusim import UserError, config_dir, model_names

# (runtime family, the runtime's recipe name) -> the npusim recipe with the same arithmetic
# (docs/quantization.md explains each): the same name means different arithmetic on different
# runtimes.
RUNTIME_RECIPES = {
    ("RKLLM", "w8a8"): "w8a8",                      # int8 weights per channel, int8 activations
    ("RKLLM", "w4a16"): "w4a16-per-channel",        # int4 weights per channel, fp16 activations
    ("QNN", "w4a16"): "w4a16i",                     # int4 weights, 16-bit integer activations (A16W4)
}
RUNTIME_FAMILIES = ("RKLLM", "QNN")
# Decode tokens simulated when a row does not say how many it generated.
DEFAULT_NEW_TOKENS = 64

MODEL_COLUMNS = ("id", "chip", "runtime", "model", "runtime_recipe", "prompt_tokens", "new_tokens", "ttft_ms",
                 "decode_tokens_per_s", "source")
KERNEL_COLUMNS = ("id", "chip", "runtime", "op", "m", "n", "k", "precision", "latency_ms", "source")

# The metrics a row can carry: its column, its unit, and whether it is a time (a rate otherwise).
METRICS = {"ttft_ms": ("TTFT ms", True), "decode_tokens_per_s": ("decode tokens/s", False),
           "latency_ms": ("latency ms", True)}


class MeasurementError(UserError):
    """A measurement file or row that cannot be used, with FILE:LINE:COLUMN."""


@dataclass
class Row:
    id: str
    chip: str
    runtime: str
    kind: str                   # "model" or "kernel"
    where: str                  # FILE:LINE
    metrics: dict               # column -> measured value
    model: str = ""
    recipe: str = ""            # the npusim recipe
    prompt_tokens: int = 0
    new_tokens: int = 0
    m: int = 0
    n: int = 0
    k: int = 0
    fields: dict = field(default_factory=dict)  # the row as read

    def label(self) -> str:
        if self.kind == "model":
            return f"{self.model} {self.recipe}"
        return f"int8 matmul {self.m}x{self.k} by {self.k}x{self.n}"


def runtime_family(runtime: str) -> str:
    for family in RUNTIME_FAMILIES:
        if family in runtime:
            return family
    return runtime


def runtime_release(runtime: str) -> str:
    """'RKLLM 1.3.0' -> 'rkllm-1.3.0': the name a calibrated preset carries after '@'."""
    words = runtime.split("(")[0].strip().lower().replace("/", " ").split()
    return "-".join(w for w in words if w) or "runtime"


def read_measurements(path: str, recipes: dict | None = None) -> list:
    """Every row of a measurement file (either format), checked."""
    recipes = {**RUNTIME_RECIPES, **(recipes or {})}
    try:
        f = open(path, newline="")
    except OSError as e:
        raise MeasurementError(f"{path}: cannot open measurement file: {e.strerror}") from None
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise MeasurementError(f"{path}:1: empty measurement file; expected a CSV header") from None
        except csv.Error as e:
            raise MeasurementError(f"{path}:1: not CSV: {e}") from None
        header = [h.strip() for h in header]
        if "model" in header:
            kind, needed = "model", MODEL_COLUMNS
        elif "op" in header:
            kind, needed = "kernel", KERNEL_COLUMNS
        else:
            raise MeasurementError(f"{path}:1: the header has neither a 'model' column (whole-model rows: "
                                   f"{', '.join(MODEL_COLUMNS)}) nor an 'op' column (single-op rows: "
                                   f"{', '.join(KERNEL_COLUMNS)})")
        missing = [c for c in needed if c not in header]
        if missing:
            raise MeasurementError(f"{path}:1: missing column(s) {', '.join(repr(c) for c in missing)}; a "
                                   f"{kind} file needs {', '.join(needed)}")
        col = {name: i for i, name in enumerate(header)}
        rows, seen = [], {}
        try:
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                rows.append(_row(path, line, kind, header, col, cells, recipes, seen))
        except csv.Error as e:
            raise MeasurementError(f"{path}:{reader.line_num}: not CSV: {e}") from None
    if not rows:
        raise MeasurementError(f"{path}: no rows below the header")
    return rows


def _row(path, line, kind, header, col, cells, recipes, seen) -> Row:
    if len(cells) != len(header):
        raise MeasurementError(f"{path}:{line}: {len(cells)} cells for {len(header)} columns")
    values = {name: cells[i].strip() for name, i in col.items()}

    def fail(name, message):
        raise MeasurementError(f"{path}:{line}:{col[name] + 1} ({name}): {message}")

    def positive(name, integer=False, optional=False):
        text = values[name]
        if not text and optional:
            return None
        try:
            v = int(text) if integer else float(text)
        except ValueError:
            fail(name, f"must be a positive {'integer' if integer else 'number'}, got {text!r}")
        if not math.isfinite(v) or v <= 0:
            fail(name, f"must be a positive {'integer' if integer else 'number'}, got {text!r}")
        return v

    for name in ("id", "chip", "runtime", "source"):
        if not values[name]:
            fail(name, "must not be empty" + (" (every row names its source)" if name == "source" else ""))
    if values["id"] in seen:
        fail("id", f"row id {values['id']!r} repeats line {seen[values['id']]}")
    seen[values["id"]] = line
    row = Row(id=values["id"], chip=values["chip"], runtime=values["runtime"], kind=kind,
              where=f"{path}:{line}", metrics={}, fields=values)
    if kind == "model":
        if values["model"] not in model_names():
            fail("model", f"{values['model']!r} is not a shipped model (known: {', '.join(model_names())})")
        row.model = values["model"]
        key = (runtime_family(row.runtime), values["runtime_recipe"])
        if key not in recipes:
            fail("runtime_recipe", f"no npusim recipe is known for {key[0]}'s {key[1]!r} (known: "
                                   f"{', '.join(f'{r} {n}' for r, n in sorted(recipes))})")
        row.recipe = recipes[key]
        row.prompt_tokens = positive("prompt_tokens", integer=True)
        row.new_tokens = positive("new_tokens", integer=True, optional=True) or DEFAULT_NEW_TOKENS
        for name in ("ttft_ms", "decode_tokens_per_s"):
            v = positive(name, optional=True)
            if v is not None:
                row.metrics[name] = v
        if not row.metrics:
            fail("ttft_ms", "the row measures nothing: ttft_ms and decode_tokens_per_s are both empty")
    else:
        if values["op"] != "matmul":
            fail("op", f"only 'matmul' rows are simulated, got {values['op']!r}")
        if values["precision"] != "int8":
            fail("precision", f"only 'int8' MatMuls are simulated (gemm_w8a8), got {values['precision']!r}")
        row.m, row.n, row.k = (positive(d, integer=True) for d in ("m", "n", "k"))
        row.metrics["latency_ms"] = positive("latency_ms")
    return row


def default_measurement_files() -> list:
    """The public measurements npusim ships (validation/measurements/, beside the configs)."""
    here = os.path.join(config_dir(), "..", "validation", "measurements")
    return [os.path.normpath(os.path.join(here, f)) for f in ("models.csv", "kernels.csv")
            if os.path.exists(os.path.join(here, f))]
