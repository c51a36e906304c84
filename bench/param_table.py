"""Writes `npusim info params` into docs/presets.md (its "Parameters" section), so the page lists
every parameter as the build declares it.

    .venv/bin/python bench/param_table.py [--npusim build/bin/npusim]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_sections  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--npusim", default=os.path.join(ROOT, "build", "bin", "npusim"))
    args = p.parse_args(argv)
    table = subprocess.run([args.npusim, "info", "params"], capture_output=True, text=True, check=True).stdout
    doc_sections.replace_section(os.path.join(ROOT, "docs", "presets.md"), "npusim info params",
                                 "```\n" + table.strip("\n") + "\n```")
    print("wrote docs/presets.md", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
