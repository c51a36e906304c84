"""npusim.calibrate: fits that reproduce their rows, honest leave-one-out, flagged bounds, the
calibrated preset written and read back, and bad input named by file, line and column."""
import os
import subprocess

import numpy as np
import pytest

import npusim
from npusim.calibration.fit import Param, fit
from npusim.calibration.measurements import read_measurements

HEADER = "id,chip,runtime,model,runtime_recipe,prompt_tokens,new_tokens,ttft_ms,decode_tokens_per_s,source\n"
KERNELS = "id,chip,runtime,op,m,n,k,precision,latency_ms,source\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_fit_reproduces_its_row_and_the_written_preset_simulates_alike(tmp_path):
    c = npusim.calibrate("intel_mtl_npu", rows=["K3"], params=["runtime.graph_execute_us"], workers=1)
    (row,) = c.rows.to_dict("records")
    assert row["measured"] == 0.985 and abs(row["before"] / 0.985 - 1) > 0.05  # the spec preset misses it
    assert abs(row["ratio_after"] - 1) < 0.01
    p = c.params.iloc[0]
    assert p["lo"] <= p["fitted"] <= p["hi"] and p["fitted"] != p["spec"] and not p["pinned"]
    assert c.summary["evaluations"] > 3 and c.summary["wall_s"] > 0
    path = c.write(str(tmp_path / "mtl.yaml"))
    base, entries = npusim.preset_entries(path)
    assert base == "intel_mtl_npu" and entries["name"]["value"] == c.name
    assert entries["runtime.graph_execute_us"]["provenance"] == "fitted"
    assert entries["dram.efficiency"] == npusim.preset_entries("intel_mtl_npu")[1]["dram.efficiency"]
    again = npusim.Npu(path).kernel("gemm_w8a8", m=1, n=4096, k=4096).single_op_graph_s * 1e3
    assert again == pytest.approx(row["after"], rel=1e-9)


def test_leave_one_out_starts_from_the_spec_values_and_pinned_bounds_are_flagged():
    # Two single-op rows, two parameters: the full fit matches both, but each row predicted by a
    # fit on the other alone is off (it cannot leak back in through a warm start).
    c = npusim.calibrate("hexagon_8gen3", rows=["K1", "K2"], params=["runtime.graph_execute_us", "dram.efficiency"],
                         bounds={"dram.efficiency": (0.45, 0.95)}, workers=2)
    rows = c.rows.set_index("id")
    assert all(abs(rows.loc[r, "ratio_loo"] - rows.loc[r, "ratio_after"]) > 0.05 for r in ("K1", "K2"))
    eff = c.params.set_index("key").loc["dram.efficiency"]
    assert eff["pinned"] == "lower" and eff["fitted"] == 0.45
    assert c.summary["pinned"] == ["dram.efficiency"]
    assert "efficiency: 0.45  # fitted: within [0.45, 0.95]" in c.preset_text
    assert "AT ITS LOWER BOUND: a mechanism is missing" in c.preset_text
    assert "at its lower bound" in c.markdown()


def test_the_default_parameters_are_assumed_ones_the_rows_inform():
    c = npusim.calibrate("intel_mtl_npu", rows=["K3"], leave_one_out=False, workers=1)
    entries = npusim.preset_entries("intel_mtl_npu")[1]
    specs = {s["key"]: s for s in npusim.param_specs()}
    assert len(c.params) == 1  # one measured value: at most one parameter
    for key in c.params["key"]:
        assert specs[key]["fittable"] and entries[key]["provenance"] == "assumed"


