#!/usr/bin/env bash
# Runs the benchmarks (benches/pool.rs) on SQLite and PostgreSQL: installs wrk if needed, starts a throwaway
# PostgreSQL unless SCALELITE_TEST_POSTGRES_URL is set, then `cargo bench --bench pool [SCENARIO…]`
# (scenarios: join create burst getmeetings memory; all by default).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/postgres.sh
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
if [ -z "${SCALELITE_TEST_POSTGRES_URL:-}" ]; then
  start_throwaway_postgres
fi
cargo bench --locked --bench pool -- "$@"
