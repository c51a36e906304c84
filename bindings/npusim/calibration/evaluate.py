"""Simulating measurement rows at given parameter values, in parallel worker processes.

A fit evaluates the same rows at hundreds of parameter points. Parameters are run-time data of
the simulator, so each worker lowers each kernel once (its compile cache) and every later point
only simulates. Workers are spawned (not forked), so each has its own simulator state.
"""
from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from .measurements import Row

_npus: dict = {}  # per worker: (preset, overrides) -> Npu


def simulate_row(preset: str, overrides: tuple, row: Row) -> dict:
    """The row's simulated metrics (column -> value) on `preset` with `overrides` ((key, value)
    pairs), or {"error": message} where the row cannot run there."""
    import npusim

    key = (preset, overrides)
    try:
        if key not in _npus:
            _npus[key] = npusim.Npu(preset, **{k.replace(".", "__"): v for k, v in overrides})
        npu = _npus[key]
        if row.kind == "model":
            r = npu.model(row.model, quant=row.recipe, prefill=row.prompt_tokens, decode=row.new_tokens)
            out = {"ttft_ms": r.ttft_s * 1e3, "decode_tokens_per_s": r.decode_tokens_per_s}
        else:
            out = {"latency_ms": npu.kernel("gemm_w8a8", m=row.m, n=row.n, k=row.k).single_op_graph_s * 1e3}
    except npusim.UserError as e:
        return {"error": str(e)}
    return {m: out[m] for m in row.metrics}


def _task(args):
    preset, overrides, row = args
    return simulate_row(preset, overrides, row)


class Evaluator:
    """Runs (parameter point x row) simulations on a pool of worker processes and counts them."""

    def __init__(self, preset: str, rows: list, workers: int = 0):
        self.preset, self.rows = preset, rows
        self.workers = workers or max(1, min(os.cpu_count() or 1, 8))
        self.evaluations = 0
        self._pool = None

    def __enter__(self):
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc):
        if self._pool:
            self._pool.shutdown(cancel_futures=True)

    def run(self, points: list, rows: list | None = None) -> list:
        """For each point (a dict key -> value), the simulated metrics of every row, in order."""
        rows = self.rows if rows is None else rows
        tasks = [(self.preset, tuple(sorted((k, repr(float(v))) for k, v in p.items())), r)
                 for p in points for r in rows]
        results = list(self._pool.map(_task, tasks) if self._pool else map(_task, tasks))
        self.evaluations += len(tasks)
        for (_, overrides, row), res in zip(tasks, results):
            for metric, value in res.items():
                if metric != "error" and not (isinstance(value, float) and math.isfinite(value) and value > 0):
                    res["error"] = (f"row {row.id} simulated {metric} = {value} at {dict(overrides)}: "
                                    f"not a positive finite number")
        return [results[i * len(rows):(i + 1) * len(rows)] for i in range(len(points))]
