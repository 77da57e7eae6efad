"""Regenerates expected.json: the OASIS pattern validator's verdict on every corpus line.

Run from anywhere with the project's Python environment:

    /work/main/.venv/bin/python stix-model/tests/corpus/patterns/verdicts.py

valid.txt and invalid.txt hold one pattern per line (lines starting with '#' and blank lines
are skipped). The verdict is `stix2patterns.validator.validate(pattern, '2.1')`; when the
validator raises instead of answering (it does on some inputs, e.g. a negative list index),
the pattern counts as not valid and the crash is reported on stderr.
"""

import json
import pathlib
import sys

from stix2patterns.validator import validate

HERE = pathlib.Path(__file__).resolve().parent


def patterns():
    for name in ("valid.txt", "invalid.txt"):
        for line in (HERE / name).read_text(encoding="utf-8").split("\n"):
            if line and not line.startswith("#"):
                yield line


def verdict(pattern):
    try:
        return bool(validate(pattern, stix_version="2.1"))
    except Exception as e:  # the validator itself failed on this input
        print(f"validator raised {e!r} on {pattern!r}; counted as not valid", file=sys.stderr)
        return False


def main():
    expected = {p: verdict(p) for p in patterns()}
    out = HERE / "expected.json"
    out.write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(expected)} verdicts written to {out}")


if __name__ == "__main__":
    main()
