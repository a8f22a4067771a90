#!/usr/bin/env bash
# Set up a fresh Debian machine (Python 3.11) for Attention Lab, from the repository root:
#   - Debian's chromium (the browser tests drive it through Playwright; never `playwright install`)
#   - Debian's nodejs (node's test runner checks the components' scripts: tests/js)
#   - a virtual environment .venv with requirements.txt
# Idempotent, and quick when everything is already there (no apt, no pip).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium (for the browser tests)"
  apt_install chromium fonts-liberation fonts-dejavu-core
fi

if ! command -v node >/dev/null 2>&1; then
  echo "setup: installing Debian's nodejs (for the components' script tests)"
  apt_install nodejs
fi

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    echo "setup: installing python3-venv"
    apt_install python3-venv
  fi
  echo "setup: creating .venv with $PYTHON ($("$PYTHON" -V 2>&1))"
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi

# Install only when an exact pin in requirements.txt is not what .venv has (fast check).
if ! .venv/bin/python - requirements.txt <<'EOF'
import re, sys
from importlib.metadata import PackageNotFoundError, version
bad = []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
    if m:
        name, want = m.groups()
        try:
            have = version(name).split("+")[0]  # torch reports 2.13.0+cpu
        except PackageNotFoundError:
            have = None
        if have != want:
            bad.append(f"{name} {have or 'missing'} (want {want})")
if bad:
    print("setup: to install:", ", ".join(bad))
    sys.exit(1)
EOF
then
  echo "setup: installing requirements.txt into .venv"
  .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip --upgrade
  .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off -r requirements.txt
fi
echo "setup: ready"
