"""The fit: bounded least squares of the log ratios simulated / measured, and leave-one-out.

Each row metric contributes one residual, log(simulated time / measured time) (for a rate,
log(measured / simulated)), so a row 2x too slow and one 2x too fast weigh alike. SciPy's
trust-region reflective solver keeps every parameter inside its physical bounds; the Jacobian is
a forward difference whose points are simulated together on the worker pool.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._npusim import UserError
from .measurements import METRICS

# Forward-difference step, as a share of a parameter's bound range: large enough that simulated
# cycles (integers) move smoothly, small enough to stay local.
STEP = 0.02
# A fitted value this close to a bound (share of the range) is reported as pinned there.
PINNED = 1e-3


class CalibrationError(UserError):
    """A calibration that cannot run or did not converge; nothing is written."""


@dataclass
class Param:
    key: str
    spec: float       # the value in the preset being calibrated
    lo: float
    hi: float
    why: str          # where the bounds come from
    provenance: str   # of the spec value: sourced, assumed, fitted or unmarked


def log_ratio(metric: str, simulated: float, measured: float) -> float:
    """log(simulated time / measured time): positive where npusim is slower than the chip."""
    is_time = METRICS[metric][1]
    return math.log(simulated / measured) if is_time else math.log(measured / simulated)


def residuals(rows: list, results: list) -> np.ndarray:
    out = []
    for row, res in zip(rows, results):
        if "error" in res:
            raise CalibrationError(f"{row.where}: row {row.id} ({row.label()}) cannot be simulated: {res['error']}")
        for m, v in row.metrics.items():
            if not (math.isfinite(res[m]) and res[m] > 0):
                raise CalibrationError(f"the fit diverged: row {row.id} simulated {METRICS[m][0]} = {res[m]}")
            out.append(log_ratio(m, res[m], v))
    return np.array(out)


def point(params: list, x) -> dict:
    return {p.key: float(v) for p, v in zip(params, x)}


def shifted(params: list, x):
    """The forward-difference steps at x (inwards at an upper bound) and the shifted points."""
    span = np.array([p.hi - p.lo for p in params])
    hi = np.array([p.hi for p in params])
    steps = np.where(x + STEP * span <= hi, STEP * span, -STEP * span)
    return steps, [x + steps[j] * np.eye(len(params))[j] for j in range(len(params))]


def fit(evaluator, rows: list, params: list, x0, max_iterations: int = 30):
    """Fits `params` to `rows` from x0; returns the fitted values."""
    from scipy.optimize import least_squares

    lo = np.array([p.lo for p in params])
    hi = np.array([p.hi for p in params])
    cache = {}

    def evaluate(xs):
        todo = [x for x in xs if tuple(x) not in cache]
        if todo:
            for x, res in zip(todo, evaluator.run([point(params, x) for x in todo], rows)):
                cache[tuple(x)] = residuals(rows, res)
        return [cache[tuple(x)] for x in xs]

    def fun(x):
        return evaluate([np.asarray(x, dtype=float)])[0]

    def jac(x):
        x = np.asarray(x, dtype=float)
        steps, points = shifted(params, x)
        f = evaluate([x] + points)
        return np.stack([(f[j + 1] - f[0]) / steps[j] for j in range(len(params))], axis=1)

    x0 = np.clip(np.asarray(x0, dtype=float), lo, hi)
    result = least_squares(fun, x0, jac=jac, bounds=(lo, hi), x_scale=hi - lo, method="trf",
                           max_nfev=max_iterations)
    if not np.all(np.isfinite(result.x)) or not np.all(np.isfinite(result.fun)):
        raise CalibrationError(f"the fit diverged: parameters {point(params, result.x)}, residuals {result.fun}")
    return result.x


def sensitivity(evaluator, rows: list, params: list, x) -> np.ndarray:
    """How much each parameter moves the residuals: the Jacobian column norms (per unit of the
    bound range) at x."""
    x = np.asarray(x, dtype=float)
    _, points = shifted(params, x)
    results = evaluator.run([point(params, v) for v in [x] + points], rows)
    base = residuals(rows, results[0])
    return np.array([np.linalg.norm(residuals(rows, results[j + 1]) - base) / STEP for j in range(len(params))])


def pinned(p: Param, value: float) -> str:
    """'lower' or 'upper' where a fitted value sits at its bound, else ''."""
    span = p.hi - p.lo
    if value - p.lo <= PINNED * span:
        return "lower"
    if p.hi - value <= PINNED * span:
        return "upper"
    return ""
