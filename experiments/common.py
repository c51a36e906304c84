"""What every experiment shares: its command line (--quick, --out), the published numbers it is
compared with (reference.json beside it, each with its source), the Markdown table of published
against simulated numbers, and where results go (out/experiments/<name>/)."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any, List, Optional

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


class Experiment:
    """``exp = Experiment(__file__, doc)``: parses the command line, loads ``reference.json`` and
    collects rows; ``exp.finish(fig)`` writes ``results.md`` (and ``figure.png``) under ``--out``."""

    def __init__(self, script: str, doc: str):
        self.dir = os.path.dirname(os.path.abspath(script))
        self.name = os.path.basename(self.dir)
        p = argparse.ArgumentParser(prog=f"experiments/{self.name}/run.py", description=doc,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--quick", action="store_true", help="a small subset (what `make test` runs)")
        p.add_argument("--out", default=os.path.join(ROOT, "out", "experiments", self.name),
                       help="folder for results.md and figure.png (default: %(default)s)")
        self.args = p.parse_args()
        self.quick = self.args.quick
        path = os.path.join(self.dir, "reference.json")
        self.reference = json.load(open(path)) if os.path.exists(path) else {}
        self.sections: List[str] = []
        self.claim = self.result = ""
        self.started = time.time()

    def ref(self, key: str) -> Any:
        """A published number (or claim) of reference.json, by key."""
        try:
            return self.reference["values"][key]
        except KeyError:
            raise KeyError(f"experiments/{self.name}/reference.json has no value {key!r}") from None

    def source(self, key: str = "source") -> str:
        return self.reference.get(key, "")

    def progress(self, text: str) -> None:
        print(f"[{time.time() - self.started:6.1f} s] {text}", file=sys.stderr, flush=True)

    def table(self, title: str, header: List[str], rows: List[List[Any]], note: str = "") -> str:
        """Adds a Markdown table; numbers are printed with 4 significant digits."""
        def cell(v):
            if v is None:
                return "-"
            if isinstance(v, float):
                return "-" if math.isnan(v) else f"{v:.4g}"
            return str(v)
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
        if note:
            lines += ["", note]
        text = "\n".join(lines) + "\n"
        self.sections.append(text)
        return text

    def text(self, markdown: str) -> None:
        self.sections.append(markdown.strip() + "\n")

    def summary(self, claim: str, result: str) -> None:
        """The experiment's row of experiments/README.md: the claim or table it tests, and its result
        in one sentence with the run's figures (`experiments/index.py` writes the rows)."""
        self.claim, self.result = claim, result

    def finish(self, fig: Optional[Any] = None) -> str:
        os.makedirs(self.args.out, exist_ok=True)
        mode = "quick" if self.quick else "full"
        head = (f"## {self.name} ({mode} run, {time.time() - self.started:.0f} s)\n\n"
                f"Source: {self.source()}\n")
        body = head + "\n" + "\n".join(self.sections)
        md = os.path.join(self.args.out, "results.md")
        with open(md, "w") as f:
            f.write(body)
        if not self.result:
            raise SystemExit(f"experiments/{self.name}/run.py: no exp.summary(claim, result) before finish()")
        with open(os.path.join(self.args.out, "summary.json"), "w") as f:
            json.dump({"name": self.name, "quick": self.quick, "claim": self.claim, "result": self.result}, f,
                      indent=1)
        print(body)
        if fig is not None:
            png = os.path.join(self.args.out, "figure.png")
            fig.savefig(png, dpi=120)
            print(f"wrote {md} and {png}")
        else:
            print(f"wrote {md}")
        return body


def ratio(simulated: Optional[float], published: Optional[float]) -> float:
    """simulated / published (NaN when either is missing)."""
    if simulated is None or published is None or published == 0:
        return float("nan")
    return simulated / published


def span(values, fmt: str = "{:.2f}", unit: str = "") -> str:
    """"lo-hi" of the values in `fmt` (one value when they print alike), then `unit`."""
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return (lo if lo == hi else f"{lo}-{hi}") + unit


def pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
