"""Every experiment's quick mode runs, and writes its table and figure; every reference number
names its source."""
import glob
import json
import os
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
