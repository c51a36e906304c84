"""npusim's MAC-array cycles against SCALE-Sim's compute cycles for the same array and dataflow
(memory ample on both sides). npusim implements SCALE-Sim's fold model, so the tests hold it to
SCALE-Sim's count plus one (SCALE-Sim counts from cycle 0).
bench/validate_scalesim.py writes the full table to docs/validation.md."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from scalesim_peer import npusim_cycles, scalesim_cycles  # noqa: E402

# square, tall, wide, deep, M=1, small M, ragged; all fast enough for every test run
SHAPES = [(64, 64, 64), (128, 128, 128), (512, 64, 64), (64, 512, 64), (64, 64, 512),
          (1, 512, 512), (16, 256, 256), (100, 96, 80), (33, 65, 129), (256, 32, 96)]


@pytest.mark.parametrize("dataflow", ["ws", "os"])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_mac_array_cycles_match_scalesim(m, n, k, dataflow):
    peer, _ = scalesim_cycles(m, n, k, 32, 32, dataflow)
    ours, _ = npusim_cycles(m, n, k, 32, 32, dataflow)
    assert ours == peer + 1, f"{m}x{n}x{k} {dataflow}: npusim {ours}, SCALE-Sim {peer}"


def test_other_array_shapes():
    for rows, cols in [(16, 16), (8, 64)]:
        for dataflow in ("ws", "os"):
            peer, _ = scalesim_cycles(96, 80, 112, rows, cols, dataflow)
            ours, _ = npusim_cycles(96, 80, 112, rows, cols, dataflow)
            assert ours == peer + 1, (rows, cols, dataflow, ours, peer)
