#!/usr/bin/env bash
# The API during a flood of dashboard sign-ins: `getRecordings` with `wrk -c4` alone, then while `wrk -c64` posts
# sign-ins with wrong passwords (benches/sign-in-flood.lua), three rounds each on one release Scalelite (SQLite);
# prints the medians and the ratio flood/alone. Run by `bash benches/run.sh sign-in`; BIN=path to time another
# build of scalelite.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/scalelite}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export DATABASE_URL="sqlite://$dir/db.sqlite3" LOADBALANCER_SECRET=benchsecret BIND="127.0.0.1:$port" RUST_LOG=error
export RECORDING_SPOOL_DIR=$dir/spool RECORDING_WORK_DIR=$dir/work RECORDING_PUBLISH_DIR=$dir/published
export RECORDING_UNPUBLISH_DIR=$dir/unpublished
echo 'a long enough password' | "$bin" dashboard-user add ops --role operator >/dev/null
"$bin" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health_check" >/dev/null 2>&1 && break; sleep 0.1; done
query="meetingID=x"
checksum=$(printf 'getRecordings%s%s' "$query" "$LOADBALANCER_SECRET" | sha1sum | cut -d' ' -f1)
api="http://127.0.0.1:$port/bigbluebutton/api/getRecordings?$query&checksum=$checksum"
curl -sf "$api" | grep -q SUCCESS

# One wrk run on the API: "requests/s p99_ms".
measure() {
  wrk -t1 -c4 -d8s --latency --timeout 10s "$api" | awk '
    / 99%/ { v = $2; if (v ~ /us$/) p = v / 1000; else if (v ~ /ms$/) p = v + 0; else p = v * 1000 }
    /Requests\/sec/ { r = $2 }
    END { printf "%.0f %.2f\n", r, p }'
}
alone=() flood=() signins=()
for round in 1 2 3; do
  alone+=("$(measure)")
  wrk -t1 -c64 -d12s -s benches/sign-in-flood.lua "http://127.0.0.1:$port" >"$dir/flood" &
  sleep 2
  flood+=("$(measure)")
  wait $!
  sleep 3 # the sign-ins still queued when wrk stopped
  signins+=("$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$dir/flood")")
  echo "round $round: alone ${alone[-1]}, during the flood ${flood[-1]} (requests/s p99 ms), sign-ins/s ${signins[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
a_rps=$(median $(printf '%s\n' "${alone[@]}" | cut -d' ' -f1)); a_p99=$(median $(printf '%s\n' "${alone[@]}" | cut -d' ' -f2))
f_rps=$(median $(printf '%s\n' "${flood[@]}" | cut -d' ' -f1)); f_p99=$(median $(printf '%s\n' "${flood[@]}" | cut -d' ' -f2))
echo "getRecordings alone:             median $a_rps requests/s, p99 $a_p99 ms"
echo "getRecordings during the flood:  median $f_rps requests/s, p99 $f_p99 ms (ratio $(awk "BEGIN { printf \"%.2f\", $f_rps / $a_rps }"))"
echo "sign-ins checked:                median $(median "${signins[@]}")/s"
