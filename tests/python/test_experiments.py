"""Every experiment's quick mode runs, and writes its table and figure; every reference number
names its source; the table of experiments/README.md is what full runs summarise, figure by figure."""
import glob
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
EXPERIMENTS = sorted(os.path.basename(os.path.dirname(p))
                     for p in glob.glob(os.path.join(ROOT, "experiments", "*", "run.py")))


def test_there_are_experiments():
    assert len(EXPERIMENTS) >= 7


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_quick_mode_writes_table_and_figure(name, tmp_path):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "experiments", name, "run.py"), "--quick", "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    md = (tmp_path / "results.md").read_text()
    assert md.startswith(f"## {name} (quick run") and "\n| " in md
    assert (tmp_path / "figure.png").stat().st_size > 5000


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_reference_numbers_cite_their_source(name):
    with open(os.path.join(ROOT, "experiments", name, "reference.json")) as f:
        ref = json.load(f)
    assert len(ref["source"]) > 60 and "PENDING" not in ref["source"]
    readme = os.path.join(ROOT, "experiments", name, "README.md")
    assert os.path.exists(readme), f"experiments/{name}/README.md is missing"


sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import doc_sections  # noqa: E402
import index  # noqa: E402

README = os.path.join(ROOT, "experiments", "README.md")
NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")


def readme_rows():
    with open(README) as f:
        text = doc_sections.section(f.read(), index.SECTION)
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in text.splitlines()[2:]]
    return {re.match(r"\[(\w+)\]", r[0]).group(1): r for r in rows}


def test_readme_table_is_what_index_wrote():
    assert doc_sections.stale(README) == []
    assert sorted(readme_rows()) == EXPERIMENTS


def test_readme_figures_match_full_runs(tmp_path):
    """Every experiment in full, as `make experiments` runs it: the README row's text must be what
    the run summarises, each figure within 1 % (the last printed digit may move)."""
    rows = readme_rows()
    for name in EXPERIMENTS:
        out = tmp_path / name
        p = subprocess.run([sys.executable, os.path.join(ROOT, "experiments", name, "run.py"), "--out", str(out)],
                           capture_output=True, text=True, timeout=900)
        assert p.returncode == 0, p.stderr[-3000:]
        fresh = json.loads((out / "summary.json").read_text())
        claim, result = rows[name][1], rows[name][2]
        assert fresh["claim"] == claim, name
        assert NUMBER.sub("#", fresh["result"]) == NUMBER.sub("#", result), (name, fresh["result"], result)
        for new, old in zip(NUMBER.findall(fresh["result"]), NUMBER.findall(result)):
            a, b = float(new.replace(",", "")), float(old.replace(",", "")) if old else 0.0
            digits = len(old.split(".")[1]) if "." in old else 0
            assert abs(a - b) <= 0.01 * max(abs(a), abs(b)) + 0.5 * 10 ** -digits, \
                f"{name}: {new} now, {old} in experiments/README.md (regenerate with `make experiments`)"
