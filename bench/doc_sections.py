"""Generated parts of the docs: each script that measures a table writes it between its own
markers (`<!-- NAME -->` ... `<!-- /NAME -->`), so scripts sharing a page keep each other's parts,
and a failed run leaves the page as it was (written whole, then renamed)."""
from __future__ import annotations

import os


def markers(name: str) -> tuple:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def section(doc: str, name: str):
    """The text between NAME's markers in `doc`, or None where they are absent."""
    begin, end = markers(name)
    if begin not in doc or end not in doc:
        return None
    return doc[doc.index(begin) + len(begin):doc.index(end)].strip("\n")


def write_whole(path: str, text: str) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def replace_section(path: str, name: str, text: str) -> None:
    """Puts `text` between NAME's markers in the file at `path` (SystemExit if it has none)."""
    begin, end = markers(name)
    with open(path) as f:
        doc = f.read()
    if section(doc, name) is None:
        raise SystemExit(f"{path}: no {begin} ... {end} section to write into")
    write_whole(path, doc[:doc.index(begin) + len(begin)] + "\n" + text + "\n" + doc[doc.index(end):])
