#!/usr/bin/env bash
# Measures Accord's parse + validate + hash throughput and the OASIS validator's on the same
# typical indicators, in one run, and prints both and the ratio (BENCHMARKS.md records them).
# Needs .venv with stix2-validator==3.2.0 (bash .ci/run creates it).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-1000}
mkdir -p target
cargo run -q --release -p stix-model --example typical_indicators -- "$n" > target/typical-indicators.jsonl
cargo bench -q -p stix-model --bench throughput -- --noplot typical_indicator 2>&1 | tee target/bench-rust.txt
.venv/bin/python scripts/oasis_throughput.py target/typical-indicators.jsonl | tee target/bench-oasis.txt
# criterion prints `thrpt:  [low mid high]` with a unit such as Kelem/s or Melem/s.
python3 - <<'PY'
import re
rust = open("target/bench-rust.txt").read()
m = re.search(r"thrpt:\s*\[\S+ \S+ (\S+) (\S+) ", rust)
scale = {"elem/s": 1, "Kelem/s": 1e3, "Melem/s": 1e6, "Gelem/s": 1e9}
accord = float(m.group(1)) * scale[m.group(2)]
oasis = float(re.search(r"oasis_objects_per_second=(\S+)", open("target/bench-oasis.txt").read()).group(1))
print(f"accord_objects_per_second={accord:.0f}")
print(f"oasis_objects_per_second={oasis:.0f}")
print(f"ratio={accord / oasis:.0f}x")
PY
