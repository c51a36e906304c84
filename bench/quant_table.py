"""Writes the recipe table of docs/quantization.md ("Measured"): each recipe's accuracy on real
weights (all-MiniLM-L6-v2 on the 256 shipped sentences; the tiny decoder's held-out perplexity
over 64 windows) from `npusim quant-eval`, its simulated 128-token encoder pass on two presets,
and its weight bytes. The recipes run as two quant-eval processes side by side (one per core);
the second preset's pass is simulated from the recipe as charged on the first.

    .venv/bin/python bench/quant_table.py [--npusim build/bin/npusim] [--presets default,hexagon_8gen3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RECIPES = ["w8a8", "w8a8-dynamic", "w8a8-outch", "w8a8-smooth-outch", "w8a8-smooth0.8-outch",
           "w8a8-smooth0.8-outch+a16@*.down_proj", "w4a8", "w4a8-gptq", "w4a8-gptq-smooth-outch-mse", "w8a16",
           "w4a16", "w4a16-gptq", "w4a16-awq", "w4a16-nf4", "w4a16-mxfp4", "w4a16-int3", "w8a16-fp8-e4m3",
           "w8a16-mxint8"]


def run_quant_eval(npusim, recipes, preset, out):
    return subprocess.Popen([npusim, "quant-eval", "--recipes", ",".join(recipes), "--preset", preset,
                             "--lm-windows", "64", "--quiet", "--save", out])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--npusim", default=os.path.join(ROOT, "build", "bin", "npusim"))
    p.add_argument("--presets", default="default,hexagon_8gen3")
    p.add_argument("--recipes", default=",".join(RECIPES))
    args = p.parse_args(argv)
    first, second = args.presets.split(",")
    recipes = args.recipes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        halves = [recipes[0::2], recipes[1::2]]
        outs = [os.path.join(tmp, f"{i}.json") for i in range(2)]
        procs = [run_quant_eval(args.npusim, h, first, o) for h, o in zip(halves, outs) if h]
        if any(proc.wait() for proc in procs):
            raise SystemExit("quant-eval failed")
        tables = [json.load(open(o)) for o in outs[:len(procs)]]
    ordered = [tables[i % 2]["recipes"][i // 2] for i in range(len(recipes))]  # the given order
    base = tables[0]
    lines = [f"Accuracy: all-MiniLM-L6-v2 on {base['sentences']} sentences (float32 reference); the tiny decoder's "
             f"perplexity per byte over {base['lm_windows']} held-out windows (float32 {base['float_perplexity']:.4f}). "
             f"Latency and energy: a {base['tokens']}-token encoder pass simulated on each preset.",
             "",
             f"| recipe (as charged) | cosine | retrieval | last-layer SQNR dB | LM perplexity | vs float | "
             f"{first} ms | {first} mJ | {second} ms | {second} mJ | weights MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in ordered:
        run = subprocess.run([args.npusim, "model", "--preset", second, "--model", "all-minilm-l6-v2", "--quant",
                              r["recipe"], "--prefill", str(base["tokens"]), "--decode", "0", "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
        other = json.loads(run.stdout)
        ppl = r["perplexity"]
        lines.append(f"| {r['recipe']} | {r['mean_cosine']:.4f} | {100 * r['retrieval_agreement']:.1f} % | "
                     f"{r['layer_sqnr_db'][-1]:.1f} | {ppl:.4f} | {100 * (ppl / base['float_perplexity'] - 1):+.2f} % | "
                     f"{1e3 * r['latency_s']:.3f} | {1e3 * r['energy_j']:.3f} | {1e3 * other['ttft_s']:.3f} | "
                     f"{1e3 * other['energy_j']:.3f} | {r['weight_bytes'] / 1e6:.1f} |")
    doc_sections.replace_section(os.path.join(ROOT, "docs", "quantization.md"), "quant_table.py", "\n".join(lines))
    print("wrote docs/quantization.md", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
