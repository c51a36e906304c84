"""Makes the shipped text files from the King James Bible (public domain), read with Debian's
`bible` program (packages bible-kjv and bible-kjv-text):

    data/sentences-kjv.txt   256 verses, one per line: the fixed sentence set the encoder's
                             quantization accuracy is measured on
    data/kjv-heldout.txt     the Book of Revelation: held-out text for the decoder LM's perplexity
    (train text)             every book before Revelation, written to the path given with --train

    python scripts/make_texts.py [--train /tmp/kjv-train.txt]

The output is deterministic: the same package version gives the same files.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))


def verses(spec):
    try:
        text = subprocess.run(["bible", spec], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        sys.exit("make_texts: the `bible` program is missing: apt-get install bible-kjv bible-kjv-text")
    out, cur = [], None
    for line in text.splitlines():
        m = re.match(r"^\s+(\d+) (.*)$", line)
        if m:
            if cur:
                out.append(cur)
            cur = m.group(2)
        elif cur is not None and line.strip() and not re.match(r"^\S.* \d+$", line):
            cur += " " + line.strip()
        elif cur is not None and not line.strip():
            out.append(cur)
            cur = None
    if cur:
        out.append(cur)
    return [re.sub(r"\s+", " ", v).strip() for v in out]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", help="also write the training text (Genesis to Jude) here")
    args = ap.parse_args()
    body = verses("Gen1:1-Jude1:25")
    heldout = verses("Rev1:1-Rev22:21")
    # Every 97th verse of moderate length: varied books and topics, no two adjacent.
    picked = [v for v in body[::97] if 6 <= len(v.split()) <= 40][:256]
    assert len(picked) == 256, len(picked)
    os.makedirs(os.path.join(ROOT, "data"), exist_ok=True)
    with open(os.path.join(ROOT, "data", "sentences-kjv.txt"), "w") as f:
        f.write("\n".join(picked) + "\n")
    with open(os.path.join(ROOT, "data", "kjv-heldout.txt"), "w") as f:
        f.write("\n".join(heldout) + "\n")
    if args.train:
        with open(args.train, "w") as f:
            f.write("\n".join(body) + "\n")
    print(f"wrote data/sentences-kjv.txt (256), data/kjv-heldout.txt ({len(heldout)} verses)"
          + (f", {args.train} ({len(body)} verses)" if args.train else ""))


if __name__ == "__main__":
    main()
