"""The figures in the README and docs are what their commands produce.

Every generated table sits between markers carrying the digest of what its script wrote
(bench/doc_sections.py): a hand edit fails here. And the figures still match the simulator: the
README's `make run` summary is run again, and the generated tables are simulated again (every row
where that is cheap, a sample of the long ones), each within 1 %. A change to the simulator that
moves a documented figure fails here until the table is regenerated with its command."""
import glob
import os
import re
import subprocess
import sys

import pytest

import npusim

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import doc_sections  # noqa: E402

DOCS = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
NUMBER = re.compile(r"-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")


def numbers(text):
    return [float(n.replace(",", "")) for n in NUMBER.findall(text)]


def close(a, b, rel=0.01, abs_=0.0):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


def table_rows(path, name):
    with open(path) as f:
        text = doc_sections.section(f.read(), name)
    return [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| ---")][1:]


def test_generated_sections_are_what_their_scripts_wrote():
    found = {}
    for path in DOCS:
        with open(path) as f:
            found[os.path.relpath(path, ROOT)] = [n for n, _, _ in doc_sections.sections(f.read())]
        assert doc_sections.stale(path) == [], (path, doc_sections.stale(path))
    assert sum(len(v) for v in found.values()) >= 9, found


def test_a_hand_edit_is_detected(tmp_path):
    with open(os.path.join(ROOT, "docs", "kernels.md")) as f:
        doc = f.read()
    path = tmp_path / "kernels.md"
    path.write_text(doc)
    assert doc_sections.stale(str(path)) == []
    path.write_text(doc.replace("| 94.2 % |", "| 95.2 % |", 1))
    assert doc_sections.stale(str(path)) == ["kernel_table.py"]


def test_readme_make_run_summary_matches_a_fresh_run():
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    block = readme[readme.index("\nllama-3.2-1b (LlamaForCausalLM"):]
    block = block[:block.index("```")]
    lines = block.strip("\n").splitlines()
    expected = lines[1:lines.index("")]  # the summary: from time to first token to memory
    run = subprocess.run([os.environ.get("NPUSIM_BIN", "npusim"), "model", "--preset", "default", "--model",
                          "llama-3.2-1b", "--quant", "w4a8", "--prefill", "512", "--decode", "128"],
                         capture_output=True, text=True, check=True)
    got = run.stdout.splitlines()[1:1 + len(expected)]
    for want_line, got_line in zip(expected, got):
        assert want_line.split()[0] == got_line.split()[0], (want_line, got_line)
        want, have = numbers(want_line), numbers(got_line)
        assert len(want) == len(have) and all(close(a, b, abs_=1e-3) for a, b in zip(want, have)), \
            (want_line, got_line)


def test_kernel_table_default_schedules_match_the_simulator():
    path = os.path.join(ROOT, "docs", "kernels.md")
    with open(path) as f:
        header = doc_sections.section(f.read(), "kernel_table.py").splitlines()[2]
    presets = [c.split(":")[0].strip() for c in header.strip("|").split("|")[2::2]]
    for row in table_rows(path, "kernel_table.py"):
        kernel = row[0].strip("`")
        shape = {k: int(v) for k, v in (kv.split("=") for kv in row[1].split("`")[1].split(","))}
        for preset, cell in zip(presets, row[2::2]):
            if not cell.endswith("%"):
                continue
            share = 100 * npusim.Npu(preset).kernel(kernel, **shape).roofline_fraction
            assert close(share, float(cell.rstrip(" %")), rel=0, abs_=0.051), (kernel, row[1], preset, share, cell)


def test_attention_and_decode_roofline_tables_match_the_simulator():
    path = os.path.join(ROOT, "docs", "kernels.md")
    shapes = {"decode, ctx 512": dict(t=1, ctx=512, h=32, hk=8, d=64),
              "prefill 512": dict(t=512, ctx=512, h=32, hk=8, d=64)}
    for preset, case, _, share, _, _ in table_rows(path, "decode_roofline.py attention"):
        r = npusim.Npu(preset).kernel("attention", **shapes[case])
        assert close(100 * r.roofline_fraction, float(share.rstrip(" %")), rel=0, abs_=0.051), (preset, case)
    seen = set()
    for preset, model, recipe, rate, roof, *_ in table_rows(path, "decode_roofline.py"):
        if preset in seen or rate.startswith("refused"):
            continue  # one row per preset: the whole table is about 140 model runs
        seen.add(preset)
        r = npusim.Npu(preset).model(model, quant=recipe, prefill=128, decode=1)
        assert close(r.decode_tokens_per_s_last, float(rate)), (preset, model, recipe)
        assert close(r.decode_roofline_tokens_per_s_last, float(roof)), (preset, model, recipe)
    assert len(seen) >= 7


def test_validation_table_matches_the_simulator():
    from npusim.calibration.evaluate import simulate_row
    from npusim.calibration.measurements import METRICS, default_measurement_files, read_measurements

    rows = {r.id: r for p in default_measurement_files() for r in read_measurements(p)}
    labels = {label: col for col, (label, _) in METRICS.items()}
    table = table_rows(os.path.join(ROOT, "docs", "validation.md"), "validation/compare.py")
    assert len(table) >= 20
    sims = {}
    for row in table:
        rid, preset, metric, simulated = row[0], row[2], row[4], row[-2]
        if rid not in sims:
            sims[rid] = simulate_row(preset, (), rows[rid])
        assert close(sims[rid][labels[metric]], float(simulated), rel=0.01), (rid, metric)


def test_op_boundary_and_parameter_tables_match():
    for preset, recipe, step, *_ in table_rows(os.path.join(ROOT, "docs", "models.md"), "op_boundaries.py")[::5]:
        r = npusim.Npu(preset).model("llama-3.2-1b", quant=recipe, prefill=128, decode=1)
        assert close(1e3 / r.decode_tokens_per_s_last, float(step)), (preset, recipe)
    with open(os.path.join(ROOT, "docs", "presets.md")) as f:
        doc = f.read()
    listed = doc_sections.section(doc, "npusim info params")
    run = subprocess.run([os.environ.get("NPUSIM_BIN", "npusim"), "info", "params"], capture_output=True, text=True,
                         check=True)
    inner = listed.split("\n", 1)[1].rsplit("\n", 1)[0]  # between the ``` fences
    assert inner == run.stdout.strip("\n")


def test_quantization_table_latencies_match_the_simulator():
    # The accuracy columns take minutes to measure (bench/quant_table.py); the simulated passes are
    # checked again here, every third row on both presets.
    path = os.path.join(ROOT, "docs", "quantization.md")
    with open(path) as f:
        header = [line for line in doc_sections.section(f.read(), "quant_table.py").splitlines()
                  if line.startswith("| recipe")][0]
    presets = [c.strip()[:-3] for c in header.strip("|").split("|") if c.strip().endswith(" ms")]
    rows = table_rows(path, "quant_table.py")
    assert len(rows) >= 15 and len(presets) == 2
    for row in rows[::3]:
        for i, preset in enumerate(presets):
            r = npusim.Npu(preset).model("all-minilm-l6-v2", quant=row[0], prefill=128, decode=0)
            assert close(r.ttft_s * 1e3, float(row[6 + 2 * i])), (row[0], preset)
            assert close(r.energy_j * 1e3, float(row[7 + 2 * i])), (row[0], preset)
