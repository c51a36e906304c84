"""Deployment manifests through the CLI and the Python API: `npusim compare` answers for several
targets in one table, each row is the model run its manifest describes, and a bad manifest or a
target over its memory budget fails naming the file, writing nothing."""
import glob
import json
import os
import subprocess

import pytest

import npusim
import npusim.plots

BIN = os.environ.get("NPUSIM_BIN", "build/bin/npusim")
SHIPPED = sorted(glob.glob(os.path.join(npusim.config_dir(), "deploy", "*.yaml")))


def test_three_example_targets_are_shipped():
    assert len(SHIPPED) >= 3


def test_compare_rows_are_the_runs_their_manifests_describe(tmp_path):
    manifest = tmp_path / "phone.yaml"
    manifest.write_text("name: small phone\npreset: hexagon_8gen3\nmodel: qwen2.5-0.5b\nrecipe:\n  name: w8a8\n"
                        "placement:\n  attention: layer.attention=cpu\nlimits:\n  prompt_tokens: 64\n"
                        "  output_tokens: 8\nload: mmap\nthermal:\n  seconds: 30\n")
    table = npusim.compare([manifest, SHIPPED[0]])
    df = table.to_pandas()
    assert list(df.index)[0] == "small phone" and len(df) == 2
    row = table.targets[0]
    direct = npusim.Npu("hexagon_8gen3").model("qwen2.5-0.5b", quant="w8a8", prefill=64, decode=8,
                                                place="layer.attention=cpu")
    assert row["ttft_s"] == pytest.approx(direct.ttft_s)
    assert row["decode_tokens_per_s"] == pytest.approx(direct.decode_tokens_per_s)
    mmap = [c for c in direct.cold_start if c["load"] == "mmap"][0]
    assert row["cold_ttft_s"] == pytest.approx(mmap["ttft_s"])
    assert row["placement"] == "layer.attention=cpu"
    assert row["sustained_s"] == 30 and row["sustained_tokens_per_s"] > 0
    assert row["peak_memory_bytes"] >= direct.footprint_bytes


def test_cli_compare_prints_one_table_and_saves_it(tmp_path):
    save = tmp_path / "table.json"
    p = subprocess.run([BIN, "compare", *SHIPPED, "--quiet", "--save", str(save)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split()[:2] == ["target", "chip"] and len(lines) == 1 + len(SHIPPED)
    saved = json.loads(save.read_text())
    assert [t["manifest"] for t in saved["targets"]] == SHIPPED
    out = tmp_path / "compare.png"
    assert npusim.plots.main(["compare", str(save), str(out)]) == 0 and out.stat().st_size > 5000


def test_bad_manifests_name_file_and_line_and_write_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("preset: hexagon_8gen3\nmodel: llama-3.2-1b\nrecipe: w8a8\nload: lazy\n")
    save = tmp_path / "out.json"
    p = subprocess.run([BIN, "compare", SHIPPED[0], str(bad), "--quiet", "--save", str(save)],
                       capture_output=True, text=True)
    assert p.returncode != 0 and f"{bad}:4: load: 'lazy' is not full or mmap" in p.stderr
    assert not save.exists()
    big = tmp_path / "big.yaml"
    big.write_text("preset: rk3588\nmodel: llama-2-7b\nrecipe: w8a16\nlimits:\n  memory_bytes: 4e9\n")
    with pytest.raises(npusim.UserError, match=r"over its budget of 4.00 GB \(limits.memory_bytes\) by [0-9.]+ GB"):
        npusim.deploy(big)
