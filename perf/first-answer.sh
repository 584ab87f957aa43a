#!/usr/bin/env bash
# Process start to the first answer of `ask "lock the doors"` (and to exit), warm caches, RUNS
# runs each: the Release build as `dotnet run` starts it (JIT), and a ReadyToRun publish
# (framework-dependent, linux-x64) of the same code.
# Usage: [Nlu__Precision=Int8|Fp32] perf/first-answer.sh [RUNS]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
r2r=$(mktemp -d)
trap 'rm -rf "$r2r"' EXIT
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
dotnet publish Vehicle.Runtime/Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$r2r" -v q -nologo >/dev/null

first() {
  local start end line
  start=$(date +%s%N)
  "$@" ask "lock the doors" 2>/dev/null | { read -r line; end=$(date +%s%N); printf ' first answer %5d ms' $(( (end - start) / 1000000 )); cat >/dev/null; }
  end=$(date +%s%N)
  printf ', exit %5d ms\n' $(( (end - start) / 1000000 ))
}

first dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll >/dev/null # warm the caches (model, head)
for _ in $(seq "$runs"); do printf 'JIT        '; first dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll; done
for _ in $(seq "$runs"); do printf 'ReadyToRun '; first "$r2r/Vehicle.Runtime.Cli"; done
