#!/usr/bin/env bash
# Load benchmark of the TAXII server (issue 3) on SQLite and on PostgreSQL.
#
# Builds the release `accord` and `accord-load`, then runs accord-load once per backend: it
# starts the real server on a fresh database (a temporary SQLite file, or a database
# `accord_bench_<random>` created on $ACCORD_TEST_PG_URL and dropped afterwards), drives it
# over loopback and stops it. Results: target/load-<backend>.json (summary),
# target/load-<backend>.txt (the printed lines), target/load-<backend>-server.log (server stderr).
#
#   bash scripts/load_bench.sh                      # 1,000,000 objects, both backends
#   OBJECTS=20000 SCENARIO_SECONDS=3 bash scripts/load_bench.sh   # a quick run
#   BACKENDS=postgres bash scripts/load_bench.sh --load-clients 4  # extra args go to accord-load
set -euo pipefail
cd "$(dirname "$0")/.."

objects=${OBJECTS:-1000000}
scenario_seconds=${SCENARIO_SECONDS:-10}
backends=${BACKENDS:-sqlite postgres}

cargo build --release -p hub -p accord-bench
echo "tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- hub migrations || echo ' + uncommitted changes in hub/ or migrations/')"

for backend in $backends; do
    echo "== $backend: $objects objects in the paged collection ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg), $(df -h --output=avail /work | tail -1 | tr -d ' ') free)"
    target/release/accord-load \
        --accord target/release/accord \
        --backend "$backend" \
        --objects "$objects" \
        --seconds "$scenario_seconds" \
        --json "target/load-$backend.json" \
        --server-log "target/load-$backend-server.log" \
        "$@" | tee "target/load-$backend.txt"
done
