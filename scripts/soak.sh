#!/usr/bin/env bash
# `make soak`: the New Observables trigger for 10 minutes against the simulator's live feed, with a
# dispatcher that fails 1% of posts and a ThreatStream that answers 2% of polls with 503. Not part of
# `make test`; see scripts/soak.py for what it measures and BENCHMARKS.md for the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin icon_anomali_threatstream -p anomali_threatstream
cargo build --release --quiet -p threatstream-simulator
exec python3 scripts/soak.py target/release/icon_anomali_threatstream target/release/threatstream-simulator
