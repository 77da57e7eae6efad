"""Times the OASIS STIX validator (stix2-validator 3.2.0) on the objects of a JSON Lines file.

Used by bench_vs_oasis.sh so that Accord and the OASIS tool are measured on the same objects in
one run. Prints `oasis_objects_per_second=<n>`.
"""

import json
import sys
import time

from stix2validator import ValidationOptions, validate_instance


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        objects = [json.loads(line) for line in f if line.strip()]
    options = ValidationOptions(version="2.1")
    # Warm up: the first call loads the JSON schemas.
    validate_instance(objects[0], options)
    invalid = 0
    start = time.perf_counter()
    for obj in objects:
        if not validate_instance(obj, options).is_valid:
            invalid += 1
    elapsed = time.perf_counter() - start
    if invalid:
        print(f"warning: the OASIS validator found {invalid} invalid objects", file=sys.stderr)
    print(f"oasis_objects={len(objects)} oasis_seconds={elapsed:.3f}")
    print(f"oasis_objects_per_second={len(objects) / elapsed:.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
