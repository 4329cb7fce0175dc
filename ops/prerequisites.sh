#!/usr/bin/env bash
# Installs what Matrix needs on a fresh Debian machine (as root), and nothing that is already there.
#   ops/prerequisites.sh            PostgreSQL's binaries (for the embedded database)
#   ops/prerequisites.sh --tests    also docker-compose (to check docker-compose.yml), and Chromium with CJK fonts
#                                   for the browser tests (Playwright drives Debian's chromium; it downloads nothing)
set -euo pipefail
packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
if [ "${1:-}" = "--tests" ]; then
  command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || packages+=(fonts-noto-cjk)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
# The Debian package starts a cluster of its own; Matrix runs its own private one and does not need it.
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet not on PATH)." >&2; exit 1; }
