#!/usr/bin/env bash
# Runs the whole test suite, on SQLite and on PostgreSQL.
#
# PostgreSQL: with SCALELITE_TEST_POSTGRES_URL set (a URL to a maintenance database of a server where the user
# may CREATE DATABASE), that server is used. Otherwise a throwaway cluster is started in a temporary folder
# (initdb, pg_ctl; as root they run as the `postgres` user) and removed afterwards. If PostgreSQL cannot be
# started the suite fails: it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "tests/run.sh: '$name' not found; install PostgreSQL (apt-get install postgresql) or set SCALELITE_TEST_POSTGRES_URL" >&2
  exit 1
}

if [ -z "${SCALELITE_TEST_POSTGRES_URL:-}" ]; then
  initdb=$(find_pg_bin initdb)
  pg_ctl=$(find_pg_bin pg_ctl)
  pg_dir=$(mktemp -d /tmp/scalelite-test-pg.XXXXXX)
  chmod 755 "$pg_dir"
  as_pg=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_dir"
    as_pg=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)
  stop_pg() {
    "${as_pg[@]}" "$pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  }
  trap stop_pg EXIT
  "${as_pg[@]}" "$initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; echo "tests/run.sh: initdb failed" >&2; exit 1; }
  "${as_pg[@]}" "$pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null \
    || { cat "$pg_dir/server.log" >&2; echo "tests/run.sh: PostgreSQL did not start" >&2; exit 1; }
  export SCALELITE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "tests/run.sh: throwaway PostgreSQL on 127.0.0.1:$port"
fi

# The BBB client library the suite drives Scalelite with (tests/client_library.rs), from PyPI.
if ! python3 -c 'import bigbluebutton_api_python, jxmlease' 2>/dev/null; then
  echo "tests/run.sh: installing the BBB client library from PyPI (tests/client/requirements.txt)"
  python3 -m pip install -q -r tests/client/requirements.txt
fi

cargo test --locked "$@"
