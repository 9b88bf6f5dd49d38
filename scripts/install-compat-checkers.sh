#!/usr/bin/env bash
# Installs what the compatibility checks of the node tool need (test/install/nodeSetupCompat.test.ts): shellcheck from
# Debian, and vermin from PyPI in a venv under .venv-compat/. Idempotent: what is there already is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "shellcheck is missing: apt-get install shellcheck (needs root)" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi

readonly VERMIN_VERSION=1.6.0
if ! .venv-compat/bin/vermin --version 2>/dev/null | grep -qx "$VERMIN_VERSION"; then
  python3 -m venv .venv-compat
  .venv-compat/bin/pip install -q --disable-pip-version-check "vermin==$VERMIN_VERSION"
fi
