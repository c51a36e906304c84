"""Kernels written in Python with Halide's own bindings (``import halide as hl``).

A kernel is a build function ``build(shape, knobs) -> KernelInstance``: it writes the algorithm
and the schedule with Halide's Funcs, Vars and RDoms, and returns its input ImageParams and
output Func with their shapes. ``halide_kernel`` adds it to the kernel registry for the session,
so ``Npu.kernel``, ``compile_kernel``, ``kernel_host`` and ``tune`` take it by name like a
built-in one; nothing is compiled but the Halide pipeline itself::

    import halide as hl, npusim

    @npusim.halide_kernel("scale_rows", shape={"rows": 64, "d": 256},
                          knobs={"tile": npusim.Knob(8, [1, 8, 32], "rows per SRAM tile")})
    def scale_rows(shape, knobs):
        x = hl.ImageParam(hl.Float(16), 2, "x")
        d, r, ro, ri = hl.Var("d"), hl.Var("r"), hl.Var("ro"), hl.Var("ri")
        y, out = hl.Func("y"), hl.Func("out")
        y[d, r] = x[d, r] * hl.cast(hl.Float(16), 2)
        out[d, r] = y[d, r]
        out.split(r, ro, ri, knobs["tile"])
        hl.Func(x).in_().compute_at(out, ro).store_in(hl.MemoryType.VTCM)  # DMA a tile in
        y.compute_at(out, ro).store_in(hl.MemoryType.VTCM)                # compute it on chip
        return npusim.KernelInstance(inputs=[(x, (shape["rows"], shape["d"]))],
                                     output=(out, (shape["rows"], shape["d"])))

    npusim.Npu("default").kernel("scale_rows", rows=128)

Shapes are given outermost dimension first, as numpy arrays are (``x`` above is ``[rows, d]``
and Halide's ``x[d, r]``). Errors from a user's kernel (at build, lowering, simulation or on the
host) name its Funcs and say where in the user's source each was defined and scheduled.
"""
from __future__ import annotations

import ast
import itertools
import linecache
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _npusim

_MAX = 1 << 20  # the largest shape dimension or integer knob value


def _halide():
    try:
        import halide  # noqa: PLC0415  (only kernels written in Python need it)
    except ImportError as e:
        raise _npusim.ScheduleError(
            "kernels written in Python need Halide's Python bindings (the `halide` module of Debian's "
            f"python3-halide 14): `make setup` installs them and links them into the venv ({e})") from None
    return halide


@dataclass(frozen=True)
class Dim:
    """A shape dimension: its default, its allowed range and what it means."""
    default: int
    min: int = 1
    max: int = _MAX
    doc: str = ""


@dataclass(frozen=True)
class Knob:
    """A schedule knob: its default and the values the tuner tries. Integer (or bool) values make
    an integer knob, which accepts any integer from ``min`` (default: the smallest of ``space``,
    at most 1) to 2^20; strings make a choice knob, which accepts only ``space``. The build
    function gets an int, or the chosen string."""
    default: Union[int, bool, str]
    space: Sequence[Union[int, bool, str]]
    doc: str = ""
    min: Optional[int] = None


@dataclass
class KernelInstance:
    """What a build function returns: its input ImageParams in argument order, each with its
    shape; the output Func with its shape (shapes outermost first); and an Int(32) ``hl.Param``
    for each run-time dimension, by name."""
    inputs: Sequence[Tuple[Any, Sequence[int]]]
    output: Tuple[Any, Sequence[int]]
    params: Optional[Mapping[str, Any]] = None


# Halide constructors whose first string argument names what they make, and the schedule calls
# whose line is worth pointing at.
_MAKERS = {"Func", "ImageParam", "Param", "RDom"}
_SCHEDULE = {"compute_at", "compute_root", "compute_inline", "store_at", "store_root", "store_in", "split", "tile",
             "reorder", "fold_storage", "async_", "parallel", "vectorize", "unroll", "fuse", "in_", "update",
             "bound", "reorder_storage", "compute_with", "serial"}


