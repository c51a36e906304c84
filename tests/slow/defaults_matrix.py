"""Every shipped model on every shipped preset with every recipe base runs `npusim model` with the
default schedules (prefill 128, decode 4; an encoder: one pass). A failing triple is named with
its error. Two refusals are allowed, each with the message saying why: a dynamic recipe on an NPU
whose l1 cannot hold one activation row of the model's longest reduction (per-token quantization
reads a row whole), and 16-bit integer activations (w4a16i, w8a16i) on an NPU whose matrix unit has
no such pair (mac.a16w4_per_pe_cycle, mac.a16w8_per_pe_cycle). Neither applies where the runtime
runs float ops on the CPU (runtime.float_ops: cpu): both linears take fp16 activations, so they run there.

    .venv/bin/python tests/slow/defaults_matrix.py [PRESET ...]
"""
import json
import os
import sys
import time

import npusim

RECIPES = ["w8a8", "w4a8", "w8a16", "w4a16", "w4a16-per-channel", "w8a8-dynamic", "w4a8-dynamic", "w8a16i",
           "w4a16i"]


def longest_k(model):
    with open(os.path.join(npusim.config_dir(), "models", model + ".json")) as f:
        c = json.load(f)
    return max(c["hidden_size"], c["intermediate_size"])


def main(presets):
    started, failures, refused, runs = time.time(), [], 0, 0
    for preset in presets:
        npu = npusim.Npu(preset)
        for model in npusim.model_names():
            encoder = "Bert" in json.load(open(os.path.join(npusim.config_dir(), "models", model + ".json")))[
                "architectures"][0]
            for recipe in RECIPES:
                refusal = None
                if "dynamic" in recipe and 3 * longest_k(model) > npu.param("sram.l1_bytes") / 2:
                    refusal = "quantizes each activation row whole"
                a16_pair = "mac.a16w8_per_pe_cycle" if recipe.startswith("w8") else "mac.a16w4_per_pe_cycle"
                if recipe.endswith("a16i") and npu.param(a16_pair) == 0 and npu.param("mac.a16w8_per_pe_cycle") == 0:
                    refusal = "runs on no matrix path"
                if npu.params["runtime.float_ops"] == "cpu":
                    refusal = None  # the fp16-input linears run on the CPU
                runs += 1
                try:
                    npu.model(model, quant=recipe, prefill=128, decode=0 if encoder else 4)
                    if refusal:
                        failures.append(f"{preset} {model} {recipe}: ran, but should refuse ({refusal})")
                except npusim.UserError as e:
                    if refusal and refusal in str(e):
                        refused += 1
                    else:
                        failures.append(f"{preset} {model} {recipe}: {e}")
        print(f"{preset}: done ({time.time() - started:.0f} s)", flush=True)
    for f in failures:
        print("FAIL", f)
    print(f"{runs - len(failures)} passed, {len(failures)} failed ({refused} of them refused with the reason)")
    return 1 if failures else 0


if __name__ == "__main__":
    # Spec presets only: a calibrated one (base:) differs from its spec preset in fitted rates alone,
    # which no default schedule depends on.
    sys.exit(main(sys.argv[1:] or [p for p in npusim.preset_names() if not npusim.preset_entries(p)[0]]))
