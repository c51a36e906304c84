"""The Python API beyond single simulations: result tables, exceptions, the GIL, zero-copy host
outputs, type stubs, plots and sweeps (serial, worker processes, a Dask LocalCluster)."""
import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

import npusim
import npusim.plots as plots

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


@pytest.fixture(scope="module")
def model():
    return npusim.Npu("hexagon_8gen3").model("qwen2.5-0.5b", quant="w4a8", prefill=32, decode=4)


def test_model_tables_conserve_time_bytes_and_energy(model):
    ops = model.to_pandas("prefill_ops")
    # (9 significant digits in the JSON of each op)
    assert ops["total_s"].sum() + model.prefill_runtime_s - model.prefill_overlap_s == pytest.approx(model.ttft_s,
                                                                                                     rel=1e-8)
    assert model.to_pandas("layers")["prefill_s"].sum() == pytest.approx(model.ttft_s, rel=1e-6)  # 9 digits in JSON
    # Every op's energy is the sum of its components; a GEMM does at least m*n*k MACs (more when
    # its tiles pad a dimension that does not divide).
    energy_cols = [c for c in ops.columns if c.startswith("energy_j.")]
    assert np.allclose(ops[energy_cols].sum(axis=1), ops["energy_j"], rtol=1e-6)
    qkv = ops[ops["name"] == "layer.qkv_proj"].iloc[0]
    shape = dict(kv.split("=") for kv in qkv["shape"].split(","))
    assert qkv["mac_ops"] >= int(shape["m"]) * int(shape["n"]) * int(shape["k"])
    # No engine is busy longer than its op took.
    busy = ops[[c for c in ops.columns if c.startswith("busy_s.")]].fillna(0)
    assert (busy.max(axis=1) <= ops["seconds"] * (1 + 1e-9)).all()
    assert len(model.to_pandas("decode_steps_simulated")) >= 1
    with pytest.raises(KeyError, match="tables: prefill_ops"):
        model.to_pandas("nope")
    assert model.to_dict()["ttft_s"] == model.ttft_s


def test_result_engine_table():
    r = npusim.Npu("default").gemm(256, 256, 256)
    df = r.to_pandas()
    assert set(df.index) >= {"mac", "vector", "dram"}
    assert (df["busy_cycles"] <= r.cycles).all()
    assert df.loc["mac", "busy_s"] == pytest.approx(df.loc["mac", "busy_cycles"] * r.seconds / r.cycles)


def test_tune_and_quant_tables():
    t = npusim.tune("rms_norm", "default", budget=4, cache=False, t=64, d=256)
    assert len(t.to_pandas()) == len(t.history) >= 1
    assert "tile_t" in t.to_pandas().columns