Place = Tuple[str, int]  # (file, line)


def _sources(fn: Callable) -> List[str]:
    """The files to search for ``fn``'s Halide objects: its own, and in a notebook every cell run
    so far (a class or helper defined in an earlier cell)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    own = code.co_filename
    folder = own.rsplit("/", 1)[0]
    if "ipykernel_" in folder:
        return [f for f in list(linecache.cache) if f.startswith(folder + "/")]
    return [own]


def _label(place: Place) -> str:
    """``file.py:12``, or in a notebook ``Cell In[3], line 12`` as IPython's tracebacks say."""
    filename, line = place
    try:
        from IPython import get_ipython  # noqa: PLC0415
        cell = get_ipython().compile._filename_map.get(filename)  # type: ignore[union-attr]
        if cell is not None:
            return f"Cell In[{cell}], line {line}"
    except Exception:  # not in IPython
        pass
    return f"{filename.rsplit('/', 1)[-1]}:{line}"


def _locations(fn: Callable) -> Dict[str, Dict[str, List[Place]]]:
    """Where, in the source that defines ``fn``, each Halide object named by a string literal is
    made and scheduled: {halide name: {"defined": [places], "scheduled": [places]}}. Python names
    are followed through assignments (``acc = hl.Func("acc")``, ``y, out = hl.Func("y"), ...``)."""
    where: Dict[str, Dict[str, List[Place]]] = {}

    def literal_name(call: ast.Call) -> Optional[str]:
        for a in list(call.args) + [k.value for k in call.keywords if k.arg == "name"]:
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                return a.value
        return None

    def maker(call: ast.AST) -> Optional[str]:
        if not isinstance(call, ast.Call):
            return None
        f = call.func
        attr = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return literal_name(call) if attr in _MAKERS else None

    def note(name: str, kind: str, place: Place) -> None:
        places = where.setdefault(name, {"defined": [], "scheduled": []})[kind]
        if place not in places:
            places.append(place)

    def target_name(t: ast.AST) -> Optional[str]:  # x, or self.x
        return t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else None

    for filename in _sources(fn):
        try:
            tree = ast.parse("".join(linecache.getlines(filename)) or "\n")
        except SyntaxError:
            continue
        var_to_name: Dict[str, str] = {}
        for node in ast.walk(tree):
            name = maker(node)
            if name is not None:
                note(name, "defined", (filename, node.lineno))
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    pairs = (zip(t.elts, node.value.elts)
                             if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple) else [(t, node.value)])
                    for target, value in pairs:
                        name = maker(value)
                        if name is not None and target_name(target):
                            var_to_name[target_name(target)] = name
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SCHEDULE:
                base = node.func.value  # down a chain: f.compute_at(...).store_in(...)
                while isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute) and base.func.attr != "Func":
                    base = base.func.value
                if isinstance(base, ast.Call) and base.args:  # hl.Func(x).in_(): the ImageParam x staged
                    base = base.args[0]
                if target_name(base) in var_to_name:
                    note(var_to_name[target_name(base)], "scheduled", (filename, node.lineno))
    return where


