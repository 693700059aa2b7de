#!/usr/bin/env bash
# The project's front door. `./run.sh demo` runs the product's demo on simulated
# devices; `./run.sh test` runs the test suite. Each prepares what it needs first:
# the Debian packages Qt and the CJK fonts need (installed when run as root, named
# otherwise), a virtualenv in .venv, and the Python packages.
set -euo pipefail
cd "$(dirname "$0")"

VENV=${KIOSK_VENV:-.venv}
# Shared libraries the PySide6 wheels load (xcb for a real display, EGL/GL for Qt
# Quick's software path, fontconfig + Noto CJK so Chinese text is not tofu), Xvfb
# for screenshots, venv for Debian's python3; postgresql (the hq tests start a real
# server) and openssl (the TLS test makes a store CA).
DEB_PACKAGES=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
              libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
              libxcb-xinerama0 libxcb-randr0 libxcb-image0 libxcb-render-util0
              fonts-noto-cjk xvfb postgresql openssl)

python_bin() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "error: Python 3.11 or newer is needed (apt-get install python3)" >&2
    return 1
}

system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0   # not Debian: trust the host
    local missing=()
    for pkg in "${DEB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=("python3-venv")
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "==> installing Debian packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "warning: missing Debian packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
    fi
}

python_packages() {
    local extras=$1
    local stamp="$VENV/.installed-$extras"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "==> creating virtualenv $VENV"
        "$PY" -m venv "$VENV"
    fi
    # Reinstall only when pyproject.toml changed since the last install.
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "==> installing Python packages (.[$extras])"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e ".[$extras]"
        touch "$stamp"
    fi
}

# The demo kiosk syncs to headquarters on 127.0.0.1:8600 (its default [sync] url).
# Start the reference service there unless one already answers; stop it on exit.
start_demo_headquarters() {
    local health=http://127.0.0.1:8600/v1/health
    if "$VENV/bin/python" -c "import urllib.request as u; u.urlopen('$health', timeout=1)" 2>/dev/null; then
        echo "==> headquarters already running at 127.0.0.1:8600"
        return 0
    fi
    mkdir -p var
    "$VENV/bin/hq" --data var/hq-demo serve --demo > var/hq-demo.log 2>&1 &
    HQ_PID=$!
    trap 'rc=$?; kill $HQ_PID 2>/dev/null; wait $HQ_PID 2>/dev/null || true; exit $rc' EXIT
    for _ in $(seq 50); do
        "$VENV/bin/python" -c "import urllib.request as u; u.urlopen('$health', timeout=1)" 2>/dev/null && {
            echo "==> headquarters (hq serve --demo) at http://127.0.0.1:8600, log var/hq-demo.log"
            echo "==> review the kiosk's hard cases at http://127.0.0.1:8600/review (token: demo-review-token)"
            return 0; }
        kill -0 $HQ_PID 2>/dev/null || break
        sleep 0.2
    done
    echo "warning: headquarters did not start (see var/hq-demo.log); the demo keeps its sales until it can sync" >&2
}

PY=$(python_bin)
case "${1:-}" in
    demo)
        shift
        system_packages
        python_packages demo
        start_demo_headquarters
        "$VENV/bin/kiosk" demo "$@"
        ;;
    test)
        shift
        system_packages
        python_packages test
        export QT_QPA_PLATFORM=offscreen
        "$VENV/bin/ruff" check kiosk hardware hq tests
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    *)
        echo "usage: ./run.sh demo | test [pytest args]" >&2
        exit 2
        ;;
esac