@pytest.mark.parametrize("call, error, message", [
    (lambda: npusim.Npu("no_such_npu"), npusim.ConfigError, "no_such_npu"),
    (lambda: npusim.Npu("default", mac__rows=0), npusim.ConfigError, "mac.rows"),
    (lambda: npusim.Npu().gemm(0, 64, 64), npusim.ShapeError, "m = 0"),
    (lambda: npusim.Npu().gemm(64, 64, 64, schedule={"tile_m": 0}), npusim.ScheduleError, "tile_m must be"),
    (lambda: npusim.Npu().gemm(64, 64, 64, schedule={"order": "zz"}), npusim.ScheduleError, "one of mn, nm"),
    (lambda: npusim.Npu().kernel("no_such_kernel"), npusim.UserError, "no_such_kernel"),
    (lambda: npusim.Npu().run_program("garbage"), npusim.ProgramError, "garbage"),
    (lambda: npusim.Npu().model("no_such_model"), npusim.ModelError, "no_such_model"),
    (lambda: npusim.Npu().model("qwen2.5-0.5b", quant="w3a8"), npusim.UserError, "w3a8"),
    (lambda: npusim.quant_eval("w8a8", sentences=1), npusim.UserError, "sentences must be 2 to 256"),
])
def test_user_errors_are_python_exceptions(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_gil_is_released_during_simulation():
    npu = npusim.Npu("default")
    npu.model("qwen2.5-0.5b", prefill=64, decode=4)  # compile first: the second run is pure simulation
    done = threading.Event()
    count = 0

    def simulate():
        for _ in range(3):
            npu.model("qwen2.5-0.5b", prefill=64, decode=4)
        done.set()

    t = threading.Thread(target=simulate)
    t.start()
    while not done.is_set():
        count += 1
    t.join()
    assert count > 10000  # this thread kept running while the other simulated


def test_kernel_host_output_is_zero_copy_and_exact():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((32, 256)).astype(np.float16)
    b = rng.standard_normal((32, 256)).astype(np.float16)
    out = npusim.kernel_host("residual_add", {"a": a, "b": b}, t=32, d=256)
    assert out.base is not None and not out.flags.owndata  # a view of the pipeline's buffer
    np.testing.assert_array_equal(out, (a.astype(np.float32) + b.astype(np.float32)).astype(np.float16))
    del out  # freeing the view frees the buffer (no crash, no leak: see test_memory)


def test_type_stubs_are_current(tmp_path):
    build_python = os.path.dirname(os.path.dirname(npusim.__file__))
    subprocess.run([sys.executable, "-m", "pybind11_stubgen", "npusim._npusim", "-o", str(tmp_path)],
                   cwd=build_python, check=True, capture_output=True)
    with open(os.path.join(ROOT, "bindings", "npusim", "_npusim.pyi")) as f:
        committed = f.read()
    with open(tmp_path / "npusim" / "_npusim.pyi") as f:
        assert f.read() == committed, "bindings/npusim/_npusim.pyi is stale: run `make stubs`"


def test_docstrings():
    for obj in (npusim.Npu, npusim.Npu.model, npusim.Npu.kernel, npusim.sweep, npusim.quant_eval,
                npusim.ModelResult.to_pandas, plots.roofline, plots.timeline, plots.heatmap, plots.breakdown):
        assert obj.__doc__ and len(obj.__doc__) > 60, obj


def test_roofline_plot_points_lie_under_the_roofs(model):
    import matplotlib.figure
    npu = npusim.Npu("hexagon_8gen3")
    fig = plots.roofline(model, npu)
    assert isinstance(fig, matplotlib.figure.Figure)
    peak = npu.peak_macs_per_s("int4")
    bw = npu.dram_bytes_per_s()
    points = fig.axes[0].collections
    assert len(points) >= 5
    for p in points:
        for x, y in p.get_offsets():
            assert y <= min(peak, bw * x) * (1 + 1e-9)


def test_plots_return_figures(model, tmp_path):
    r = npusim.Npu("default").gemm(128, 128, 128, trace=True)
    assert r.trace["traceEvents"]
    figs = [plots.breakdown(model, save=str(tmp_path / "b.png")), plots.breakdown(r), plots.timeline(r),
            plots.roofline([r], "default")]
    lanes = [t.get_text() for t in figs[2].axes[0].get_yticklabels()]
    assert "mac" in lanes and "dma0" in lanes
    df = pd.DataFrame({"tile_m": [32, 32, 64, 64], "tile_n": [32, 64, 32, 64], "cycles": [4, 3, 2, np.nan]})
    fig = plots.heatmap(df, "tile_n", "tile_m")
    assert "best 2 at tile_n=32, tile_m=64" in fig.axes[0].get_title()
    assert os.path.getsize(tmp_path / "b.png") > 10000
    with pytest.raises(ValueError, match="trace=True"):
        plots.timeline(npusim.Npu().gemm(64, 64, 64))


def _gemm_point(m, preset):
    return npusim.Npu(preset).gemm(m, 64, 64)


SPACE = {"m": [32, 64, 0], "preset": ["default", "rk3588"]}


def test_sweep_serial_reports_failures_per_point():
    df = npusim.sweep(SPACE, _gemm_point, executor="serial", progress=False)
    assert list(df["m"]) == [32, 32, 64, 64, 0, 0] and list(df["preset"][:2]) == ["default", "rk3588"]
    assert df["error"].iloc[:4].isna().all()
    assert df["error"].iloc[4].startswith("ShapeError: GEMM m = 0")
    assert (df["cycles"].iloc[:4] > 0).all()
    assert len(npusim.sweeps.failed(df)) == 2
    with pytest.raises(TypeError, match="'m' must be a list"):
        npusim.sweep({"m": 5}, _gemm_point)
    with pytest.raises(TypeError, match="executor must be None"):
        npusim.sweep(SPACE, _gemm_point, executor="threads")


def test_sweep_worker_processes_and_dask_cluster_equal_serial():
    from distributed import Client, LocalCluster
    serial = npusim.sweep(SPACE, _gemm_point, executor="serial", progress=False)
    local = npusim.sweep(SPACE, lambda m, preset: _gemm_point(m, preset), progress=False, max_workers=2)
    pd.testing.assert_frame_equal(serial, local)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        on_dask = npusim.sweep(SPACE, _gemm_point, executor=client, progress=False)
        workers = client.run(os.getpid)
    assert len(set(workers.values())) == 2
    pd.testing.assert_frame_equal(serial, on_dask)


def test_numpy_integers_are_integers_and_floats_are_named_errors():
    # pandas and sweeps hand over numpy integers; they mean the same as Python's.
    npu = npusim.Npu("default")
    assert npu.kernel("rms_norm", t=np.int64(16), d=256).cycles == npu.kernel("rms_norm", t=16, d=256).cycles
    assert npu.gemm(np.int32(64), 64, 64).cycles == npu.gemm(64, 64, 64).cycles
    with pytest.raises(npusim.ShapeError, match=r"^m must be an integer, got 512.0 \(float\)$"):
        npu.gemm(512.0, 512, 512)
    with pytest.raises(npusim.ShapeError, match=r"^shape t must be an integer, got 16.0 \(float\)$"):
        npu.kernel("rms_norm", t=16.0)
    with pytest.raises(npusim.ShapeError, match=r"^prefill must be an integer, got True \(bool\)$"):
        npu.model(prefill=True)


def test_heatmap_of_a_sweep_whose_points_all_failed_says_why():
    df = pd.DataFrame({"tile_m": [32, 64], "tile_n": [32, 32], "error": ["ScheduleError: boom", "ScheduleError: boom"]})
    with pytest.raises(ValueError, match=r"heatmap: no point of the sweep has a 'cycles' to draw; every point "
                                         r"failed, e.g. ScheduleError: boom"):
        plots.heatmap(df, "tile_n", "tile_m")


def test_an_engine_has_one_colour_on_every_preset():
    def colours(preset):
        fig = plots.breakdown(npusim.Npu(preset).kernel("rms_norm", t=64, d=512))
        out = {}
        for ax in fig.axes:
            legend = ax.get_legend()
            for text, handle in zip(legend.get_texts(), legend.legend_handles):
                name = text.get_text().split(" ")[0]
                out[name.split(".")[-1].rstrip("0123456789")] = tuple(handle.get_facecolor())
        return out

    one, other = colours("default"), colours("rk3588")
    shared = set(one) & set(other)
    assert {"dram", "dma", "vector"} <= shared
    assert all(one[k] == other[k] for k in shared)
    assert len({one[k] for k in ("dram", "dma", "vector")}) == 3
