# Sourced by tests/run.sh and benches/run.sh: start_throwaway_postgres starts a PostgreSQL cluster in a
# temporary folder (as the `postgres` user when root), exports SCALELITE_TEST_POSTGRES_URL, and stops and
# removes the cluster when the shell exits. It fails, never skips, when PostgreSQL cannot start.

find_pg_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "'$name' not found; install PostgreSQL (apt-get install postgresql) or set SCALELITE_TEST_POSTGRES_URL" >&2
  return 1
}

start_throwaway_postgres() {
  local initdb pg_ctl port
  initdb=$(find_pg_bin initdb) || exit 1
  pg_ctl=$(find_pg_bin pg_ctl) || exit 1
  PG_DIR=$(mktemp -d /tmp/scalelite-test-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  AS_PG=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    AS_PG=(runuser -u postgres --)
  fi
  PG_CTL=$pg_ctl
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)
  trap stop_throwaway_postgres EXIT
  "${AS_PG[@]}" "$initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; echo "initdb failed" >&2; exit 1; }
  "${AS_PG[@]}" "$pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; echo "PostgreSQL did not start" >&2; exit 1; }
  export SCALELITE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL on 127.0.0.1:$port"
}

stop_throwaway_postgres() {
  "${AS_PG[@]}" "$PG_CTL" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