class HalideKernel:
    """A kernel written in Python, registered under ``name`` (see the module's doc). Calling its
    methods is the same as calling the package's functions with its name."""

    _revisions = itertools.count(1)

    def __init__(self, name: str, build: Callable, shape: Mapping[str, Union[int, Dim]],
                 knobs: Optional[Mapping[str, Knob]] = None, summary: str = "",
                 runtime: Optional[Mapping[str, str]] = None, defaults: Optional[Callable] = None):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name or ""):
            raise _npusim.ShapeError(f"kernel name {name!r} must be an identifier (letters, digits, _)")
        self.name, self.build, self.summary = name, build, summary or (build.__doc__ or "").strip().split("\n")[0]
        self._dims = {n: d if isinstance(d, Dim) else Dim(_checked_int(f"{name} shape {n}", d)) for n, d in
                      shape.items()}
        for n, d in self._dims.items():
            if not d.min <= d.default <= d.max:
                raise _npusim.ShapeError(f"{name} shape {n}: default {d.default} is outside [{d.min}, {d.max}]")
        self._knobs = dict(knobs or {})
        self._integer = {}
        for n, k in self._knobs.items():
            if not isinstance(k, Knob):
                raise _npusim.ScheduleError(f"{name} knob {n} must be an npusim.Knob, got {type(k).__name__}")
            kinds = {isinstance(v, str) for v in list(k.space) + [k.default]}
            if len(kinds) != 1 or not k.space:
                raise _npusim.ScheduleError(f"{name} knob {n}: the default and space must be all integers or "
                                            "all strings, and the space not empty")
            self._integer[n] = not kinds.pop()
            if not self._integer[n] and k.default not in k.space:
                raise _npusim.ScheduleError(f"{name} knob {n}: default {k.default!r} is not in its space")
        self._runtime = dict(runtime or {})
        for dim, cap in self._runtime.items():
            if dim not in self._dims or cap not in self._dims:
                raise _npusim.ShapeError(f"{name} runtime {dim}: {cap}: both must be shape dimensions")
        self._defaults = defaults
        self._where = _locations(build)
        self._register()

    # -- the registry's side ---------------------------------------------------------------
    def _register(self) -> None:
        dims = [(n, int(d.default), int(d.min), int(d.max), d.doc) for n, d in self._dims.items()]
        knobs = []
        for n, k in self._knobs.items():
            space = [_knob_text(v) for v in k.space]
            lo = k.min if k.min is not None else min(1, *(int(v) for v in k.space)) if self._integer[n] else 1
            knobs.append((n, self._integer[n], space, k.doc, int(lo)))
        _npusim.add_kernel(self.name, self.summary, dims, knobs, list(self._runtime.items()), self._default_knobs,
                           self._build, str(next(self._revisions)))

    def _default_knobs(self, params: dict, shape: dict) -> dict:
        out = {n: _knob_text(k.default) for n, k in self._knobs.items()}
        if self._defaults is not None:
            from .npu import Npu  # noqa: PLC0415  (npu imports this module's users)
            chosen = self._user_call(self._defaults, Npu._from_params(params), dict(shape))
            if not isinstance(chosen, Mapping):
                raise _npusim.ScheduleError(f"kernel {self.name}: defaults must return a dict of knob values")
            for n, v in chosen.items():
                if n not in self._knobs:
                    raise _npusim.ScheduleError(f"kernel {self.name}: defaults names no knob {n!r}")
                out[n] = _knob_text(v)
        return out

    def _build(self, shape: dict, knobs: dict) -> tuple:
        values = {n: int(v) if self._integer[n] else v for n, v in knobs.items()}
        inst = self._user_call(self.build, dict(shape), values)
        return self._check(inst)

    def _user_call(self, fn: Callable, *args: Any) -> Any:
        try:
            return fn(*args)
        except _npusim.UserError as e:
            raise type(e)(self.annotate(str(e))) from None
        except Exception as e:  # the user's code: say where in it
            raise _npusim.ScheduleError(self.annotate(f"kernel {self.name}: {type(e).__name__}: {e}"
                                                      f"{self._raised_at(e)}")) from None

    def _raised_at(self, e: BaseException) -> str:
        """Where the user's code raised: its frames in the build function's sources, innermost
        first (the traceback itself cannot cross the compiled module)."""
        files, tb, frames = set(_sources(self.build)), e.__traceback__, []
        while tb is not None:
            if tb.tb_frame.f_code.co_filename in files:
                frames.append(f"{_label((tb.tb_frame.f_code.co_filename, tb.tb_lineno))} in "
                              f"{tb.tb_frame.f_code.co_name}")
            tb = tb.tb_next
        return f" (at {', called from '.join(reversed(frames))})" if frames else ""

    def _check(self, inst: Any) -> tuple:
        hl = _halide()
        who = f"kernel {self.name}"
        if not isinstance(inst, KernelInstance):
            raise _npusim.ScheduleError(f"{who}: the build function must return npusim.KernelInstance, got "
                                        f"{type(inst).__name__}")
        params, names, shapes = [], set(), []
        for i, item in enumerate(inst.inputs):
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise _npusim.ShapeError(f"{who}: input {i} must be (ImageParam, shape)")
            p, shape = item
            if not isinstance(p, hl.ImageParam):
                raise _npusim.ShapeError(f"{who}: input {i} must be an hl.ImageParam, got {type(p).__name__}")
            shape = _shape_of(f"{who} input {p.name()}", shape)
            if len(shape) != p.dimensions():
                raise _npusim.ShapeError(self.annotate(
                    f"{who}: input {p.name()} is a {p.dimensions()}-D ImageParam but its shape {list(shape)} has "
                    f"{len(shape)} dimensions"))
            if p.name() in names or p.name() == "out":
                raise _npusim.ShapeError(f"{who}: two inputs, or an input and the output, are named {p.name()!r}")
            names.add(p.name())
            params.append(p)
            shapes.append(list(reversed(shape)))
        if not (isinstance(inst.output, (tuple, list)) and len(inst.output) == 2):
            raise _npusim.ShapeError(f"{who}: output must be (Func, shape)")
        out, out_shape = inst.output
        if not isinstance(out, hl.Func) or not out.defined():
            raise _npusim.ShapeError(f"{who}: the output must be a defined hl.Func, got {type(out).__name__}")
        out_shape = _shape_of(f"{who} output", out_shape)
        if len(out_shape) != out.dimensions() or len(out.output_types()) != 1:
            raise _npusim.ShapeError(self.annotate(
                f"{who}: output Func {out.name()} has {out.dimensions()} dimensions and "
                f"{len(out.output_types())} values but its shape {list(out_shape)} has {len(out_shape)} dimensions "
                "(one value per element is allowed)"))
        run = dict(inst.params or {})
        for dim in self._runtime:
            if dim not in run:
                raise _npusim.ShapeError(f"{who}: run-time dimension {dim} needs an hl.Param in params")
        for dim, p in run.items():
            if dim not in self._runtime:
                raise _npusim.ShapeError(f"{who}: params names {dim!r}, which is not a run-time dimension "
                                         f"({', '.join(self._runtime) or 'none declared'})")
            if not isinstance(p, hl.Param) or p.type() != hl.Int(32):
                raise _npusim.ShapeError(f"{who}: params {dim} must be an hl.Param(hl.Int(32), ...)")
        return params, shapes, out, list(reversed(out_shape)), run

    # -- errors ----------------------------------------------------------------------------
    def annotate(self, message: str) -> str:
        """``message`` with, for each of this kernel's Halide objects it names, where it was
        defined and scheduled in the user's source."""
        if "\n  where: " in message:
            return message
        # The compiler's hints are written in C++; say them as this kernel's author writes them.
        message = re.sub(r"\b(\w+)\.in\(\)", r"hl.Func(\1).in_()", message)
        message = message.replace("MemoryType::", "hl.MemoryType.").replace(".async()", ".async_()")
        notes = []
        for name, at in self._where.items():
            # An ImageParam's staging wrapper (hl.Func(x).in_()) is x_in in the compiler's messages.
            if re.search(rf"(?<![\w$.]){re.escape(name)}(?:_in|_im)?(?![\w$])", message):
                parts = []
                if at["defined"]:
                    parts.append("defined at " + ", ".join(_label(p) for p in at["defined"]))
                if at["scheduled"]:
                    parts.append("scheduled at " + ", ".join(_label(p) for p in at["scheduled"]))
                notes.append(f"{name} {'; '.join(parts)}")
        return message + ("\n  where: " + " | ".join(notes) if notes else "")

    # -- conveniences ----------------------------------------------------------------------
    def simulate(self, npu: Any = "default", schedule: Any = None, trace: Any = None, **shape: int):
        """``Npu(npu).kernel(self.name, ...)``."""
        from .npu import _as_npu  # noqa: PLC0415
        return _as_npu(npu).kernel(self.name, schedule=schedule, trace=trace, **shape)

    def host(self, inputs: Mapping[str, Any], schedule: Any = None, npu: Any = "default", **shape: int):
        """``npusim.kernel_host(self.name, ...)``: the scheduled pipeline JIT-compiled on the host."""
        from .npu import kernel_host  # noqa: PLC0415
        return kernel_host(self.name, inputs, schedule=schedule, npu=npu, **shape)

    def program(self, schedule: Any = None, npu: Any = "default", **shape: int) -> str:
        """``npusim.compile_kernel(self.name, ...)``: the npu::Program text it lowers to."""
        from .npu import compile_kernel  # noqa: PLC0415
        return compile_kernel(self.name, schedule=schedule, npu=npu, **shape)

    def tune(self, npu: Any = "default", **kwargs: Any):
        """``npusim.tune(self.name, ...)``."""
        from .npu import tune  # noqa: PLC0415
        return tune(self.name, npu=npu, **kwargs)

    # A kernel travels with what refers to it (a sweep's function, shipped to worker processes
    # with cloudpickle): unpickling registers it in the receiving process.
    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._register()
        _kernels[self.name] = self

    def __repr__(self) -> str:
        return f"HalideKernel({self.name!r}, shape={dict((n, d.default) for n, d in self._dims.items())})"


