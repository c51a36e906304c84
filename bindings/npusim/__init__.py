"""npusim: a cycle-approximate NPU simulator and kernel testbed.

    >>> import npusim
    >>> npu = npusim.Npu("default")
    >>> r = npu.gemm(512, 512, 512, schedule={"tile_m": 64})
    >>> r.cycles, r.roofline_cycles, r.energy_j
    >>> m = npu.model("llama-3.2-1b", quant="w4a8", prefill=512, decode=128)
    >>> m.to_pandas("prefill_ops")

Modules: ``npusim.plots`` (matplotlib figures), ``npusim.sweeps`` (parallel sweeps, locally or on a
Dask cluster), ``npusim.calibration`` (``npusim.calibrate``: presets fitted to measurements of the
real chip). User errors raise subclasses of ``npusim.UserError`` (itself a ``ValueError``):
``ConfigError`` (presets), ``ScheduleError`` (schedules that do not map), ``ProgramError``
(npu::Program texts, deadlocks), ``ShapeError`` (shapes, dtypes, layouts) and ``ModelError``
(model files, recipes). ``InternalError`` (a ``RuntimeError``) is a bug in npusim.
"""
from __future__ import annotations

import os as _os

# An installed package carries its presets and model configs; the build tree reads the sources'.
_packaged = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "configs")
if _os.path.isdir(_packaged) and not _os.environ.get("NPUSIM_CONFIG_DIR"):
    _os.environ["NPUSIM_CONFIG_DIR"] = _packaged

from ._npusim import (  # noqa: E402,F401  (re-exported)
    ConfigError,
    InternalError,
    ModelError,
    ProgramError,
    ScheduleError,
    ShapeError,
    UserError,
    available_host_bytes,
    config_dir,
    model_names,
    param_specs,
    preset_entries,
    preset_names,
    quantize_multiplier,
)
from .npu import (  # noqa: E402,F401
    Npu,
    compile_gemm,
    compile_kernel,
    compile_stats,
    gemm_host,
    idle_knobs,
    kernel_host,
    kernels,
    requant_params,
    tune,
)
from .halide_kernels import Dim, HalideKernel, KernelInstance, Knob, halide_kernel  # noqa: E402,F401
from .calibration import Calibration, CalibrationError, MeasurementError, calibrate  # noqa: E402,F401
from .quant import (  # noqa: E402,F401
    MiniLM, data_dir, encode_weights, minilm_dir, quant_eval, sentences, weight_formats)
from .results import ModelResult, QuantTable, Result, TuneResult  # noqa: E402,F401
from .sweeps import sweep  # noqa: E402,F401
from .deploy import CompareTable, compare, deploy  # noqa: E402,F401

__version__ = "0.1.0"

__all__ = [
    "Npu", "Result", "ModelResult", "TuneResult", "QuantTable",
    "kernels", "kernel_host", "compile_kernel", "compile_stats", "tune", "idle_knobs",
    "halide_kernel", "HalideKernel", "KernelInstance", "Knob", "Dim",
    "gemm_host", "compile_gemm", "requant_params", "quantize_multiplier",
    "quant_eval", "encode_weights", "weight_formats", "MiniLM", "minilm_dir", "sentences", "data_dir",
    "sweep", "compare", "deploy", "CompareTable", "calibrate", "Calibration", "CalibrationError", "MeasurementError",
    "preset_entries", "preset_names", "model_names", "param_specs", "config_dir", "available_host_bytes",
    "UserError", "ConfigError", "ScheduleError", "ProgramError", "ShapeError", "ModelError", "InternalError",
]
