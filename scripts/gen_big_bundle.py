#!/usr/bin/env python3
"""Writes a large STIX 2.1 bundle of ~1 KiB indicators, for measuring `accord validate`.

    scripts/gen_big_bundle.py --size-mb 100 --out /tmp/big.json [--invalid-every 1000]

The bundle is written as it is generated (never held whole), deterministically from --seed.
With --invalid-every N, every N-th indicator has `modified` before `created`.
"""

import argparse
import json
import random
import sys
import uuid


def indicator(rng, n, invalid):
    octets = f"{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    created = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{n % 59:02d}.{n % 1000:03d}Z"
    modified = "2020-01-01T00:00:00.000Z" if invalid else created
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": created,
        "modified": modified,
        "name": f"C2 address 10.{octets}",
        "description": (
            "Command and control address observed in a phishing campaign against "
            "coalition networks; seen beaconing every 300 seconds over TLS on port 443. "
            "Block and hunt for historic connections. " * 2
        )[:240],
        "indicator_types": ["malicious-activity", "attribution"],
        "pattern": f"[ipv4-addr:value = '10.{octets}'] OR [domain-name:value = 'c2-{n}.example.com']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": created,
        "kill_chain_phases": [
            {"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "command-and-control"}
        ],
        "confidence": n % 101,
        "labels": ["c2", "phishing"],
        "external_references": [
            {"source_name": "acme-cert", "external_id": f"ACME-{n}"}
        ],
        "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=100.0, help="approximate size in MiB")
    parser.add_argument("--out", default="-", help="output file, - for stdout")
    parser.add_argument("--invalid-every", type=int, default=0, help="make every N-th object invalid")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    target = int(args.size_mb * 1024 * 1024)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    bundle_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    head = f'{{"type": "bundle", "id": "bundle--{bundle_id}", "objects": [\n'
    out.write(head)
    written = len(head)
    n = 0
    while written < target:
        invalid = args.invalid_every > 0 and n % args.invalid_every == args.invalid_every - 1
        text = ("" if n == 0 else ",\n") + json.dumps(indicator(rng, n, invalid))
        out.write(text)
        written += len(text)
        n += 1
    out.write("\n]}\n")
    if out is not sys.stdout:
        out.close()
    print(f"{n} objects, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
