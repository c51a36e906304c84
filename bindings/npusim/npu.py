"""NPU presets and what runs on them: kernels, programs, whole models, schedule tuning, and the
kernels' scheduled Halide pipelines on the host."""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Union

import numpy as np

from . import _npusim
from .halide_kernels import user_errors
from .results import ModelResult, Result, TuneResult

Knobs = Optional[Union[Mapping[str, Any], str]]
Trace = Union[None, bool, str]


def _key(name: str) -> str:
    # Python keywords cannot hold dots: dram__bytes_per_cycle means dram.bytes_per_cycle.
    return name.replace("__", ".")


def _int(what: str, value: Any) -> int:
    """An integer argument as Python's int: numpy's integers (what pandas and sweeps hand over)
    are accepted; a float, a bool or anything else is a ShapeError naming the argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _npusim.ShapeError(f"{what} must be an integer, got {value!r} ({type(value).__name__})")
    return int(value)


def _shape(shape: Mapping[str, Any]) -> dict:
    return {d: _int(f"shape {d}", v) for d, v in shape.items()}


class Npu:
    """An NPU preset, by name (``npusim.preset_names()``) or path to a YAML file, with optional
    parameter overrides: ``Npu("default", dram__bytes_per_cycle=64)`` (``__`` stands for the dot
    of ``dram.bytes_per_cycle``). A bad preset or override raises ``ConfigError`` naming the file
    and field. ``Npu`` objects pickle, so sweeps can ship them to worker processes."""

    def __init__(self, name_or_path: str = "default", **overrides: Any):
        self._params = _npusim.load_preset(str(name_or_path), {_key(k): str(v) for k, v in overrides.items()})
        self.name = self._params["name"]

    @classmethod
    def _from_params(cls, params: Mapping[str, str]) -> "Npu":
        npu = cls.__new__(cls)
        npu._params = dict(params)
        npu.name = npu._params["name"]
        return npu

    @property
    def params(self) -> dict:
        """Every parameter of this NPU (text values, as in the preset)."""
        return dict(self._params)

    def param(self, key: str) -> float:
        """One numeric parameter: ``npu.param("dram.bytes_per_cycle")``."""
        return float(self._params[key])

    def peak_macs_per_s(self, dtype: str = "int8") -> float:
        """The MAC array's peak multiply-accumulates per second for int8, int4 or fp16 operands."""
        per_pe = self.param(f"mac.{dtype}_per_pe_cycle")
        return (self.param("mac.rows") * self.param("mac.cols") * per_pe * self.param("cores")
                * self.param("clock_mhz") * 1e6)

    def dram_bytes_per_s(self) -> float:
        """Sustained DRAM bandwidth: bytes per cycle x clock x efficiency."""
        return self.param("dram.bytes_per_cycle") * self.param("clock_mhz") * 1e6 * self.param("dram.efficiency")

    def gemm(self, m: int, n: int, k: int, schedule: Knobs = None, layout: Knobs = None,
             trace: Trace = None) -> Result:
        """Simulates the W8A8 GEMM (a[m,k] x w[n,k]^T, requantized to int8) with a schedule
        (knobs tile_m, tile_n, tile_k, order, stage_a, stage_b, double_buffer, parallel) and a DRAM
        layout (a_pitch, w_pitch, out_pitch, base_align, base_offset). ``trace=True`` keeps the
        Chrome/Perfetto trace (one track per engine) in ``result.trace``; a path also writes it."""
        m, n, k = (_int(d, v) for d, v in (("m", m), ("n", n), ("k", k)))
        report, trace_json = _npusim.simulate_gemm(self._params, m, n, k, schedule, layout, bool(trace))
        return _finish(report, trace_json, trace)

    def kernel(self, name: str, schedule: Knobs = None, trace: Trace = None, **shape: int) -> Result:
        """Simulates a kernel of the library (``npusim.kernels()``) with a schedule; shape
        dimensions by keyword (``t=512, d=2048``), unnamed ones and unnamed knobs take their
        defaults for this NPU. The result's ``schedule`` and ``shape`` say what ran."""
        with user_errors(name):
            report, trace_json, knobs, full_shape = _npusim.simulate_kernel(self._params, name, _shape(shape),
                                                                            schedule, bool(trace))
        result = _finish(report, trace_json, trace)
        result._data["schedule"] = dict(knobs)
        result._data["shape"] = dict(full_shape)
        return result

    def model(self, model: str = "llama-3.2-1b", quant: str = "w4a8", prefill: int = 512, decode: int = 128,
              chunk: int = 0, kv_block: int = 16, max_context: bool = False, draft: str = "",
              draft_quant: str = "", spec_k: int = 4, accept: float = 0.7,
              skip_prefill: bool = False, sustained: float = 0, place=()) -> ModelResult:
        """Simulates a whole model (a shipped name from ``npusim.model_names()`` or a config.json
        path) with a quantization recipe (docs/quantization.md): time to first token, tokens/s,
        energy per token, memory footprint against this NPU's budget (``dram.capacity_bytes``),
        optionally the longest context that fits and a speculative-decoding estimate with a
        ``draft`` model; per-op and per-layer tables via ``to_pandas``. ``skip_prefill=True``
        takes the prompt's KV cache as given and simulates only the decode steps (the decode
        speed at a long context, whose prefill would take long to simulate). ``cold_start`` lists
        the first token from a cold start with the weights read whole (``full``) or memory-mapped
        (``mmap``); ``sustained=SECONDS`` also runs the last decode step back to back under the
        preset's thermal model: ``sustained`` holds burst and sustained tokens/s, when the clock
        first stepped down, and ``to_pandas("sustained")`` the series over time. ``place`` lists
        rules ``"PATTERN=DEVICE"`` over the default placement (the NPU where it has the op's kernel
        and maps its arithmetic, else the CPU), first match first: ``place=["layer.attention=cpu"]``;
        each op's ``device`` is in the op tables, and ``devices`` gives each device's busy time and
        the hand-offs between them."""
        prefill, decode, chunk, kv_block, spec_k = (
            _int(d, v) for d, v in (("prefill", prefill), ("decode", decode), ("chunk", chunk),
                                    ("kv_block", kv_block), ("spec_k", spec_k)))
        return ModelResult(json.loads(_npusim.run_model(self._params, model, quant, prefill, decode, chunk,
                                                        kv_block, max_context, draft, draft_quant, spec_k,
                                                        float(accept), skip_prefill, float(sustained),
                                                        ",".join([place] if isinstance(place, str) else place))))

    def run_program(self, text: str, trace: Trace = None) -> Result:
        """Simulates an npu::Program given as text (docs/program.md)."""
        report, trace_json = _npusim.simulate_program(self._params, text, bool(trace))
        return _finish(report, trace_json, trace)

    def __repr__(self) -> str:
        return f"Npu({self.name!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Npu) and other._params == self._params

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._params.items())))


