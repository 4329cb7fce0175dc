#!/usr/bin/env bash
# Runs the benchmarks (a private PostgreSQL, the runtime against raw Npgsql loops on the same database) and
# writes docs/benchmarks.md. Arguments go to the bench program: --writes N --reminders N --scans N --followups N --demo N --list N --scale N --concurrency N --only scans,demo,list,scale.
# --scale builds chains of customers and serves them from a real Matrix process (the app's Release build); with
# --connection (a server of your own) --reuse serves the chains an earlier run built there, --paths /api/reports times
# only the pages and APIs under that path, and --campaigns adds the segment and campaign pass to such a partial run.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/prerequisites.sh
dotnet build ops/Matrix.Bench -c Release -nologo -clp:ErrorsOnly
dotnet build src/Matrix.Web -c Release -nologo -clp:ErrorsOnly
out=$(dotnet ops/Matrix.Bench/bin/Release/net10.0/Matrix.Bench.dll "$@")
# A partial run (--only) prints its rows and leaves docs/benchmarks.md, which holds a whole run, alone.
if [[ " $* " == *" --only "* ]]; then echo "$out"; exit 0; fi
pg=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
{
  echo "# Benchmarks"
  echo
  echo "Measured by \`ops/bench.sh\` on $(date -u +%Y-%m-%d). Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB memory, $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version),"
  echo "PostgreSQL $("$pg/postgres" --version | awk '{print $3}') (embedded, default durable settings) on the same machine as the benchmark."
  echo
  echo "## Results"
  echo
  echo "$out"
  echo
  cat docs/benchmarks-notes.md
} > docs/benchmarks.md
cat docs/benchmarks.md
