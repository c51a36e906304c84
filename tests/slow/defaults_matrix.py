"""Every shipped model on every shipped preset with every recipe base runs `npusim model` with the
default schedules (prefill 128, decode 4; an encoder: one pass). A failing triple is named with
its error. The one refusal allowed is a dynamic recipe on an NPU whose l1 cannot hold one
activation row of the model's longest reduction (per-token quantization reads a row whole): that
triple must fail with the message saying so.

    .venv/bin/python tests/slow/defaults_matrix.py [PRESET ...]
"""
import json
import os
import sys
import time

import npusim

RECIPES = ["w8a8", "w4a8", "w8a16", "w4a16", "w8a8-dynamic", "w4a8-dynamic"]


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
                must_refuse = "dynamic" in recipe and 3 * longest_k(model) > npu.param("sram.l1_bytes") / 2
                runs += 1
                try:
                    npu.model(model, quant=recipe, prefill=128, decode=0 if encoder else 4)
                    if must_refuse:
                        failures.append(f"{preset} {model} {recipe}: ran, but one activation row cannot fit l1")
                except npusim.UserError as e:
                    if must_refuse and "quantizes each activation row whole" in str(e):
                        refused += 1
                    else:
                        failures.append(f"{preset} {model} {recipe}: {e}")
        print(f"{preset}: done ({time.time() - started:.0f} s)", flush=True)
    for f in failures:
        print("FAIL", f)
    print(f"{runs - len(failures)} passed, {len(failures)} failed ({refused} refused as the NPU cannot hold a row)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or npusim.preset_names()))