def _finish(report: str, trace_json: str, trace: Trace) -> Result:
    if isinstance(trace, str):
        with open(trace, "w") as f:
            f.write(trace_json)
    return Result(json.loads(report), json.loads(trace_json) if trace else None)


def _as_npu(npu: Union[str, Npu]) -> Npu:
    return npu if isinstance(npu, Npu) else Npu(npu)


def kernels() -> list:
    """The kernel library: for each kernel its name, summary (numerics), shape dimensions and
    schedule knobs (with the values the tuner searches)."""
    return _npusim.kernels()


def compile_kernel(name: str, schedule: Knobs = None, npu: Union[str, Npu] = "default", **shape: int) -> str:
    """The npu::Program text a kernel lowers to (defaults for the knobs come from ``npu``)."""
    with user_errors(name):
        return _npusim.compile_kernel(_as_npu(npu)._params, name, _shape(shape), schedule)


def idle_knobs(name: str, schedule: Knobs = None, npu: Union[str, Npu] = "default", **shape: int) -> list:
    """The choice and on/off knobs of this call that change nothing on ``npu`` at this shape: every
    other value lowers to the same program (double buffering with a single tile, ``parallel`` on a
    one-core NPU). The tuner leaves such knobs at their defaults."""
    with user_errors(name):
        return _npusim.idle_knobs(_as_npu(npu)._params, name, _shape(shape), schedule)


