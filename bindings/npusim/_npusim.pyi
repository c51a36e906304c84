"""
npusim compiled core (use the `npusim` package)
"""
from __future__ import annotations
import numpy
import typing
__all__: list[str] = ['BertReference', 'ConfigError', 'InternalError', 'LlamaReference', 'ModelError', 'ProgramError', 'ScheduleError', 'ShapeError', 'UserError', 'WordPiece', 'add_kernel', 'available_host_bytes', 'awq', 'compare_manifests', 'compile_gemm', 'compile_kernel', 'compile_stats', 'config_dir', 'default_cache_dir', 'encode_weights', 'gemm_host', 'gptq', 'idle_knobs', 'kernel_host', 'kernels', 'load_preset', 'model_names', 'param_specs', 'preset_entries', 'preset_names', 'quant_eval', 'quantize_multiplier', 'run_model', 'simulate_gemm', 'simulate_kernel', 'simulate_program', 'smooth_quant', 'tune', 'weight_formats']
class UserError(ValueError):
    pass
class ConfigError(UserError):
    pass
class ScheduleError(UserError):
    pass
class ProgramError(UserError):
    pass
class ShapeError(UserError):
    pass
class InternalError(RuntimeError):
    pass
class ModelError(UserError):
    pass
class WordPiece:
    def __init__(self, vocab_path: str) -> None:
        ...
    def __len__(self) -> int:
        ...
    def encode(self, text: str, max_tokens: int = 256) -> list[int]:
        ...
    def token(self, arg0: int) -> str:
        ...
class BertReference:
    def __init__(self, config_path: str, weights_path: str) -> None:
        ...
    def hidden_states(self, arg0: list[int]) -> list:
        ...
    def quant_eval(self, params: dict, recipe: str, ids: list[list[int]], calib_ids: list[list[int]], calibration_in: str = '', calibration_out: str = '') -> dict:
        ...
    def sentence_embedding(self, arg0: list[int]) -> numpy.ndarray[numpy.float32]:
        ...
class LlamaReference:
    def __init__(self, config_path: str, weights_path: str) -> None:
        ...
    def logits(self, arg0: list[int]) -> numpy.ndarray[numpy.float32]:
        ...
    def perplexity(self, text: str, window: int = 255, max_windows: int = 1048576, recipe: str = '', params: dict = {}, calib_text: str = '', calib_windows: int = 8) -> float:
        ...
    def rotated(self, seed: int = 1) -> LlamaReference:
        """
        The same model with its residual stream rotated (QuaRot R1, quant/rotation.h).
        """
def add_kernel(name: str, summary: str, dims: list[tuple[str, int, int, int, str]], knobs: list[tuple[str, bool, list[str], str, int]], runtime: list[tuple[str, str]], defaults: typing.Any, build: typing.Any, revision: str) -> None:
    """
    Adds a kernel whose build(shape, knobs) returns Halide objects (npusim.halide_kernel).
    """
def available_host_bytes() -> int:
    """
    Bytes this process can still allocate (MemAvailable, within the cgroup limit); 0 if unknown.
    """
def awq(w: typing.Any, x: typing.Any, bits: int, group: int) -> tuple:
    ...
def compare_manifests(paths: list[str]) -> str:
    ...
def compile_gemm(m: int, n: int, k: int, schedule: typing.Any = None, layout: typing.Any = None) -> str:
    ...
def compile_kernel(params: dict, name: str, shape: dict, schedule: typing.Any = None) -> str:
    ...
def compile_stats() -> dict:
    ...
def config_dir() -> str:
    """
    The folder of the presets (npu/) and model configs (models/).
    """
def default_cache_dir() -> str:
    ...
def encode_weights(format: str, weights: typing.Any, block: int = 0) -> tuple:
    ...
def gemm_host(a: typing.Any, w: typing.Any, bias: typing.Any, multiplier: typing.Any, shift: typing.Any, schedule: typing.Any = None) -> numpy.ndarray[numpy.int8]:
    ...
def gptq(w: typing.Any, x: typing.Any, bits: int, group: int, fp16_scales: bool = False) -> tuple:
    ...
def idle_knobs(params: dict, name: str, shape: dict, schedule: typing.Any = None) -> list[str]:
    ...
def kernel_host(params: dict, name: str, shape: dict, schedule: typing.Any, inputs: dict, cpu_schedule: bool = False) -> numpy.ndarray:
    ...
def kernels() -> list:
    ...
def load_preset(name_or_path: str, overrides: dict[str, str] = {}) -> dict:
    """
    Loads and validates a preset; returns its parameters as text.
    """
def model_names() -> list[str]:
    """
    Names of the shipped model configs.
    """
def param_specs() -> list:
    ...
def preset_entries(name_or_path: str) -> tuple:
    """
    A preset's values after inheritance: (base, {key: {value, comment, where, provenance}}).
    """
def preset_names() -> list[str]:
    """
    Names of the shipped NPU presets.
    """
def quant_eval(params: dict, recipes: list[str], minilm_dir: str, data_dir: str, lm_dir: str, sentences: int, calib: int, tokens: int, lm_windows: int, calibration_dir: str, progress: typing.Any, cost_model: str = '', budget_s: float = 0.0) -> str:
    """
    The accuracy-against-cost table of quantization recipes, as JSON.
    """
def quantize_multiplier(scale: float) -> tuple:
    ...
def run_model(params: dict, model: str, quant: str, prefill: int, decode: int, chunk: int, kv_block: int, max_context: bool, draft: str, draft_quant: str, spec_k: int, accept: float, skip_prefill: bool = False, sustained_s: float = 0.0, placement: str = '') -> str:
    ...
def simulate_gemm(params: dict, m: int, n: int, k: int, schedule: typing.Any = None, layout: typing.Any = None, trace: bool = False) -> tuple[str, str]:
    ...
def simulate_kernel(params: dict, name: str, shape: dict, schedule: typing.Any = None, trace: bool = False) -> tuple:
    ...
def simulate_program(params: dict, text: str, trace: bool = False) -> tuple[str, str]:
    ...
def smooth_quant(w: typing.Any, x: typing.Any, bits: int = 8, alpha: float = 0.0) -> tuple:
    ...
def tune(params: dict, name: str, shape: dict, budget: int, seed: int, cache_dir: str, space: dict[str, list[str]], progress: bool, exhaustive: bool) -> dict:
    ...
def weight_formats() -> list:
    ...
_sc_main: typing.Any
