"""Quantization on all-MiniLM-L6-v2's real weights: the quantized pass (the kernel library on the
host) against the float32 reference, and npusim quant-eval's accuracy-against-cost table."""
import json
import os
import subprocess
import sys

import pytest

import npusim

NPUSIM = os.environ.get("NPUSIM_BIN", "build/bin/npusim")
N = 8  # sentences: one batch shape for every test, so the host pipelines compile once


@pytest.fixture(scope="module")
def minilm():
    return npusim.MiniLM()


@pytest.fixture(scope="module")
def ids(minilm):
    held = open(os.path.join(os.path.dirname(__file__), "..", "..", "data", "kjv-heldout.txt")).read().splitlines()
    return [minilm.tokenize(s) for s in npusim.sentences()[:N]], [minilm.tokenize(s) for s in held[:8]]


def evaluate(minilm, ids, recipe, **kw):
    return minilm._ref.quant_eval(npusim.Npu()._params, recipe, ids[0], ids[1], **kw)


def test_weight_only_and_dynamic_stay_close_to_float(minilm, ids):
    w8 = evaluate(minilm, ids, "w8a16")
    assert w8["mean_cosine"] > 0.999 and w8["retrieval_agreement"] == 1.0
    fp16_cache = evaluate(minilm, ids, "w8a16+kv16")  # K and V kept in fp16: no cache quantization
    assert fp16_cache["mean_cosine"] > 0.999 and fp16_cache["mean_cosine"] != w8["mean_cosine"]
    assert min(w8["layer_sqnr_db"]) > 30
    dyn = evaluate(minilm, ids, "w8a8-dynamic")
    assert dyn["mean_cosine"] > 0.99
    # Fewer bits, more error: int4 weights lose SQNR against int8 at every layer past the embeddings.
    w4 = evaluate(minilm, ids, "w4a16")
    assert all(a < b for a, b in zip(w4["layer_sqnr_db"][1:], w8["layer_sqnr_db"][1:]))
    # The embeddings' output does not depend on the linears' recipe.
    assert w4["layer_sqnr_db"][0] == w8["layer_sqnr_db"][0]


