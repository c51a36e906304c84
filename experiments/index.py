"""Writes the table of experiments/README.md from each experiment's latest full run
(out/experiments/<name>/summary.json, written by its run.py): the claim it tests and its result.
`make experiments` runs every experiment and then this. The table is stamped with its digest
(bench/doc_sections.py), so a hand edit is noticed, and tests/python/test_experiments.py runs
the experiments again and checks each figure within 1 %."""
import argparse
import glob
import json
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import doc_sections  # noqa: E402

SECTION = "experiments/index.py"


def table(summaries):
    lines = ["| experiment | claim or table | latest simulated result (full run) |", "|---|---|---|"]
    for s in summaries:
        lines.append(f"| [{s['name']}]({s['name']}/) | {s['claim']} | {s['result']} |")
    return "\n".join(lines)


def read_summaries(out_dir):
    names = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "experiments", "*",
                                                                                            "run.py")))
    summaries = []
    for name in names:
        path = os.path.join(out_dir, name, "summary.json")
        if not os.path.exists(path):
            sys.exit(f"index.py: {path} is missing: run experiments/{name}/run.py (without --quick) first")
        with open(path) as f:
            s = json.load(f)
        if s["quick"]:
            sys.exit(f"index.py: {path} is from a --quick run; the table shows full runs")
        summaries.append(s)
    return summaries


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(ROOT, "out", "experiments"),
                   help="where the runs wrote their results (default: %(default)s)")
    args = p.parse_args()
    readme = os.path.join(ROOT, "experiments", "README.md")
    doc_sections.replace_section(readme, SECTION, table(read_summaries(args.out)))
    print(f"wrote the table of {readme}")


if __name__ == "__main__":
    main()
