#!/usr/bin/env bash
# Runs the whole test suite, on SQLite and on PostgreSQL.
#
# PostgreSQL: with SCALELITE_TEST_POSTGRES_URL set (a URL to a maintenance database of a server where the user
# may CREATE DATABASE), that server is used. Otherwise a throwaway cluster is started in a temporary folder
# (initdb, pg_ctl; as root they run as the `postgres` user) and removed afterwards. If PostgreSQL cannot be
# started the suite fails: it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/postgres.sh
source tests/s3.sh

if [ -z "${SCALELITE_TEST_POSTGRES_URL:-}" ]; then
  start_throwaway_postgres
fi

# Debian's redis-server: Ruby Scalelite's Redis for the import tests (tests/import_ruby.rs).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "tests/run.sh: installing redis-server (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
fi

# Debian's Chromium and its WebDriver: the dashboard in a real headless browser (tests/dashboard.rs).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "tests/run.sh: installing chromium and chromium-driver (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

# From PyPI: the BBB client library the suite drives Scalelite with (tests/client_library.rs), the Prometheus
# text-format parser (tests/metrics.rs), an OpenAPI 3 validator (tests/admin_more.rs) and moto's S3-compatible
# server (the recordings suite with S3 storage, tests/s3_storage.rs) and Selenium (tests/dashboard.rs).
if ! python3 -c 'import bigbluebutton_api_python, jxmlease, prometheus_client, openapi_spec_validator, moto.server, selenium' 2>/dev/null; then
  echo "tests/run.sh: installing the BBB client library from PyPI (tests/client/requirements.txt)"
  python3 -m pip install -q -r tests/client/requirements.txt
fi

start_s3

# The fake BBB server as a process of its own (tests/memory.rs, tests/logging.rs, …): see fake_bbb::binary.
cargo build --locked -p fake-bbb
cargo test --locked --workspace "$@"

# The recordings suite again with the recordings in a bucket of the S3 server (tests/common/files.rs); with
# arguments (one test binary, say), only when asked: SCALELITE_TEST_STORAGE=s3 bash tests/run.sh --test import.
if [ $# -eq 0 ] || [ "$*" = "--no-fail-fast" ]; then
  echo "tests/run.sh: the recordings suite with S3 storage"
  SCALELITE_TEST_STORAGE=s3 cargo test --locked "$@" \
    --test import --test recordings --test playback --test text_tracks --test upload --test retention
fi
