"""What simulations return: objects with attributes, ``to_dict()`` and ``to_pandas()``."""
from __future__ import annotations

import copy
import json
from typing import Any, Mapping, Optional


class _Fields:
    """A report whose every field is also an attribute (``r.cycles`` is ``r.to_dict()["cycles"]``)."""

    _kind = "Result"

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy/pickle probe these before __init__ has run
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"{self._kind} has no field {name!r}; fields: {', '.join(self._data)}") from None

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __dir__(self):
        return sorted(set(self._data) | set(super().__dir__()))

    def keys(self):
        return self._data.keys()

    def to_dict(self) -> dict:
        """A deep copy of every field as plain Python values (what ``--json`` prints)."""
        return copy.deepcopy(self._data)

    def to_json(self) -> str:
        return json.dumps(self._data)

    def _frame(self, rows, columns=None):
        import pandas as pd
        return pd.DataFrame(list(rows), columns=columns)


class Result(_Fields):
    """What one kernel or program simulation measured: ``cycles``, ``seconds``, ``energy_j``,
    ``energy_j_by_component``, ``dram_bytes_read``/``_written``, ``mac_ops``, ``vector_ops``,
    ``roofline_cycles``, ``roofline_fraction``, ``sram_peak_bytes``, ``engines`` and more
    (``dir(result)``). With ``trace=`` the Chrome/Perfetto trace is in ``result.trace``."""

    def __init__(self, data: Mapping[str, Any], trace: Optional[dict] = None):
        super().__init__(data)
        self.trace = trace

    def to_pandas(self):
        """One row per engine (DMA channels, MAC array, vector unit, DRAM bus): busy cycles,
        instructions, utilisation, and busy seconds at the preset's clock."""
        df = self._frame(self._data["engines"], ["name", "busy_cycles", "instructions", "utilisation"])
        hz = self._data["cycles"] / self._data["seconds"] if self._data["seconds"] else float("nan")
        df["busy_s"] = df["busy_cycles"] / hz
        return df.set_index("name")

    def __repr__(self) -> str:
        return (f"Result(cycles={self.cycles}, roofline_cycles={self.roofline_cycles}, "
                f"seconds={self.seconds:.4g}, energy_j={self.energy_j:.4g})")


class ModelResult(_Fields):
    """A whole-model run (``Npu.model``): ``ttft_s``, ``prefill_tokens_per_s``,
    ``decode_tokens_per_s``, ``energy_per_token_j``, ``footprint_bytes``, ``fits_memory``, ... and
    the per-op (``prefill_ops``, ``decode_ops_last_step``), per-layer (``layers``) and per-step
    (``decode_steps_simulated``) tables, which ``to_pandas(table)`` returns as DataFrames."""

    _kind = "ModelResult"
    TABLES = ("prefill_ops", "decode_ops_last_step", "layers", "decode_steps_simulated", "cold_start", "sustained")

    def to_pandas(self, table: str = "prefill_ops"):
        """A table as a DataFrame. For the op tables, one row per op with its ``count`` (layers
        share an op) and, per run, seconds, energy, DRAM bytes, MACs, vector ops; ``total_s`` and
        ``total_energy_j`` multiply by the count; ``busy_s.<engine>`` and ``energy_j.<component>``
        spread the nested maps into columns."""
        if table not in self.TABLES:
            raise KeyError(f"no table {table!r}; tables: {', '.join(self.TABLES)}")
        rows = self._data[table]
        if table == "sustained":
            if rows is None:
                raise KeyError("no sustained run: pass sustained=SECONDS to Npu.model")
            return self._frame(rows["points"])
        if not table.endswith("ops") and not table.endswith("last_step"):
            return self._frame(rows)
        flat = []
        for op in rows:
            row = {k: v for k, v in op.items() if not isinstance(v, dict)}
            row.update({f"busy_s.{k}": v for k, v in op.get("engine_busy_s", {}).items()})
            row.update({f"energy_j.{k}": v for k, v in op.get("energy_j_by_component", {}).items()})
            row["total_s"] = op["seconds"] * op["count"]
            row["total_energy_j"] = op["energy_j"] * op["count"]
            flat.append(row)
        return self._frame(flat)

    def __repr__(self) -> str:
        return (f"ModelResult({self.model} {self.quant} on {self.preset}: ttft_s={self.ttft_s:.4g}, "
                f"decode_tokens_per_s={self.decode_tokens_per_s:.4g}, energy_per_token_j={self.energy_per_token_j:.4g})")


class TuneResult(_Fields):
    """What ``npusim.tune`` found: ``best`` and ``default`` (dicts with ``schedule``, ``cycles``,
    ``roofline_fraction``), ``history`` (one flat dict per evaluation, knobs as columns),
    ``space_size`` and ``idle_knobs`` (knobs left at their defaults: no value changes the program
    at this shape and NPU)."""

    _kind = "TuneResult"

    def __init__(self, data: Mapping[str, Any]):
        d = dict(data)
        d["history"] = [{**{k: v for k, v in h.items() if k != "schedule"}, **h["schedule"]} for h in d["history"]]
        super().__init__(d)

    @property
    def schedule(self) -> dict:
        """The best schedule's knobs (pass it as ``schedule=`` to ``Npu.kernel``)."""
        return dict(self.best["schedule"])

    @property
    def speedup(self) -> float:
        """Default cycles / best cycles."""
        return self.default["cycles"] / self.best["cycles"] if self.best["cycles"] else float("nan")

    def to_pandas(self):
        """The history: one row per evaluated schedule, knobs as columns."""
        return self._frame(self.history)

    def __repr__(self) -> str:
        return (f"TuneResult(best_cycles={self.best['cycles']}, default_cycles={self.default['cycles']}, "
                f"evaluations={len(self.history)}, space_size={self.space_size})")


class QuantTable(_Fields):
    """Accuracy against cost of quantization recipes (``npusim.quant_eval``): ``preset``,
    ``tokens``, ``sentences``, ``float_perplexity`` and ``recipes`` (one dict per recipe: cosine,
    retrieval, per-layer SQNR, perplexity, latency, energy, weight bytes). A budget search
    (``budget_ms``) adds ``budget_s``, ``best`` (the most accurate recipe within it) and
    ``over_budget`` (the candidates it did not measure, with their latency)."""

    _kind = "QuantTable"

    def to_pandas(self):
        """One row per recipe; ``last_sqnr_db`` is the last layer's SQNR."""
        rows = []
        for r in self.recipes:
            row = {k: v for k, v in r.items() if k != "layer_sqnr_db"}
            row["last_sqnr_db"] = r["layer_sqnr_db"][-1] if r["layer_sqnr_db"] else None
            rows.append(row)
        return self._frame(rows).set_index("recipe")

    def __repr__(self) -> str:
        return f"QuantTable({len(self.recipes)} recipes on {self.preset})"
