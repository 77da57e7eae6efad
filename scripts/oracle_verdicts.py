#!/usr/bin/env python3
"""Regenerates the OASIS verdicts of the STIX verdict corpus.

Run with the project's virtual environment (``stix2-validator==3.2.0``, which brings
``stix2-patterns==2.1.2``):

    .venv/bin/python scripts/oracle_verdicts.py

For every file under ``stix-model/tests/corpus/objects/{valid,invalid}/`` this runs the OASIS
STIX validator through its Python API (``stix2validator.validate_instance`` with
``ValidationOptions(version="2.1")``, every default check on, no strict mode) and writes
``stix-model/tests/corpus/objects/expected.json``:

    {"<dir>/<file>": {"valid": bool, "errors": [message, ...], "warnings": [message, ...]}}

Indicator patterns with ``pattern_type: stix`` are checked by the validator through the OASIS
``stix2-patterns`` package (``stix2patterns.validator.run_validator``), so the pattern verdicts
come from the same run.

Files are processed in sorted order and the JSON is written with sorted keys, so that a change
of verdict shows as a small diff. A file that is not JSON, or that the validator refuses before
validating (no ``type``/``id``, not an object) or crashes on, is recorded as not valid, with the
exception text as its only error.

Then it checks the corpus against the verdicts: every file whose OASIS verdict differs from the
verdict the specification gives (``cases.json``) must be listed in ``disagreements.json`` (written
by ``scripts/make_corpus.py`` with the reason and the spec section), and every listed file must
really differ. It prints what does not fit and exits 1, so a regenerated corpus with a new
disagreement cannot go unexplained.

The Rust test ``stix-model/tests/corpus_verdicts.rs`` compares Accord's verdicts with this file;
it does not need Python.
"""

import json
import logging
import sys
from pathlib import Path

from stix2validator import ValidationOptions, validate_instance

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "stix-model" / "tests" / "corpus" / "objects"


def verdict(path):
    try:
        instance = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        return {"valid": False, "errors": [f"not JSON: {e}"], "warnings": []}
    options = ValidationOptions(version="2.1")
    try:
        result = validate_instance(instance, options)
    except Exception as e:  # the validator refuses or crashes: not a valid object either way
        return {"valid": False, "errors": [f"{type(e).__name__}: {e}"], "warnings": []}
    return {
        "valid": bool(result.is_valid),
        "errors": [str(e.message) if hasattr(e, "message") else str(e) for e in result.errors],
        "warnings": [str(w) for w in (result.warnings or [])],
    }


def main():
    # The validator logs progress through `logging`; keep the run quiet.
    logging.disable(logging.CRITICAL)
    files = sorted(p for d in ("valid", "invalid") for p in (CORPUS / d).glob("*.json"))
    expected = {}
    for path in files:
        expected[f"{path.parent.name}/{path.name}"] = verdict(path)
    out = CORPUS / "expected.json"
    out.write_text(json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    valid = sum(1 for v in expected.values() if v["valid"])
    print(f"{len(expected)} files: OASIS says {valid} valid, {len(expected) - valid} invalid",
          file=sys.stderr)
    return check_disagreements(expected)


def check_disagreements(expected):
    cases = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
    listed = json.loads((CORPUS / "disagreements.json").read_text(encoding="utf-8"))
    faults = []
    for name, case in sorted(cases.items()):
        oasis_valid = expected[name]["valid"]
        differs = (case["expect"] == "valid") != oasis_valid
        if differs and name not in listed:
            faults.append(f"unexplained: {name}: expected {case['expect']}, OASIS says "
                          f"{'valid' if oasis_valid else 'invalid'}: "
                          f"{(expected[name]['errors'] or [''])[0][:200]}")
        if name in listed and not differs:
            faults.append(f"stale: {name} is listed as a disagreement but OASIS agrees")
    for name in sorted(set(listed) - set(cases)):
        faults.append(f"stale: {name} is listed as a disagreement but is not in the corpus")
    for fault in faults:
        print(fault, file=sys.stderr)
    print(f"{len(listed)} listed disagreements, {len(faults)} problems", file=sys.stderr)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
