# Sourced by tests/run.sh: start_s3 starts moto's S3-compatible server (PyPI: moto[server], from
# tests/client/requirements.txt) on a free loopback port, exports SCALELITE_TEST_S3_ENDPOINT, and stops it when the
# shell exits. It fails, never skips, when the server cannot start.

start_s3() {
  local port previous
  if [ -n "${SCALELITE_TEST_S3_ENDPOINT:-}" ]; then
    return
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  S3_LOG=$(mktemp /tmp/scalelite-test-s3.XXXXXX.log)
  python3 -m moto.server -H 127.0.0.1 -p "$port" >"$S3_LOG" 2>&1 &
  S3_PID=$!
  previous=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  # shellcheck disable=SC2064
  trap "stop_s3; ${previous}" EXIT
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null; then
      export SCALELITE_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
      echo "S3 server (moto) on 127.0.0.1:$port"
      return
    fi
    if ! kill -0 "$S3_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  cat "$S3_LOG" >&2
  echo "the S3 server (moto) did not start" >&2
  exit 1
}

stop_s3() {
  kill "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  rm -f "$S3_LOG"
}