@pytest.mark.parametrize("text,message", [
    ("id,chip\n", r"x.csv:1: the header has neither a 'model' column"),
    (HEADER.replace(",source", ""), r"x.csv:1: missing column\(s\) 'source'"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen9,w8a8,128,64,100,20,src\n", r"x.csv:2:4 \(model\): 'qwen9' is not a shipped"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen2.5-0.5b,w8a8,128,64,0,20,src\n",
     r"x.csv:2:8 \(ttft_ms\): must be a positive number, got '0'"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen2.5-0.5b,w8a8,-1,64,10,20,src\n",
     r"x.csv:2:6 \(prompt_tokens\): must be a positive integer, got '-1'"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen2.5-0.5b,w8a8,128,64,,,src\n", r"x.csv:2:8 \(ttft_ms\): the row measures nothing"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen2.5-0.5b,w2a2,128,64,10,20,src\n",
     r"x.csv:2:5 \(runtime_recipe\): no npusim recipe is known for RKLLM's 'w2a2'"),
    (HEADER + "A,rk3588,RKLLM 1.3.0,qwen2.5-0.5b,w8a8,128,64,10,20,\n", r"x.csv:2:10 \(source\): must not be empty"),
    (HEADER + "A,rk3588,RKLLM 1,qwen2.5-0.5b,w8a8,128,64,10,20,s\nA,rk3588,RKLLM 1,qwen2.5-0.5b,w8a8,128,64,10,20,s\n",
     r"x.csv:3:1 \(id\): row id 'A' repeats line 2"),
    (KERNELS + "K,rk3588,R,conv,1,2,3,int8,1.0,s\n", r"x.csv:2:4 \(op\): only 'matmul' rows are simulated"),
    (HEADER + "A,rk3588,R,qwen2.5-0.5b,w8a8,128\n", r"x.csv:2: 6 cells for 10 columns"),
])
def test_bad_measurement_files_name_file_line_and_column(tmp_path, text, message):
    with pytest.raises(npusim.MeasurementError, match=message):
        read_measurements(write(tmp_path, "x.csv", text))


def test_bad_calibrations_say_why(tmp_path):
    with pytest.raises(npusim.CalibrationError, match="parameter 'nope' does not exist"):
        npusim.calibrate("rk3588", rows=["R1"], params=["nope"])
    with pytest.raises(npusim.CalibrationError, match="parameter 'mac.rows' is not fittable"):
        npusim.calibrate("rk3588", rows=["R1"], params=["mac.rows"])
    with pytest.raises(npusim.CalibrationError,
                       match=r"bounds of dram.efficiency: \[0.7, 0.9\] exclude the spec value 0.6 \(.*rk3588.yaml:\d+\)"):
        npusim.calibrate("rk3588", rows=["R1"], params=["dram.efficiency"], bounds={"dram.efficiency": (0.7, 0.9)})
    with pytest.raises(npusim.MeasurementError, match="row Q1 measures chip 'hexagon_8elite', not 'rk3588'"):
        npusim.calibrate("rk3588", rows=["R1", "Q1"])
    with pytest.raises(npusim.MeasurementError, match=r"the rows span runtime releases RKLLM 1.2.1 .*: one parameter set"):
        npusim.calibrate("rk3588", rows=["R1", "R8"])
    rows = write(tmp_path, "q.csv", HEADER + "X,rk3588,QNN 2.1,qwen2.5-0.5b,w4a16,128,64,30,20,src\n")
    with pytest.raises(npusim.CalibrationError, match=r"q.csv:2: row X \(qwen2.5-0.5b w4a16i\) cannot run on rk3588: "
                                                      r"gemm_w4a16i multiplies 16-bit integer activations"):
        npusim.calibrate("rk3588", measurements=rows, params=["dram.efficiency"], workers=1)


class NaNEvaluator:
    evaluations = 0

    def run(self, points, rows):
        return [[{m: float("nan") for m in r.metrics} for r in rows] for _ in points]


def test_a_fit_that_produces_nan_is_an_error():
    (row,) = [r for r in read_measurements(os.path.join(npusim.config_dir(), "..", "validation", "measurements",
                                                        "kernels.csv")) if r.id == "K3"]
    p = Param("dram.efficiency", 0.6, 0.3, 0.95, "", "assumed")
    with pytest.raises(npusim.CalibrationError, match=r"the fit diverged: row K3 simulated latency ms = nan"):
        fit(NaNEvaluator(), [row], [p], np.array([0.6]))


def test_the_command_line_writes_the_preset_only_after_a_fit(tmp_path):
    out = tmp_path / "p.yaml"
    env = dict(os.environ)
    bad = subprocess.run([os.environ.get("NPUSIM_BIN", "npusim"), "calibrate", "rk3588", "--rows", "R1",
                          "--params", "mac.rows", "--out", str(out)], capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "is not fittable" in bad.stderr and not out.exists()
    good = subprocess.run([os.environ.get("NPUSIM_BIN", "npusim"), "calibrate", "intel_mtl_npu", "--rows", "K3",
                           "--params", "runtime.graph_execute_us", "--workers", "1", "--out", str(out)],
                          capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stderr
    assert "| K3 |" in good.stdout and out.exists()
    assert npusim.preset_entries(str(out))[0] == "intel_mtl_npu"
