"""Deployment manifests (one YAML file per target: chip, model, recipe, placement, KV cache, limits,
load path, thermal scenario; configs/deploy/ has examples, docs/deploy.md every key), run and put
side by side, as ``npusim deploy`` and ``npusim compare`` do."""
from __future__ import annotations

import json
import os
from typing import Optional, Sequence, Union

from . import _npusim
from .results import _Fields

PathLike = Union[str, "os.PathLike[str]"]


class CompareTable(_Fields):
    """Targets side by side (``npusim.compare``): ``targets``, one dict per manifest with
    ``ttft_s``, ``cold_ttft_s`` (on its load path), ``decode_tokens_per_s`` (burst),
    ``sustained_tokens_per_s`` (under its thermal scenario), ``decode_energy_per_token_j``,
    ``peak_memory_bytes`` and, where the manifest names a quant-eval table with its recipe,
    ``mean_cosine`` and ``perplexity``."""

    _kind = "CompareTable"

    def to_pandas(self):
        """One row per target, indexed by its name."""
        return self._frame(self.targets).set_index("target")

    def plot(self, save: Optional[str] = None):
        """Bars per target: first token warm and cold, decode burst and sustained, energy per
        token, peak memory (and accuracy where measured); ``npusim.plots.compare``."""
        from .plots import compare as draw
        return draw(self, save=save)

    def __repr__(self) -> str:
        return f"CompareTable({len(self.targets)} targets: {', '.join(t['target'] for t in self.targets)})"


def compare(*manifests: Union[PathLike, Sequence[PathLike]]) -> CompareTable:
    """Runs each manifest (paths, or one list of them) and returns the table ``npusim compare``
    prints. Every manifest is read (and its errors raised, naming file, line and key) before any
    is simulated; a target over its memory budget raises ``UserError`` saying by how much."""
    paths = []
    for m in manifests:
        paths.extend([m] if isinstance(m, (str, os.PathLike)) else list(m))
    if not paths:
        raise ValueError("compare needs at least one manifest")
    return CompareTable(json.loads(_npusim.compare_manifests([os.fspath(p) for p in paths])))


def deploy(manifest: PathLike) -> dict:
    """One target's report (``npusim deploy MANIFEST --json``), as a dict."""
    return compare(manifest).targets[0]
