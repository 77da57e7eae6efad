#!/usr/bin/env bash
# Fan-out load benchmark (issue 4) on SQLite and on PostgreSQL, with the real `accord` binary.
#
# For each backend, two accord-load runs, each on hubs set up with `accord init --mission`
# (fresh databases, dropped afterwards):
#   fanout-paging  a collection of $OBJECTS objects; partner NARROW may see 1 % of them, WIDE
#                  all; both walk it with `next` (objects/s, pages/s, NARROW / WIDE).
#   fanout-ingest  $INGEST_OBJECTS objects posted by $INGEST_CLIENTS clients in envelopes of
#                  $ENVELOPE to a hub with 1 partner and one with $PARTNERS, under a realistic
#                  label mix and under TLP:GREEN to half of the partners (ratio to 1 partner).
# Results: target/fanout-<scenario>-<backend>.{json,txt}; server logs beside them.
#
#   bash scripts/fanout_bench.sh                     # paging 1,000,000 objects, ingest 200,000
#   OBJECTS=20000 INGEST_OBJECTS=20000 bash scripts/fanout_bench.sh   # a quick run
#   BACKENDS=postgres SCENARIOS=fanout-ingest bash scripts/fanout_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

objects=${OBJECTS:-1000000}
# 200,000 per hub: at 50 partners and TLP:GREEN to 25 the hub ingests under 2,000 objects/s on
# this machine, so 1,000,000 would take over 8 minutes per hub, four hubs per backend.
ingest_objects=${INGEST_OBJECTS:-200000}
ingest_clients=${INGEST_CLIENTS:-4}
envelope=${ENVELOPE:-500}
partners=${PARTNERS:-50}
backends=${BACKENDS:-sqlite postgres}
scenarios=${SCENARIOS:-fanout-paging fanout-ingest}

cargo build --release -p hub -p accord-bench
echo "tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- hub migrations || echo ' + uncommitted changes in hub/ or migrations/')"

for backend in $backends; do
    for scenario in $scenarios; do
        echo "== $scenario on $backend ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg), $(df -h --output=avail /work | tail -1 | tr -d ' ') free)"
        target/release/accord-load \
            --accord target/release/accord \
            --scenario "$scenario" \
            --backend "$backend" \
            --objects "$objects" \
            --ingest-objects "$ingest_objects" \
            --ingest-clients "$ingest_clients" \
            --envelope "$envelope" \
            --partners "$partners" \
            --max-minutes 90 \
            --json "target/$scenario-$backend.json" \
            --server-log "target/$scenario-$backend-server.log" \
            "$@" | tee "target/$scenario-$backend.txt"
    done
done
