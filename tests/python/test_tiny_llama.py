"""The shipped decoder LM (data/tiny-llama-kjv, trained by scripts/train_tiny_llama.py): npusim's
float32 forward pass against the training script's own (JAX) held-out perplexity, rotation that
leaves it unchanged, and quantized perplexity through the kernel library on the host."""
import json
import os

import numpy as np
import pytest

import npusim

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
LM = os.path.join(ROOT, "data", "tiny-llama-kjv")
HELDOUT = open(os.path.join(ROOT, "data", "kjv-heldout.txt"), "rb").read().decode()
CALIB = open(os.path.join(ROOT, "data", "sentences-kjv.txt"), "rb").read().decode()
W = 8  # held-out windows the quantized passes score (one batch shape for all)


@pytest.fixture(scope="module")
def lm():
    return npusim._npusim.LlamaReference(os.path.join(LM, "config.json"), os.path.join(LM, "model.safetensors"))


def test_shipped_model_is_small_and_documented():
    assert os.path.getsize(os.path.join(LM, "model.safetensors")) < 20 * 2**20
    log = json.load(open(os.path.join(LM, "train_log.json")))
    assert log["log"][-1]["loss"] < log["log"][0]["loss"] / 3  # it learned
    assert os.path.exists(os.path.join(ROOT, "scripts", "train_tiny_llama.py"))


def test_float_perplexity_matches_the_training_script(lm):
    # Two independent forward passes (JAX in training, Eigen here) over the same 243 windows.
    log = json.load(open(os.path.join(LM, "train_log.json")))
    ppl = lm.perplexity(HELDOUT, window=log["heldout_window"] - 1)
    assert ppl == pytest.approx(log["heldout_ppl_per_byte"], rel=1e-4)
    assert ppl < 8  # far below the 256 of a uniform guess over bytes


def test_rotation_keeps_the_float_model(lm):
    rot = lm.rotated(seed=3)
    ids = list(HELDOUT[:200].encode())
    a, b = lm.logits(ids), rot.logits(ids)
    assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()
    assert rot.perplexity(HELDOUT, max_windows=W) == pytest.approx(lm.perplexity(HELDOUT, max_windows=W), rel=1e-5)


def test_quantized_perplexity_follows_the_recipe(lm):
    params = npusim.Npu()._params
    fp = lm.perplexity(HELDOUT, max_windows=W)
    q = {r: lm.perplexity(HELDOUT, max_windows=W, recipe=r, params=params, calib_text=CALIB)
         for r in ("w8a16", "w4a16", "w8a8-dynamic", "w8a16+kv16")}
    assert fp <= q["w8a16"] < fp * 1.02
    # The cache precision is used: an fp16 cache changes the result, by no more than rounding noise
    # on this small model (the int8 cache already costs under 0.01 %).
    assert q["w8a16+kv16"] != q["w8a16"] and q["w8a16+kv16"] == pytest.approx(q["w8a16"], rel=1e-3)
    assert q["w8a16"] < q["w4a16"]
    assert q["w8a8-dynamic"] < fp * 1.10
    # +rot quantizes the rotated model: the same as rotating by hand, then quantizing.
    rotated = lm.rotated(seed=1).perplexity(HELDOUT, max_windows=W, recipe="w8a8", params=params, calib_text=CALIB)
    assert lm.perplexity(HELDOUT, max_windows=W, recipe="w8a8+rot", params=params, calib_text=CALIB) == rotated
    assert rotated != lm.perplexity(HELDOUT, max_windows=W, recipe="w8a8", params=params, calib_text=CALIB)


def test_learned_rotation_model_is_the_same_float_model(lm):
    # data/tiny-llama-kjv-r1 (scripts/learn_rotation.py): the norms folded, R1 learned on the
    # quantized loss and folded in, lm_head untied. In float it is the shipped model.
    r1 = os.path.join(ROOT, "data", "tiny-llama-kjv-r1")
    cfg = json.load(open(os.path.join(r1, "config.json")))
    log = json.load(open(os.path.join(r1, "rotation.json")))
    assert cfg["tie_word_embeddings"] is False and log["max_orthogonality_error"] < 1e-4
    rotated = npusim._npusim.LlamaReference(os.path.join(r1, "config.json"), os.path.join(r1, "model.safetensors"))
    assert rotated.perplexity(HELDOUT, window=255) == pytest.approx(lm.perplexity(HELDOUT, window=255), rel=1e-4)
    assert rotated.perplexity(HELDOUT, window=255) == pytest.approx(log["float_ppl_rotated"], rel=1e-4)
    ids = list(HELDOUT[:200].encode())
    a, b = lm.logits(ids), rotated.logits(ids)
    assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max()
