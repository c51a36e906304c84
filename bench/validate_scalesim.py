"""Writes its two tables into docs/validation.md (between their markers): npusim's MAC-array
cycles against SCALE-Sim's for the same array and dataflow, the wall time of both on the same
GEMMs, and npusim's speed on a large tiled GEMM.

    make validation          # or: .venv/bin/python bench/validate_scalesim.py [--out docs/validation.md]
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(__file__))
import doc_sections  # noqa: E402
from scalesim_peer import npusim_cycles, npusim_tiled_gemm_seconds, scalesim_cycles  # noqa: E402

SHAPES = [  # (m, n, k): square, tall, wide, deep, M=1, small M, ragged, prefill-like
    (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 64, 64), (64, 1024, 64),
    (64, 64, 1024), (1, 512, 512), (16, 512, 512), (100, 96, 80), (33, 65, 129), (512, 128, 1024),
]
SPEED_SHAPES = [(128, 128, 128), (256, 256, 256), (512, 512, 512)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "validation.md"))
    args = ap.parse_args()
    rows, cols = 32, 32
    lines = []
    worst = 0.0
    for i, (m, n, k) in enumerate(SHAPES):
        for df in ("ws", "os"):
            print(f"[{i + 1}/{len(SHAPES)}] {m}x{n}x{k} {df}", file=sys.stderr, flush=True)
            peer, _ = scalesim_cycles(m, n, k, rows, cols, df)
            ours, _ = npusim_cycles(m, n, k, rows, cols, df)
            err = (ours - peer) / peer
            worst = max(worst, abs(err))
            lines.append(f"| {m} x {n} x {k} | {df} | {peer:,} | {ours:,} | {ours / peer:.4f} |")
    speed = []
    for m, n, k in SPEED_SHAPES:
        print(f"speed {m}x{n}x{k}", file=sys.stderr, flush=True)
        _, peer_s = scalesim_cycles(m, n, k, rows, cols, "ws")
        _, ours_s = npusim_cycles(m, n, k, rows, cols, "ws")
        tiled_s = npusim_tiled_gemm_seconds(m, n, k, {"tile_m": 64, "tile_n": 64, "tile_k": 64})
        speed.append(f"| {m} x {n} x {k} | {peer_s:.3f} | {ours_s:.4f} | {peer_s / ours_s:,.0f}x | "
                     f"{tiled_s:.4f} | {peer_s / tiled_s:,.0f}x |")
    big = npusim_tiled_gemm_seconds(2048, 2048, 2048, {"tile_m": 64, "tile_n": 64, "tile_k": 64})
    measured = f"Measured {datetime.date.today().isoformat()} ({platform.machine()}, Python {platform.python_version()})."
    cycles = (f"{measured} Worst relative difference: {100 * worst:.3f} %.\n\n"
              "| M x N x K | dataflow | SCALE-Sim | npusim | ratio |\n|---|---|---:|---:|---:|\n" + "\n".join(lines))
    speed_text = (f"{measured}\n\n| GEMM | SCALE-Sim (s) | npusim MatMul (s) | speed-up | npusim tiled (s) | speed-up |\n"
                  "|---|---:|---:|---:|---:|---:|\n" + "\n".join(speed) +
                  f"\n\nA 2048 x 2048 x 2048 INT8 GEMM with 64x64x64 tiles (32,768 MatMuls, 65,536 DMA transfers "
                  f"in, all\nsynchronised through tokens) simulates in {big:.3f} s wall, lowering included\n"
                  "(`make bench` measures it repeatedly in `BM_SimulateGemm2048Tiles64`).")
    doc_sections.replace_section(args.out, "validate_scalesim.py cycles", cycles)
    doc_sections.replace_section(args.out, "validate_scalesim.py speed", speed_text)
    print(f"wrote {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
