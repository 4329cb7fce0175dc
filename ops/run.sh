#!/usr/bin/env bash
# Runs Matrix. With no ConnectionStrings__Matrix it starts its own PostgreSQL in /var/lib/matrix (as root)
# or ~/.local/share/matrix, migrates it and serves the console at http://localhost:5080 (override: --urls).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/prerequisites.sh
dotnet run --project src/Matrix.Web -c Release -- "$@"
