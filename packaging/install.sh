#!/usr/bin/env bash
# Installs the kiosk on a Debian-based terminal (run as root from a release checkout).
# Layout: code in /opt/kiosk, config in /etc/kiosk, data in /var/lib/kiosk.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
id kiosk >/dev/null 2>&1 || useradd --system --home /var/lib/kiosk --shell /usr/sbin/nologin kiosk
install -d -o kiosk -g kiosk -m 0750 /var/lib/kiosk
install -d -m 0755 /etc/kiosk /opt/kiosk
rsync -a --delete --exclude .venv --exclude var --exclude .git "$src/" /opt/kiosk/
[ -f /etc/kiosk/kiosk.toml ] || install -m 0644 "$src/packaging/kiosk.example.toml" /etc/kiosk/kiosk.toml
cd /opt/kiosk
KIOSK_VENV=/opt/kiosk/.venv ./run.sh test -q -x tests/test_layering.py   # sets up venv + system packages
/opt/kiosk/.venv/bin/kiosk --config /etc/kiosk/kiosk.toml config check /etc/kiosk/kiosk.toml
# The kiosk's own model warehouse: writable (releases headquarters rolls out install
# there), seeded with the releases this build ships; versions already there are kept.
install -d -o kiosk -g kiosk -m 0750 /var/lib/kiosk/models
runuser -u kiosk -- /opt/kiosk/.venv/bin/kiosk --config /etc/kiosk/kiosk.toml \
    models seed --repository /var/lib/kiosk/models
install -m 0644 "$src/packaging/kiosk.service" /etc/systemd/system/kiosk.service
systemctl daemon-reload
systemctl enable --now kiosk.service
echo "installed; logs: journalctl -u kiosk -f"
