"""Executes notebooks top to bottom with a Jupyter kernel (nbclient) and fails on the first cell
that raises. Outputs are discarded (notebooks are committed without them).

    python tests/notebooks/run_notebooks.py [NOTEBOOK.ipynb ...]     default: notebooks/*.ipynb
"""
import glob
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def run(path: str) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.time()
    with tempfile.TemporaryDirectory() as cwd:  # whatever a notebook writes stays out of the tree
        NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": cwd}}).execute()
    return time.time() - start


def main(argv) -> int:
    paths = argv or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        try:
            print(f"{os.path.basename(path)}: ran in {run(path):.1f} s", flush=True)
        except CellExecutionError as e:
            failed += 1
            print(f"{os.path.basename(path)}: FAILED\n{e}", file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
