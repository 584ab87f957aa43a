#!/usr/bin/env bash
# Process start to the first answer of `ask "lock the doors"` (and to exit), warm caches, RUNS
# runs each, fp32 and int8 side by side: the Release build as `dotnet run` starts it (JIT), and
# the publish a car gets (`dotnet publish -r linux-x64 --self-contained`: ReadyToRun).
# Usage: perf/first-answer.sh [RUNS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
published=$(mktemp -d)
trap 'rm -rf "$published"' EXIT
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
dotnet publish Vehicle.Runtime/Cli -c Release -r linux-x64 --self-contained -o "$published" -v q -nologo >/dev/null

first() {
  local start end line
  start=$(date +%s%N)
  "$@" ask "lock the doors" 2>/dev/null | { read -r line; end=$(date +%s%N); printf ' first answer %5d ms' $(( (end - start) / 1000000 )); cat >/dev/null; }
  end=$(date +%s%N)
  printf ', exit %5d ms\n' $(( (end - start) / 1000000 ))
}

for precision in Fp32 Int8; do
  export Nlu__Precision=$precision
  first dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll >/dev/null # warm the caches (model, head)
  for _ in $(seq "$runs"); do printf '%s JIT        ' "$precision"; first dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll; done
  for _ in $(seq "$runs"); do printf '%s published  ' "$precision"; first "$published/Vehicle.Runtime.Cli"; done
done