def compile_stats() -> dict:
    """How many kernels this process has lowered to programs (``lowerings``) and JIT-compiled for
    the host (``host_jits``); cache hits count neither. Attention takes its context as a run-time
    parameter, so a sweep over contexts up to one ``cap`` lowers once."""
    return _npusim.compile_stats()


def kernel_host(name: str, inputs: Mapping[str, np.ndarray], schedule: Knobs = None,
                npu: Union[str, Npu] = "default", cpu_schedule: bool = False, **shape: int) -> np.ndarray:
    """Runs a kernel's scheduled Halide pipeline on the host and returns its output. ``inputs``
    maps each input name to an array, outermost dimension first (``x`` of ``rms_norm`` is float16
    [t, d]); the shape dimensions are given by keyword. C-contiguous inputs are read in place and
    the output array views the pipeline's buffer (no copies). ``cpu_schedule=True`` runs the same
    algorithm with its host CPU schedule instead of the NPU's (bit-identical, much faster on large
    shapes; what the accuracy passes use)."""
    with user_errors(name):
        return _npusim.kernel_host(_as_npu(npu)._params, name, _shape(shape), schedule, dict(inputs),
                                   bool(cpu_schedule))


def tune(kernel: str, npu: Union[str, Npu] = "default", budget: int = 64, seed: int = 1, cache: bool = True,
         space: Optional[Mapping[str, Any]] = None, progress: bool = False, exhaustive: bool = False,
         **shape: int) -> TuneResult:
    """Searches ``kernel``'s schedule knobs on ``npu`` with the simulator as the cost function
    (docs/tuning.md). ``space`` restricts knobs to lists of values; ``exhaustive`` evaluates every
    schedule of the space instead. Evaluations are cached on disk unless ``cache=False``."""
    space_text = {k: [str(int(x)) if isinstance(x, bool) else str(x) for x in v] for k, v in (space or {}).items()}
    with user_errors(kernel):
        data = _npusim.tune(_as_npu(npu)._params, kernel, _shape(shape), int(budget), int(seed),
                            _npusim.default_cache_dir() if cache else "", space_text, bool(progress),
                            bool(exhaustive))
    return TuneResult(data)


def compile_gemm(m: int, n: int, k: int, schedule: Knobs = None, layout: Knobs = None) -> str:
    """The npu::Program text the compiler lowers the scheduled GEMM to."""
    return _npusim.compile_gemm(m, n, k, schedule, layout)


def requant_params(a_scale: float, w_scales, out_scale: float):
    """Folds a static per-tensor activation scale, per-channel weight scales and the output scale
    into the kernel's fixed-point (multiplier, shift) arrays."""
    pairs = [_npusim.quantize_multiplier(float(a_scale) * float(s) / float(out_scale)) for s in np.ravel(w_scales)]
    mult = np.array([p[0] for p in pairs], dtype=np.int32)
    shift = np.array([p[1] for p in pairs], dtype=np.int32)
    return mult, shift


def gemm_host(a: np.ndarray, w: np.ndarray, bias: np.ndarray, multiplier: np.ndarray, shift: np.ndarray,
              schedule: Knobs = None) -> np.ndarray:
    """Runs the scheduled W8A8 GEMM on the host (Halide JIT): a int8 [m,k], w int8 [n,k],
    bias/multiplier/shift int32 [n]; returns int8 [m,n], bit-exact with the NPU's arithmetic."""
    return _npusim.gemm_host(a, w, bias, multiplier, shift, schedule)
