"""The README's usage examples stay runnable: every `build/bin/npusim ...` and `.venv/bin/python ...`
line of its command-line block and its Python block run without error (in a scratch directory)."""
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
NPUSIM = os.path.abspath(os.environ.get("NPUSIM_BIN", os.path.join(ROOT, "build", "bin", "npusim")))


def blocks(lang):
    with open(os.path.join(ROOT, "README.md")) as f:
        return re.findall(r"```" + lang + r"\n(.*?)```", f.read(), flags=re.S)


def scratch(tmp_path):
    os.symlink(os.path.join(ROOT, "configs"), tmp_path / "configs")
    return tmp_path


def test_command_line_examples(tmp_path):
    cwd = scratch(tmp_path)
    lines = [ln for b in blocks("sh") for ln in b.replace("\\\n", " ").splitlines()
             if ln.startswith(("build/bin/npusim", ".venv/bin/python"))]
    assert len(lines) >= 10
    for line in lines:
        argv = shlex.split(line.split("#")[0].split(">")[0])
        argv[0] = NPUSIM if argv[0] == "build/bin/npusim" else sys.executable
        out = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
        assert out.returncode == 0, f"{line}\n{out.stderr}"
        if "--print-program" in line:  # the next example runs what this one prints
            (cwd / "gemm.npu").write_text(out.stdout)
    assert (cwd / "gemm.json").exists() and (cwd / "run.png").exists()


def test_python_example_runs_as_a_script(tmp_path):
    # Saved as a file and run: the sweep's spawned workers import the file again.
    (code,) = blocks("python")
    cwd = scratch(tmp_path)
    (cwd / "example.py").write_text(code)
    out = subprocess.run([sys.executable, "example.py"], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert (cwd / "rk3588.json").exists() and (cwd / "tiles.png").exists()


def test_python_example_runs_in_a_notebook(tmp_path):
    # A notebook cell: __main__ without a file behind it.
    (code,) = blocks("python")
    cwd = os.getcwd()
    os.chdir(scratch(tmp_path))
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    finally:
        os.chdir(cwd)
    assert (tmp_path / "rk3588.json").exists()
