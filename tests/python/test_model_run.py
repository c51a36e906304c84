"""npusim model: whole-model figures behave as the kernels imply."""
import json
import os
import subprocess

import pytest

import npusim

NPUSIM = os.environ.get("NPUSIM_BIN", "build/bin/npusim")


def model(*args):
    p = subprocess.run([NPUSIM, "model", "--quiet", "--json", *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize("preset", ["default", "hexagon_8gen3"])
def test_decode_never_beats_the_bandwidth_roofline(preset):
    r = model("--preset", preset, "--model", "qwen2.5-0.5b", "--quant", "w8a16", "--prefill", "32", "--decode", "4")
    assert 0 < r["decode_tokens_per_s_last"] <= r["decode_roofline_tokens_per_s_last"]


def test_time_grows_with_prompt_and_context():
    short = model("--model", "qwen2.5-0.5b", "--prefill", "64", "--decode", "2")
    long = model("--model", "qwen2.5-0.5b", "--prefill", "256", "--decode", "2")
    assert long["ttft_s"] > short["ttft_s"]
    # Decode at a longer context reads more cache: slower per token.
    assert long["decode_tokens_per_s_last"] < short["decode_tokens_per_s_last"]


def test_weights_and_cache_follow_the_recipe():
    w8 = model("--model", "llama-3.2-1b", "--quant", "w8a16", "--prefill", "16", "--decode", "0")
    w4 = model("--model", "llama-3.2-1b", "--quant", "w4a16+kv4", "--prefill", "16", "--decode", "0")
    assert w4["weight_bytes"] < w8["weight_bytes"]
    assert w4["kv_cache_bytes"] < w8["kv_cache_bytes"]
    # An fp16 cache: 2 bytes per value and no scales (Llama-3.2-1B: 16 layers, 8 KV heads of 64),
    # and no quantize ops in the layer.
    fp = model("--model", "llama-3.2-1b", "--quant", "w8a16+kv16", "--prefill", "16", "--decode", "1")
    kv8 = model("--model", "llama-3.2-1b", "--quant", "w8a16+kv8", "--prefill", "16", "--decode", "1")
    assert fp["kv_cache_bytes"] / kv8["kv_cache_bytes"] == pytest.approx(2 * 64 / (64 + 2))
    assert not any(o["kernel"] in ("kv_scale", "kv_quantize") for o in fp["prefill_ops"])
    assert any(o["kernel"] == "kv_quantize" for o in kv8["prefill_ops"])
    # Dynamic activations with int4 weights: the int4 dynamic GEMM, half the linear weight bytes.
    d4 = model("--model", "llama-3.2-1b", "--quant", "w4a8-dynamic", "--prefill", "16", "--decode", "0")
    d8 = model("--model", "llama-3.2-1b", "--quant", "w8a8-dynamic", "--prefill", "16", "--decode", "0")
    assert {o["kernel"] for o in d4["prefill_ops"]} >= {"gemm_w4a8_dynamic"}
    assert "gemm_w8a8_dynamic" not in {o["kernel"] for o in d4["prefill_ops"] if o["name"] != "lm_head"}
    assert d4["weight_bytes"] < d8["weight_bytes"]
    assert w8["parameters"] == 1235814400


def test_model_errors_are_clear(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text('{"architectures": ["GPT2LMHeadModel"]}')
    p = subprocess.run([NPUSIM, "model", "--model", str(bad)], capture_output=True, text=True)
    assert p.returncode == 1 and "does not model (supported: LlamaForCausalLM" in p.stderr
    p = subprocess.run([NPUSIM, "model", "--quant", "w2a8"], capture_output=True, text=True)
    assert p.returncode == 1 and "unknown base 'w2a8'" in p.stderr


def test_speculative_decoding_estimate():
    plain = model("--model", "qwen2.5-1.5b", "--prefill", "32", "--decode", "2")
    assert plain["speculative_speedup"] == 0
    a = model("--model", "qwen2.5-1.5b", "--prefill", "32", "--decode", "2", "--draft", "qwen2.5-0.5b",
              "--spec-k", "4", "--accept", "0.8")
    assert a["speculative_tokens_per_step"] == pytest.approx((1 - 0.8**5) / 0.2)
    low = model("--model", "qwen2.5-1.5b", "--prefill", "32", "--decode", "2", "--draft", "qwen2.5-0.5b",
                "--spec-k", "4", "--accept", "0.2")
    assert 0 < low["speculative_speedup"] < a["speculative_speedup"]


def test_memory_budget_pages_and_longest_context():
    r = model("--model", "llama-3.2-1b", "--prefill", "64", "--decode", "2", "--kv-block", "16", "--max-context")
    kv_token = 16 * 2 * 8 * (64 + 2)  # layers x (K, V) x kv heads x (int8 values + fp16 scale)
    assert r["kv_blocks"] == 5 and r["kv_cache_bytes"] == 5 * 16 * kv_token
    assert r["kv_fragmentation"] == pytest.approx(1 - 66 / 80)
    assert r["fits_memory"] and r["footprint_bytes"] <= r["memory_budget_bytes"]
    assert r["max_context"] == 131072  # the 8 GB budget holds more than the model's positions
    small = model("--model", "llama-3.2-1b", "--prefill", "64", "--decode", "2", "--max-context",
                  "--set", "dram.capacity_bytes=1.3e9")
    room = 1.3e9 - r["weight_bytes"] - r["activation_bytes"]
    assert small["max_context"] == int(room // (16 * kv_token)) * 16
    p = subprocess.run([NPUSIM, "model", "--model", "llama-2-7b", "--preset", "edge_tpu", "--prefill", "8",
                        "--decode", "0"], capture_output=True, text=True)
    assert p.returncode == 0 and "over the 1 GB budget of edge_tpu (dram.capacity_bytes)" in p.stderr
    assert "DOES NOT FIT" in p.stdout


def test_llama_1b_w4_footprint_is_within_10_percent_of_the_analytic_value():
    r = model("--model", "llama-3.2-1b", "--quant", "w4a8", "--prefill", "512", "--decode", "128")
    # Published parameters (1,235,814,400) at 4 bits; the int8 KV cache of 640 tokens:
    # 16 layers x (K, V) x 8 KV heads x 64 x 1 byte per token; the activations of 512 tokens.
    analytic = 1235814400 * 0.5 + 640 * 16 * 2 * 8 * 64 + 512 * (2048 + 3 * 8192) * 2
    assert abs(r["footprint_bytes"] - analytic) <= 0.10 * analytic, (r["footprint_bytes"], analytic)


def test_report_breakdowns_and_trace_conserve_the_totals(tmp_path):
    trace = tmp_path / "t.json"
    r = model("--model", "qwen2.5-0.5b", "--prefill", "48", "--decode", "40", "--trace", str(trace))
    layers = r["layers"]
    # The vendor runtime's time (graph executions, op dispatch) is a line of its own.
    assert [l["name"] for l in layers] == ["embedding"] + [f"layer {i}" for i in range(24)] + ["head", "runtime"]
    assert r["prefill_runtime_s"] > 0 and layers[-1]["prefill_s"] == pytest.approx(r["prefill_runtime_s"])
    assert sum(l["prefill_s"] for l in layers) == pytest.approx(r["ttft_s"], rel=1e-9)
    last = r["decode_steps_simulated"][-1]
    assert last["context"] == 88
    assert sum(l["decode_s"] for l in layers) == pytest.approx(last["seconds"], rel=1e-9)
    ops_s = sum(o["seconds"] * o["count"] for o in r["prefill_ops"])
    assert ops_s + r["prefill_runtime_s"] - r["prefill_overlap_s"] == pytest.approx(r["ttft_s"], rel=1e-9)
    events = json.loads(trace.read_text())["traceEvents"]
    steps = [e for e in events if e.get("tid") == 1 and e["ph"] == "X"]
    assert len(steps) == 1 + 40 and steps[0]["name"] == "prefill 48 tokens"
    assert steps[0]["dur"] == pytest.approx(r["ttft_s"] * 1e6, rel=1e-6)
    decode_us = sum(s["dur"] for s in steps[1:])
    assert decode_us == pytest.approx(40 / r["decode_tokens_per_s"] * 1e6, rel=1e-6)
    assert sum(s["args"]["simulated"] for s in steps[1:]) == 9
    # Op slices of the simulated steps fill them exactly; steps never overlap.
    ops = [e for e in events if e.get("tid") == 3 and e["ph"] == "X"]
    assert sum(e["dur"] for e in ops) == pytest.approx(
        r["ttft_s"] * 1e6 + sum(s["seconds"] for s in r["decode_steps_simulated"]) * 1e6, rel=1e-6)
    # ts and dur are printed to 1 ns (3 decimals of a microsecond): three roundings of 0.5 ns.
    for a, b in zip(steps, steps[1:]):
        assert b["ts"] == pytest.approx(a["ts"] + a["dur"], abs=1.6e-3)


def test_a_sweep_over_contexts_lowers_each_kernel_once():
    # Nine decode contexts, one attention program: the run lowers no more kernels than it has
    # distinct (kernel, shape without the context) ops.
    r = model("--model", "qwen2.5-0.5b", "--prefill", "37", "--decode", "50")
    distinct = {(o["kernel"], ",".join(f for f in o["shape"].split(",") if not f.startswith("ctx=")))
                for o in r["prefill_ops"] + r["decode_ops_last_step"]}
    assert 0 < r["kernels_lowered"] <= len(distinct)


def test_breakdown_plot(tmp_path):
    r = model("--model", "qwen2.5-0.5b", "--prefill", "16", "--decode", "2")
    report = tmp_path / "r.json"
    report.write_text(json.dumps(r))
    import sys
    p = subprocess.run([sys.executable, "-m", "npusim.plots", str(report), str(tmp_path / "b.png")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report.write_text('{"model": 1}')
    p = subprocess.run([sys.executable, "-m", "npusim.plots", str(report), str(tmp_path / "c.png")],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "not a model report (KeyError" in p.stderr


def test_python_api_matches_the_cli():
    import npusim
    r = npusim.Npu("default").model("qwen2.5-0.5b", quant="w8a16", prefill=32, decode=4)
    cli = model("--model", "qwen2.5-0.5b", "--quant", "w8a16", "--prefill", "32", "--decode", "4")
    # Lowerings depend on what this process compiled before (its kernel cache); the rest is equal.
    assert {k: v for k, v in r.to_dict().items() if k != "kernels_lowered"} == \
        {k: v for k, v in cli.items() if k != "kernels_lowered"}
    assert "llama-3.2-1b" in npusim.model_names()
    with pytest.raises(npusim.ModelError, match="unknown model 'nope'"):
        npusim.Npu().model("nope")


def test_encoder_runs_one_bidirectional_pass():
    r = model("--model", "all-minilm-l6-v2", "--quant", "w8a8", "--prefill", "128", "--decode", "0")
    assert r["ttft_s"] > 0 and r["kv_cache_bytes"] == 0 and r["parameters"] == 22713216
    p = subprocess.run([NPUSIM, "model", "--model", "all-minilm-l6-v2", "--decode", "4"], capture_output=True,
                       text=True)
    assert p.returncode == 1 and "is an encoder without a KV cache or lm_head" in p.stderr
    p = subprocess.run([NPUSIM, "model", "--model", "all-minilm-l6-v2", "--prefill", "600", "--decode", "0"],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "600 tokens exceed max_position_embeddings = 512" in p.stderr


def test_skip_prefill_simulates_the_same_decode_steps_alone():
    args = ["--model", "qwen2.5-0.5b", "--prefill", "96", "--decode", "3"]
    full = model(*args)
    skip = model(*args, "--skip-prefill")
    assert full["prefill_simulated"] is True and skip["prefill_simulated"] is False
    assert skip["ttft_s"] == 0 and skip["prefill_ops"] == [] and full["ttft_s"] > 0
    # The decode steps do not depend on whether the prompt's cache was simulated being written.
    assert skip["decode_steps_simulated"] == full["decode_steps_simulated"]
    assert skip["decode_tokens_per_s"] == full["decode_tokens_per_s"]
    assert skip["footprint_bytes"] == full["footprint_bytes"]
    p = subprocess.run([NPUSIM, "model", *args, "--skip-prefill", "--quiet"], capture_output=True, text=True)
    assert p.returncode == 0 and "time to first token   not simulated" in p.stdout
    with pytest.raises(npusim.ModelError, match="skipping the prefill leaves nothing to simulate"):
        npusim.Npu("default").model("qwen2.5-0.5b", prefill=96, decode=0, skip_prefill=True)
    with pytest.raises(npusim.ModelError, match="skipping the prefill leaves nothing to simulate"):
        npusim.Npu("default").model("all-minilm-l6-v2", prefill=16, decode=1, skip_prefill=True)