_kernels: Dict[str, HalideKernel] = {}


def halide_kernel(name: str, *, shape: Mapping[str, Union[int, Dim]], knobs: Optional[Mapping[str, Knob]] = None,
                  summary: str = "", runtime: Optional[Mapping[str, str]] = None,
                  defaults: Optional[Callable] = None) -> Callable[[Callable], HalideKernel]:
    """Decorator: registers ``build(shape, knobs) -> KernelInstance`` as kernel ``name`` for this
    session (defining it again replaces it). ``shape`` maps each dimension to its default or a
    ``Dim``; ``knobs`` maps each schedule knob to a ``Knob``; ``runtime`` maps a dimension the
    program takes at run time to the dimension bounding it (as attention's ``ctx`` by ``cap``);
    ``defaults(npu, shape) -> dict`` may choose knob defaults per NPU (an ``Npu``) and shape."""
    def register(build: Callable) -> HalideKernel:
        k = HalideKernel(name, build, shape, knobs, summary, runtime, defaults)
        _kernels[name] = k
        return k
    return register


@contextmanager
def user_errors(name: str) -> Iterator[None]:
    """Re-raises npusim's errors about kernel ``name``, if written in Python, with where its
    Funcs are in the user's source."""
    try:
        yield
    except _npusim.UserError as e:
        k = _kernels.get(name)
        if k is None:
            raise
        raise type(e)(k.annotate(str(e))).with_traceback(None) from None


def _checked_int(what: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _npusim.ShapeError(f"{what} must be an integer, got {v!r}")
    return v


def _shape_of(what: str, shape: Any) -> List[int]:
    try:
        dims = [int(x) for x in shape]
        ok = all(isinstance(x, int) or hasattr(x, "__index__") for x in shape)
    except TypeError:
        ok = False
    if not ok or any(d < 1 for d in dims):
        raise _npusim.ShapeError(f"{what}: shape must be a sequence of positive integers, got {shape!r}")
    return dims


def _knob_text(v: Any) -> str:
    return str(int(v)) if isinstance(v, bool) else str(v)


__all__ = ["Dim", "Knob", "KernelInstance", "HalideKernel", "halide_kernel"]
