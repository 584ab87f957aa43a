#!/usr/bin/env bash
# Process start to the first answer of `ask "lock the doors"` (and to exit), warm caches, RUNS runs
# each, fp32 and int8 side by side: the Release build as `dotnet` starts it (JIT), the ReadyToRun
# publish (-p:PublishAot=false: what perf/arm64.sh publishes) and the Native AOT publish a car gets.
# Usage: perf/first-answer.sh [RUNS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
perf/publish-car.sh "$work/aot"
perf/publish-car.sh "$work/r2r" -p:PublishAot=false

first() {
  local start end line
  start=$(date +%s%N)
  "$@" ask "lock the doors" 2>/dev/null | { read -r line; end=$(date +%s%N); printf ' first answer %5d ms' $(( (end - start) / 1000000 )); cat >/dev/null; }
  end=$(date +%s%N)
  printf ', exit %5d ms\n' $(( (end - start) / 1000000 ))
}

jit=(dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll)
for precision in Fp32 Int8; do
  export Nlu__Precision=$precision
  first "${jit[@]}" >/dev/null # warm the caches (model, head)
  for _ in $(seq "$runs"); do
    printf '%s JIT         ' "$precision"; first "${jit[@]}"
    printf '%s ReadyToRun  ' "$precision"; first "$work/r2r/Vehicle.Runtime.Cli"
    printf '%s Native AOT  ' "$precision"; first "$work/aot/Vehicle.Runtime.Cli"
  done
done
