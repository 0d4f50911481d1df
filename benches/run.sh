#!/usr/bin/env bash
# Runs the benchmarks on SQLite and PostgreSQL: installs wrk if needed, starts a throwaway PostgreSQL unless
# SCALELITE_TEST_POSTGRES_URL is set, then
#   bash benches/run.sh [SCENARIO…]          the meeting API (benches/pool.rs; scenarios: join create burst
#                                            getmeetings memory; all by default)
#   bash benches/run.sh placement            the placement simulation (benches/placement/: no network)
#   bash benches/run.sh classes              classes end to end: Scalelite + 4 fake BBB servers (benches/classes.rs)
#   bash benches/run.sh import-ruby         `scalelite import-ruby` of 100,000 recordings (benches/import_ruby.rs;
#                                            SCALELITE_BENCH_RECORDINGS=N for another size)
#   bash benches/run.sh recordings [sqlite|postgres]
#                                            the recordings index with 1,000,000 recordings (benches/recordings.rs;
#                                            SCALELITE_BENCH_RECORDINGS=N for another size)
#   bash benches/run.sh storage              the recordings' storage: local folders against an S3 bucket (moto)
#                                            (benches/storage.rs)
#   bash benches/run.sh sign-in              the API during a flood of dashboard sign-ins (benches/sign_in_flood.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/postgres.sh
source tests/s3.sh
if ! command -v wrk >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk redis-server
fi
if [ -z "${SCALELITE_TEST_POSTGRES_URL:-}" ]; then
  start_throwaway_postgres
fi
cargo build --release --locked -p fake-bbb
if [ "${1:-}" = classes ]; then
  cargo bench --locked --bench classes
elif [ "${1:-}" = import-ruby ]; then
  cargo bench --locked --bench import_ruby
elif [ "${1:-}" = placement ]; then
  cargo bench --locked --bench placement
elif [ "${1:-}" = storage ]; then
  python3 -c 'import moto.server' 2>/dev/null || python3 -m pip install -q -r tests/client/requirements.txt
  start_s3
  cargo bench --locked --bench storage
elif [ "${1:-}" = sign-in ]; then
  cargo build --release --locked --bin scalelite
  bash benches/sign_in_flood.sh
elif [ "${1:-}" = recordings ]; then
  shift
  cargo bench --locked --bench recordings -- "$@"
else
  cargo bench --locked --bench pool -- "$@"
fi
