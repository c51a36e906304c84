"""Runs one GEMM through SCALE-Sim (PyPI `scalesim` 3.0.0) and through npusim's MAC-array model,
for the same array size and dataflow with memory ample on both sides.

SCALE-Sim reads a GEMM topology row "name, M, N, K," as an M x K ifmap against a K x N filter, so
its M, N, K are npusim's. With InterfaceBandwidth = CALC and operand SRAMs that hold whole
operands it never stalls; its COMPUTE_REPORT "Total Cycles" is then the array's compute time.
npusim's figure is the MAC engine's busy cycles for one `matmul` whose operands are on chip, with
SRAM ports wide enough never to limit it.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import tempfile
import time
import warnings

import npusim


@contextlib.contextmanager
def _quiet():
    """SCALE-Sim prints progress to the process's stdout/stderr; keep the caller's output clean."""
    saved = (os.dup(1), os.dup(2))
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def scalesim_cycles(m: int, n: int, k: int, rows: int, cols: int, dataflow: str) -> tuple[int, float]:
    """(compute cycles, wall seconds) of SCALE-Sim for C[m,n] = A[m,k] B[k,n]."""
    warnings.filterwarnings("ignore")
    from scalesim.scale_sim import scalesim

    def kib(words):  # SCALE-Sim's word is one byte
        return max(1, math.ceil(words / 1024)) + 1

    work = tempfile.mkdtemp(prefix="npusim_scalesim_")
    try:
        cfg, topo, layout = (os.path.join(work, f) for f in ("gemm.cfg", "topo.csv", "layout.csv"))
        filter_off = m * k + 1024
        ofmap_off = filter_off + k * n + 1024
        with open(cfg, "w") as f:
            f.write(f"""[general]
run_name = run

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {kib(m * k)}
FilterSramSzkB: {kib(k * n)}
OfmapSramSzkB: {kib(m * n)}
IfmapOffset: 0
FilterOffset: {filter_off}
OfmapOffset: {ofmap_off}
Bandwidth : 1024
Dataflow : {dataflow}
MemoryBanks: 1
ReadRequestBuffer: 1024
WriteRequestBuffer: 1024

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 1024
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 1024
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
""")
        with open(topo, "w") as f:  # each row needs its trailing comma
            f.write(f"Layer, M, N, K,\ngemm0, {m}, {n}, {k},\n")
        with open(layout, "w") as f:  # required even without custom layouts
            f.write("Layer name, IFMAP Height Intraline Factor,\n")
        start = time.perf_counter()
        with _quiet():
            sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout,
                           input_type_gemm=True)
            sim.run_scale(top_path=os.path.join(work, "out"))
        wall = time.perf_counter() - start
        with open(os.path.join(work, "out", "run", "COMPUTE_REPORT.csv")) as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
        row = dict(zip((h.strip() for h in lines[0].split(",")), (v.strip() for v in lines[1].split(","))))
        if int(float(row["Stall Cycles"])) != 0:
            raise RuntimeError(f"SCALE-Sim stalled on {m}x{n}x{k}: memory was not ample")
        return int(float(row["Total Cycles"])), wall
    finally:
        shutil.rmtree(work, ignore_errors=True)


def npusim_cycles(m: int, n: int, k: int, rows: int, cols: int, dataflow: str) -> tuple[int, float]:
    """(MAC-array busy cycles, wall seconds) of npusim for one on-chip MatMul."""
    # SCALE-Sim loads each fold's weights after the last one drains: one weight buffer.
    npu = npusim.Npu("default", mac__rows=rows, mac__cols=cols, mac__dataflow=dataflow, mac__weight_buffers=1,
                     sram__l1_bytes=1 << 40, sram__acc_bytes=1 << 40, sram__l1_banks=1024,
                     sram__l1_bank_bytes=4096, sram__acc_bytes_per_cycle=1_000_000)
    program = f"""program peer_{m}x{n}x{k}
sram a int8 level=l1 bytes={m * k}
sram b int8 level=l1 bytes={k * n}
sram c int32 level=acc bytes={4 * m * n}
matmul m={m} n={n} k={k} a=a:int8 b=b:int8 acc=c:int32
"""
    start = time.perf_counter()
    report = npu.run_program(program)
    wall = time.perf_counter() - start
    return next(e["busy_cycles"] for e in report.engines if e["name"] == "mac"), wall


def npusim_tiled_gemm_seconds(m: int, n: int, k: int, schedule: dict) -> float:
    """Wall seconds for npusim to simulate the whole tiled GEMM (DMA, MatMul, vector, sync)."""
    start = time.perf_counter()
    npusim.Npu("default").gemm(m, n, k, schedule=schedule)
    return time.perf_counter() - start
