"""Generated parts of the docs: each script that measures a table writes it between its own
markers (`<!-- NAME sha256=HASH -->` ... `<!-- /NAME -->`), so scripts sharing a page keep each
other's parts, and a failed run leaves the page as it was (written whole, then renamed). HASH is
the digest of the text between the markers as the script wrote it: a hand edit of a generated
figure no longer matches it, which tests/python/test_doc_figures.py reports (`stale`)."""
from __future__ import annotations

import hashlib
import os
import re

_BEGIN = re.compile(r"<!-- (?P<name>[^/>][^>]*?)(?: sha256=(?P<hash>[0-9a-f]{16}))? -->")


def digest(text: str) -> str:
    return hashlib.sha256(text.strip("\n").encode()).hexdigest()[:16]


def markers(name: str) -> tuple:
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def _find(doc: str, name: str):
    """(start of the begin marker, end of it, start of the end marker, recorded hash) or None."""
    end_marker = f"<!-- /{name} -->"
    for m in _BEGIN.finditer(doc):
        if m.group("name") == name and end_marker in doc[m.end():]:
            return m.start(), m.end(), doc.index(end_marker, m.end()), m.group("hash")
    return None


def section(doc: str, name: str):
    """The text between NAME's markers in `doc`, or None where they are absent."""
    found = _find(doc, name)
    return None if found is None else doc[found[1]:found[2]].strip("\n")


def stamped(name: str, text: str) -> str:
    """`text` between NAME's markers, the begin marker carrying its digest."""
    return f"<!-- {name} sha256={digest(text)} -->\n{text.strip(chr(10))}\n<!-- /{name} -->"


def sections(doc: str) -> list:
    """Every generated section of `doc`: (name, recorded hash or None, text)."""
    out = []
    for m in _BEGIN.finditer(doc):
        name = m.group("name")
        found = _find(doc, name)
        if found and found[0] == m.start():
            out.append((name, found[3], doc[found[1]:found[2]].strip("\n")))
    return out


def stale(path: str) -> list:
    """The sections of the file whose text is not what their script wrote (no hash, or another)."""
    with open(path) as f:
        return [name for name, h, text in sections(f.read()) if h != digest(text)]


def write_whole(path: str, text: str) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def replace_section(path: str, name: str, text: str) -> None:
    """Puts `text` between NAME's markers in the file at `path` (SystemExit if it has none)."""
    with open(path) as f:
        doc = f.read()
    found = _find(doc, name)
    if found is None:
        begin, end = markers(name)
        raise SystemExit(f"{path}: no {begin} ... {end} section to write into")
    start, _, end_start, _ = found
    write_whole(path, doc[:start] + stamped(name, text) + doc[end_start + len(f"<!-- /{name} -->"):])