def test_static_activation_outliers_and_mixed_precision(minilm, ids, tmp_path):
    static = evaluate(minilm, ids, "w8a8", calibration_out=str(tmp_path / "w8a8.calib"))
    dyn = evaluate(minilm, ids, "w8a8-dynamic")
    # Per-tensor static int8 activations lose to BERT's activation outliers what per-token dynamic
    # scales keep.
    assert static["mean_cosine"] < dyn["mean_cosine"]
    # The saved calibration reproduces the run exactly.
    again = evaluate(minilm, ids, "w8a8", calibration_in=str(tmp_path / "w8a8.calib"))
    assert again == static
    text = (tmp_path / "w8a8.calib").read_text()
    assert "scale layer.5.down_proj.in " in text and "scale layer.0.qkv_proj.out " in text
    # Promoting the most sensitive quarter of the linears to fp16 activations helps.
    mixed = evaluate(minilm, ids, "w8a8+mp25", calibration_out=str(tmp_path / "mp.calib"))
    assert len(mixed["promoted"]) == 6 and "+a16@" in mixed["recipe"]
    assert mixed["mean_cosine"] > static["mean_cosine"]
    # The simulator charges the promoted linears at fp16 activations, read from the same file.
    p = subprocess.run([NPUSIM, "model", "--model", "all-minilm-l6-v2", "--quant", "w8a8+mp25", "--calibration",
                        str(tmp_path / "mp.calib"), "--prefill", "32", "--decode", "0", "--json", "--quiet"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    ops = json.loads(p.stdout)["prefill_ops"]
    assert sum(o["count"] for o in ops if o["kernel"] == "gemm_w8a16") == 6
    with pytest.raises(npusim.UserError, match=r"\+rot rotates a pre-norm decoder"):
        evaluate(minilm, ids, "w8a8+rot")


def test_quant_eval_cli_table_and_pareto_plot(tmp_path):
    table = tmp_path / "t.json"
    p = subprocess.run([NPUSIM, "quant-eval", "--recipes", "w8a8,w8a8-dynamic", "--sentences", str(N), "--calib", "8",
                        "--tokens", "64", "--lm-windows", "4", "--quiet", "--save", str(table)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "w8a8-dynamic+kv8" in p.stdout and "retrieval" in p.stdout
    data = json.loads(table.read_text())
    rows = {r["recipe"]: r for r in data["recipes"]}
    # The decoder LM's perplexity per recipe, beside its float32 value.
    assert 1 < data["float_perplexity"] < min(r["perplexity"] for r in rows.values())
    static, dyn = rows["w8a8+kv8"], rows["w8a8-dynamic+kv8"]
    # Static against dynamic: dynamic is more accurate and pays its run-time reductions in latency.
    assert dyn["mean_cosine"] > static["mean_cosine"]
    assert dyn["latency_s"] > static["latency_s"] > 0
    png = tmp_path / "p.png"
    p = subprocess.run([sys.executable, "-m", "npusim.plots", "pareto", str(table), str(png)], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_quant_eval_errors():
    p = subprocess.run([NPUSIM, "quant-eval", "--model", "llama-3.2-1b"], capture_output=True, text=True)
    assert p.returncode == 1 and "real weights, which ship only for all-minilm-l6-v2" in p.stderr
    p = subprocess.run([NPUSIM, "quant-eval", "--recipes", "w8a8-asym", "--sentences", "2"], capture_output=True,
                       text=True)
    assert p.returncode == 1 and "asymmetric quantization is not supported" in p.stderr
    p = subprocess.run([NPUSIM, "quant-eval", "--weights", "/nonexistent"], capture_output=True, text=True)
    assert p.returncode == 1 and "/nonexistent/config.json" in p.stderr
    p = subprocess.run([NPUSIM, "quant-eval", "--lm", "/nonexistent", "--sentences", "2"], capture_output=True,
                       text=True)
    assert p.returncode == 1 and "/nonexistent/config.json" in p.stderr


def test_cost_model_is_the_llm_run_with_each_recipe():
    table = npusim.quant_eval(["w8a8", "w4a16"], npu="hexagon_8gen3", sentences=2, calib=1, tokens=16, lm=None,
                              cost_model="qwen2.5-0.5b")
    assert table.cost_model == "qwen2.5-0.5b"
    npu = npusim.Npu("hexagon_8gen3")
    for row in table.recipes:
        direct = npu.model("qwen2.5-0.5b", quant=row["recipe"], prefill=512, decode=128)
        assert row["cost_ttft_s"] == pytest.approx(direct.ttft_s)
        assert row["cost_decode_tokens_per_s"] == pytest.approx(direct.decode_tokens_per_s)
        assert row["cost_weight_bytes"] == direct.weight_bytes
    with pytest.raises(npusim.UserError, match="a decoder LLM is needed"):
        npusim.quant_eval(["w8a8"], sentences=2, calib=1, lm=None, cost_model="all-minilm-l6-v2")


def test_smoothing_and_per_channel_outputs_keep_static_int8_accurate(minilm, ids):
    static = evaluate(minilm, ids, "w8a8")
    outch = evaluate(minilm, ids, "w8a8-outch")
    smooth = evaluate(minilm, ids, "w8a8-smooth-outch")
    # BERT's outlier channels: per-channel output scales recover most of what one scale per tensor
    # loses, SmoothQuant's migration of the input outliers most of the rest (all still static).
    assert static["mean_cosine"] < outch["mean_cosine"] < smooth["mean_cosine"]
    assert smooth["mean_cosine"] > 0.99
    # AWQ's activation-aware scales help 4-bit weights over plain rounding.
    assert evaluate(minilm, ids, "w4a16-awq")["mean_cosine"] > evaluate(minilm, ids, "w4a16")["mean_cosine"]


def test_mixed_precision_under_a_latency_budget():
    kw = dict(sentences=2, calib=1, lm=None)
    base = npusim.quant_eval(["w8a8-outch"], **kw).recipes[0]
    wide = npusim.quant_eval(["w8a8-outch"], budget_ms=1e6, **kw)
    rows = {r["recipe"]: r for r in wide.recipes}
    # The candidates: the base, then more linears at fp16 activations, each slower; all 24 last.
    assert list(rows)[0] == base["recipe"] and len(rows) == 5 and not wide.over_budget
    latencies = [r["latency_s"] for r in wide.recipes]
    assert latencies[0] == pytest.approx(base["latency_s"]) and latencies == sorted(latencies)
    assert wide.recipes[-1]["recipe"].count("+a16@") == 24
    assert wide.best in rows and rows[wide.best]["mean_cosine"] == max(r["mean_cosine"] for r in wide.recipes)
    # A budget between the fastest and the slowest: only the candidates within it are measured.
    budget = (latencies[1] + latencies[2]) / 2
    tight = npusim.quant_eval(["w8a8-outch"], budget_ms=budget * 1e3, **kw)
    assert [r["recipe"] for r in tight.recipes] == list(rows)[:2]
    assert [o["recipe"] for o in tight.over_budget] == list(rows)[2:]
    assert all(o["latency_s"] > budget for o in tight.over_budget)
    with pytest.raises(npusim.UserError, match=r"is infeasible: the fastest candidate, w8a8-outch\+kv8, takes "):
        npusim.quant_eval(["w8a8-outch"], budget_ms=latencies[0] * 1e3 * 0.99, **kw)
    with pytest.raises(npusim.UserError, match="w8a16\\+kv8' is not one"):
        npusim.quant_eval(["w8a16"], budget_ms=10, **kw)


def test_weight_formats_as_recipes(minilm, ids):
    fp8, nf4, int3 = (evaluate(minilm, ids, r)["mean_cosine"] for r in ("w8a16-fp8-e4m3", "w4a16-nf4", "w4a16-int3"))
    # More levels, less loss: 8-bit floats keep the embeddings, 3-bit integers lose most.
    assert fp8 > 0.995 and fp8 > nf4 > int3
    # The footprint counts each format's own bits: NF4's fp32 absmax per 64 weights against
    # w4a16-g64's fp16 scale, INT3's 3-bit codes against INT4's.
    npu = npusim.Npu()

    def weights(recipe):
        return npu.model("all-minilm-l6-v2", quant=recipe, prefill=16, decode=0).weight_bytes

    assert weights("w4a16-nf4") > weights("w4a16-g64") > weights("w4a16-int3")
    with pytest.raises(npusim.UserError, match="cannot consume this format"):
        evaluate(minilm, ids, "w4a8-nf4")
