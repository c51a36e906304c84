"""Determinism across processes (the same run in two processes gives the same report, bit for
bit) and host-memory limits (an input too big fails at once with the estimate, not an
out-of-memory kill)."""
import json
import os
import struct
import subprocess

import pytest

import npusim

NPUSIM = os.environ.get("NPUSIM_BIN", "build/bin/npusim")


def run_json(*args):
    p = subprocess.run([NPUSIM, *args, "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize("args", [
    ["model", "--quiet", "--preset", "hexagon_8gen3", "--model", "qwen2.5-0.5b", "--quant", "w4a8",
     "--prefill", "64", "--decode", "3"],
    ["kernel", "attention", "--preset", "rk3588", "--shape", "t=1,ctx=300,h=8,hk=2,d=64"],
    ["gemm", "--preset", "ethos_u55_256", "--m", "96", "--n", "160", "--k", "224"],
])
def test_two_processes_give_the_same_report(args):
    first, second = run_json(*args), run_json(*args)
    first.pop("wall_s", None), second.pop("wall_s", None)
    assert first == second  # every field, floats included, compares exactly


def simulate_gemm(m, preset):
    return npusim.Npu(preset).gemm(m, 128, 256).to_dict()


def test_worker_processes_reproduce_the_serial_sweep():
    space = {"m": [32, 96], "preset": ["default", "intel_mtl_npu"]}
    here = npusim.sweep(space, simulate_gemm, executor="serial", progress=False)
    workers = npusim.sweep(space, simulate_gemm, max_workers=2, progress=False)
    assert list(here["cycles"]) == list(workers["cycles"])
    assert list(here["energy_j"]) == list(workers["energy_j"])


def test_a_sweep_too_big_for_memory_fails_before_it_starts():
    have = npusim.available_host_bytes()
    assert have > 0  # /proc/meminfo is readable on Linux
    side = int((have / npusim.sweeps.BYTES_PER_POINT) ** 0.5) + 2
    with pytest.raises(npusim.UserError, match=r"sweep space of [\d,]+ points .* needs about [\d.]+ GiB of host "
                                               r"memory, more than the [\d.]+ GiB available"):
        npusim.sweeps.points({"a": range(side), "b": range(side)})


def test_weights_too_big_for_memory_fail_before_they_are_read(tmp_path):
    config = os.path.join(npusim.config_dir(), "models", "all-minilm-l6-v2.json")
    (tmp_path / "config.json").write_text(open(config).read())
    path = tmp_path / "model.safetensors"
    header = b"{}"
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        try:  # a sparse file: it claims the size, it takes no disk
            f.truncate(max(npusim.available_host_bytes(), 1 << 30) * 2)
        except OSError as e:
            pytest.skip(f"this file system refuses sparse files: {e}")
    p = subprocess.run([NPUSIM, "quant-eval", "--weights", str(tmp_path), "--lm", "none"], capture_output=True,
                       text=True)
    assert p.returncode != 0
    assert "reading the weights" in p.stderr and "GiB of host memory, more than the" in p.stderr


def test_a_trace_too_long_for_memory_stops_with_the_reason(tmp_path):
    with pytest.raises(npusim.ProgramError, match=r"ran more than 2000000 statements with a trace: its trace "
                                                  r"would need more than \d+ MiB of host memory"):
        npusim.Npu().gemm(8192, 8192, 8192, schedule={"tile_m": 32, "tile_n": 32, "tile_k": 32},
                          trace=str(tmp_path / "t.json"))
