"""The default schedules' targets on Llama-3.2-1B GEMMs (simulated cycles, deterministic): at least
80 % of the kernel roofline for the prefill GEMMs at 512 tokens, and for the DRAM-bound decode
GEMMs, on the default and the Hexagon-class presets."""
import pytest

import npusim

SHAPES = [(512, 2048, 2048), (512, 8192, 2048), (512, 2048, 8192), (1, 2048, 2048), (1, 8192, 2048)]


@pytest.mark.parametrize("preset", ["default", "hexagon_8gen3"])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_default_schedule_reaches_80_percent_of_the_kernel_roofline(preset, m, n, k):
    r = npusim.Npu(preset).kernel("gemm_w8a8", m=m, n=n, k=k)
    assert r.roofline_fraction >= 0.80, (preset, m, n, k, r.cycles, r.kernel_roofline_cycles)
    if m == 1:  # decode is bound by the weight traffic
        assert r.kernel_roofline_cycles > r.compute_bound_cycles
