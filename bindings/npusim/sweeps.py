"""Parallel sweeps of independent simulations: in worker processes on this machine, or on a Dask
cluster (docs/python.md says how to point a sweep at one)."""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import math
import multiprocessing
import os
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Union

import cloudpickle

from . import _npusim

Space = Union[Mapping[str, Sequence[Any]], Iterable[Mapping[str, Any]]]


# Host memory per point of a sweep: its dict, its result row and its DataFrame cells. Measured
# with tracemalloc at about 0.9 KiB for a GEMM Result's 24 columns; 4 KiB leaves room for wider
# results.
BYTES_PER_POINT = 4096


def points(space: Space) -> List[dict]:
    """The points of a sweep: the Cartesian product of a dict of value lists (``{"m": [64, 128],
    "preset": ["default", "rk3588"]}``: 4 points, the last name varying fastest), or a list of
    dicts taken as given. A product too large for this machine's memory raises ``UserError``
    with the estimate before anything is built."""
    if isinstance(space, Mapping):
        names = list(space)
        for name in names:
            if isinstance(space[name], (str, bytes)) or not isinstance(space[name], Iterable):
                raise TypeError(f"sweep space: {name!r} must be a list of values, got {space[name]!r}")
        values = [list(space[n]) for n in names]
        count = math.prod(len(v) for v in values)
        need, have = count * BYTES_PER_POINT, _npusim.available_host_bytes()
        if have and need > have:
            sizes = " x ".join(f"{len(v)} {n}" for n, v in zip(names, values))
            raise _npusim.UserError(f"sweep space of {count:,} points ({sizes}) needs about {need / 2**30:.1f} GiB "
                                    f"of host memory, more than the {have / 2**30:.1f} GiB available: sweep "
                                    "fewer values, or split the space into several sweeps")
        return [dict(zip(names, v)) for v in itertools.product(*values)]
    out = [dict(p) for p in space]
    for i, p in enumerate(out):
        if not isinstance(p, dict):
            raise TypeError(f"sweep space: point {i} must be a dict, got {p!r}")
    return out


def _flat(value: Any) -> dict:
    """A result as scalar columns: a Result/ModelResult/TuneResult or dict gives its scalar fields
    (nested tables are left out), anything else one column ``value``."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if v is None or isinstance(v, (bool, int, float, str))}
    return {"value": value}


def _run(fn_bytes: bytes, point: dict) -> tuple:
    """One point, in whichever process runs it: (columns, None) or (None, "Type: message")."""
    try:
        fn = cloudpickle.loads(fn_bytes)
        return _flat(fn(**point)), None
    except Exception as e:  # one failing point must not lose the others
        return None, f"{type(e).__name__}: {e}"


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed") and hasattr(executor, "submit")


def sweep(space: Space, fn: Callable[..., Any], executor: Any = None, progress: bool = True,
          max_workers: Optional[int] = None):
    """Runs ``fn(**point)`` for every point of ``space`` (see ``points``) in parallel and returns a
    pandas DataFrame: one row per point in the order of the space, the point's values, the
    result's scalar fields, and ``error`` (``None``, or the exception's type and message: a
    failing point is reported, the others still run).

    ``executor``: ``None`` runs in ``max_workers`` (default: the CPU count) fresh worker processes
    on this machine; ``"serial"`` runs here, one point after another; a
    ``concurrent.futures.Executor`` or a ``dask.distributed.Client`` runs on it. ``fn`` may be
    defined in a notebook: it is shipped to the workers with cloudpickle, and each worker needs
    ``npusim`` importable."""
    import pandas as pd
    from tqdm import tqdm  # a text bar: it renders in terminals and notebooks alike

    if not (executor is None or executor == "serial" or hasattr(executor, "submit")):
        raise TypeError("sweep executor must be None (local worker processes), 'serial', a "
                        f"concurrent.futures.Executor or a dask.distributed.Client, got {executor!r}")
    pts = points(space)
    fn_bytes = cloudpickle.dumps(fn)
    rows: List[Optional[tuple]] = [None] * len(pts)
    bar = tqdm(total=len(pts), desc="sweep", disable=not progress)
    try:
        if executor == "serial":
            for i, p in enumerate(pts):
                rows[i] = _run(fn_bytes, p)
                bar.update()
        elif _is_dask_client(executor):
            from distributed import as_completed
            futures = {executor.submit(_run, fn_bytes, p, pure=False): i for i, p in enumerate(pts)}
            for fut in as_completed(futures):
                rows[futures[fut]] = _collect(fut)
                bar.update()
        else:
            own = executor is None
            pool = (cf.ProcessPoolExecutor(max_workers or os.cpu_count() or 1,
                                           mp_context=multiprocessing.get_context("spawn"))
                    if own else executor)
            try:
                futures = {pool.submit(_run, fn_bytes, p): i for i, p in enumerate(pts)}
                for fut in cf.as_completed(futures):
                    rows[futures[fut]] = _collect(fut)
                    bar.update()
            finally:
                if own:
                    pool.shutdown(cancel_futures=True)
    finally:
        bar.close()
    table = []
    for p, (columns, error) in zip(pts, rows):
        row = dict(p)  # the point's own values win over a result field of the same name
        row.update({k: v for k, v in (columns or {}).items() if k not in row})
        row["error"] = error
        table.append(row)
    return pd.DataFrame(table)


def _collect(fut) -> tuple:
    # A worker that died (or a lost connection) fails its point, not the sweep.
    try:
        return fut.result()
    except Exception as e:
        return None, f"{type(e).__name__}: {e}"


def failed(df) -> Any:
    """The rows of a sweep's DataFrame whose point failed."""
    return df[df["error"].notna()]


__all__ = ["sweep", "points", "failed"]
