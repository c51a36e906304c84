"""The tuner against exhaustive search on knob spaces small enough to enumerate: for each case,
the exhaustive best, then for seeds 1..N the tuner's best with a budget of 20 % of the exhaustive
evaluations, and how many seeds land within 5 %. --write puts the table into docs/tuning.md."""
import argparse
import os
import sys

import npusim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

SPACE = {"tile_m": [64, 128, 256], "tile_n": [32, 64, 128], "tile_k": [32, 64, 128], "order": ["mn", "nm"],
         "double_buffer": [0, 1], "parallel": [0, 1], "stage_a": ["k"], "stage_b": ["k"], "overlap_out": [0]}
CASES = [("gemm_w8a8", "rk3588", dict(m=256, n=192, k=128)),
         ("gemm_w8a8", "default", dict(m=256, n=256, k=256)),
         ("gemm_w8a8", "rk3588", dict(m=128, n=128, k=256)),
         ("gemm_w8a8", "hexagon_8gen3", dict(m=256, n=256, k=512))]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--write", action="store_true", help="write the table into docs/tuning.md")
    args = ap.parse_args()
    lines = ["| kernel | preset | shape | space | exhaustive evaluations | exhaustive best | budget | "
             "tuner best (median of seeds) | seeds within 5 % |", "|---|---|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for kernel, preset, shape in CASES:
        full = npusim.tune(kernel, npu=preset, space=SPACE, exhaustive=True, cache=False, **shape)
        budget = len(full.history) // 5
        bests = sorted(npusim.tune(kernel, npu=preset, space=SPACE, budget=budget, seed=s, cache=False,
                                   **shape).best["cycles"] for s in range(1, args.seeds + 1))
        ok = sum(b <= 1.05 * full.best["cycles"] for b in bests)
        shape_text = ",".join(f"{k}={v}" for k, v in shape.items())
        lines.append(f"| `{kernel}` | {preset} | `{shape_text}` | {full.space_size} | {len(full.history)} | "
                     f"{full.best['cycles']} | {budget} | {bests[len(bests) // 2]} | {ok}/{len(bests)} |")
        print(lines[-1], flush=True)
    if args.write:
        doc_sections.replace_section(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                                              "tuning.md"), "tuner_vs_exhaustive.py", "\n".join(lines))


if __name__ == "__main__":
    main()
