"""Writes docs/validation.md: npusim's MAC-array cycles against SCALE-Sim's for the same array and
dataflow, the wall time of both on the same GEMMs, and npusim's speed on a large tiled GEMM.

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
# The section validation/compare.py writes after this script's: kept when the file is rewritten.
REAL_CHIPS = "## Against real chips"


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
    text = f"""# Validation: SCALE-Sim and real chips

Regenerate with `make validation` (runs `bench/validate_scalesim.py`; about three minutes, most of
it SCALE-Sim). Measured {datetime.date.today().isoformat()} on this project's machine
({platform.machine()}, Python {platform.python_version()}), SCALE-Sim 3.0.0 from PyPI.

## MAC-array cycles

The same GEMM, C[M,N] = A[M,K] B[K,N], on a {rows}x{cols} array with the same dataflow, memory
ample on both sides: SCALE-Sim's compute cycles (COMPUTE_REPORT "Total Cycles", no stalls) against
npusim's MAC-engine busy cycles for one `matmul` with its operands on chip. npusim uses SCALE-Sim's
fold model (`sim/mac/weight_stationary.cpp`, `output_stationary.cpp`); SCALE-Sim counts from 0,
hence the one-cycle difference. Worst relative difference: {100 * worst:.3f} %.
`tests/python/test_scalesim_validation.py` checks ten shapes and two more array shapes in
every `make test`, each to SCALE-Sim's count plus one.

| M x N x K | dataflow | SCALE-Sim | npusim | ratio |
|---|---|---:|---:|---:|
""" + "\n".join(lines) + f"""

## Memory system

`tests/unit/test_model_fidelity.cpp` checks, on every run: a DMA-bound transfer lands within 5 % of
bytes / sustained bandwidth + latency; four channels sharing DRAM never beat bytes / peak bandwidth
(nor bytes / sustained bandwidth); read/write turnarounds and SRAM port limits cost what the preset
says.

## Simulator speed

Wall seconds on the same GEMMs (weight-stationary, 32x32 array). "npusim MatMul" simulates the
MAC-array work alone, like SCALE-Sim; "npusim tiled" simulates the whole W8A8 GEMM lowered from its
Halide schedule with 64x64x64 tiles: every DMA, MatMul, requantize and token on the default preset.
The tiled figures include lowering the schedule (tens of milliseconds for a new shape, cached
afterwards), which dominates the smallest GEMM.

| GEMM | SCALE-Sim (s) | npusim MatMul (s) | speed-up | npusim tiled (s) | speed-up |
|---|---:|---:|---:|---:|---:|
""" + "\n".join(speed) + f"""

A 2048 x 2048 x 2048 INT8 GEMM with 64x64x64 tiles (32,768 MatMuls, 65,536 DMA transfers in, all
synchronised through tokens) simulates in {big:.3f} s wall, lowering included
(`make bench` measures it repeatedly in `BM_SimulateGemm2048Tiles64`).
"""
    # The comparison with real chips is validation/compare.py's section: kept as it is.
    if os.path.exists(args.out):
        old = open(args.out).read()
        if REAL_CHIPS in old:
            text = text.rstrip("\n") + "\n\n" + old[old.index(REAL_CHIPS):]
    doc_sections.write_whole(args.out, text)
    print(f"wrote {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
