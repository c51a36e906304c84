"""Repeated use: one process runs 1,000 simulations with different presets and shapes; after a
warm-up that compiles every (kernel, shape, schedule) once, its memory must stay flat."""
import subprocess
import sys

SCRIPT = r"""
import itertools, json, resource, sys
import numpy as np
import npusim

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

presets = [npusim.Npu(p) for p in ("default", "hexagon_8gen3", "rk3588", "intel_mtl_npu", "edge_tpu")]
shapes = [(64, 64, 64), (128, 256, 64), (96, 128, 256), (256, 64, 128)]
x = np.ones((16, 256), np.float16)

def one(i):
    npu = presets[i % len(presets)]
    m, n, k = shapes[(i // len(presets)) % len(shapes)]
    kind = i % 4
    if kind == 0:
        return npu.gemm(m, n, k).cycles
    if kind == 1:
        return npu.kernel("rms_norm", t=m, d=k).cycles
    if kind == 2:
        return npu.gemm(m, n, k, trace=True).cycles
    return int(npusim.kernel_host("residual_add", {"a": x, "b": x}, npu=npu, t=16, d=256).sum())

for i in range(200):  # warm-up: every combination compiles once
    one(i)
before = rss_mb()
cycles = [one(i) for i in range(1000)]
after = rss_mb()
print(json.dumps({"before_mb": before, "after_mb": after, "runs": len(cycles)}))
"""


def test_thousand_simulations_do_not_grow_memory():
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    import json
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["runs"] == 1000
    growth = r["after_mb"] - r["before_mb"]
    print(f"RSS {r['before_mb']:.1f} MB after warm-up, {r['after_mb']:.1f} MB after 1000 runs")
    assert growth < 4, f"memory grew by {growth:.1f} MB over 1000 simulations"
