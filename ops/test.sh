#!/usr/bin/env bash
# Runs every test: installs what they need, builds, runs the test projects against private PostgreSQL
# instances, checks docker-compose.yml, and ends with one line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ops/prerequisites.sh --tests || exit 1

# The server's zone unlike the store's (Asia/Shanghai): a time shown in the server's zone fails the browser tests.
export TZ=Etc/UTC
results=$(mktemp -d)
dotnet build Matrix.sln -c Release -nologo -clp:ErrorsOnly || exit 1
dotnet test Matrix.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}

docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml: valid" || status=1

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  p=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9); f=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | tr -dc 0-9)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
[ "$passed" -gt 0 ] || status=1
echo "tests: $passed passed, $failed failed"
exit $status
