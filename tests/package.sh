#!/usr/bin/env bash
# The service as an operator installs it: builds the Debian package with cargo-deb (installed from crates.io if
# missing), checks the systemd unit with `systemd-analyze verify`, installs the package, and checks what it set up:
# the system user, the settings' permissions, and Scalelite serving as that user from its state folder with the
# packaged settings, then stopping cleanly on SIGTERM. Run as root (CI is); the package is purged afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "tests/package.sh: installing cargo-deb from crates.io"
  cargo install --locked cargo-deb
fi
cargo deb --locked
deb=$(ls -t target/debian/scalelite_*.deb | head -1)

fail() { echo "tests/package.sh: $*" >&2; exit 1; }
trap 'dpkg --purge scalelite >/dev/null 2>&1 || true' EXIT

dpkg -i "$deb"
systemd-analyze verify /usr/lib/systemd/system/scalelite.service || fail "systemd-analyze verify refused the unit"
id scalelite >/dev/null || fail "no system user scalelite"
[ "$(stat -c '%U:%G %a' /var/lib/scalelite)" = "scalelite:scalelite 750" ] || fail "state folder: $(stat -c '%U:%G %a' /var/lib/scalelite)"
[ "$(stat -c '%G %a' /etc/scalelite/scalelite.toml)" = "scalelite 640" ] || fail "settings: $(stat -c '%G %a' /etc/scalelite/scalelite.toml)"
ldd /usr/bin/scalelite | grep -q libpq && fail "the binary links a system libpq"
for key in NoNewPrivileges=yes ProtectSystem=strict User=scalelite Restart=on-failure KillSignal=SIGTERM; do
  grep -qx "$key" /usr/lib/systemd/system/scalelite.service || fail "the unit lacks $key"
done

# Serve as the unit would (its user, folder and settings), answer the health check, stop on SIGTERM.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
(cd /var/lib/scalelite && exec setpriv --reuid=scalelite --regid=scalelite --init-groups env SCALELITE_CONFIG=/etc/scalelite/scalelite.toml \
  BIND="127.0.0.1:$port" LOADBALANCER_SECRET=package-test /usr/bin/scalelite serve) >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if curl -fs "http://127.0.0.1:$port/health_check" | grep -q success; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "scalelite stopped"; }
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/health_check" | grep -q success || { cat "$log"; fail "no health check answer"; }
[ -f /var/lib/scalelite/scalelite.sqlite3 ] || fail "no database in /var/lib/scalelite"
kill -TERM "$pid"
wait "$pid" || { cat "$log"; fail "scalelite did not stop cleanly on SIGTERM"; }
echo "tests/package.sh: $(basename "$deb") installs, verifies, serves and stops cleanly"
