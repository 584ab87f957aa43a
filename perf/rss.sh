#!/usr/bin/env bash
# `ask --batch` over 1,000 lines (the held-out corpora, repeated): peak RSS, wall time and the
# understanding time per line (p50 / p99 of latency_ms), side by side in one run, RUNS runs each,
# alternating: fp32 and int8; the Release build as `dotnet` runs it (JIT) and the Native AOT publish
# a car gets; the default configuration (embedded broker and responder) and the car alone
# (Cloud:Mode=remote to a broker that is not there: no broker or responder in the process). Each run
# starts from an empty state (profile, outbox) so that no run reads another's history; the model
# cache is shared and warm.
# Usage: perf/rss.sh [RUNS]   (default 3; from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
perf/publish-car.sh "$work/aot"
cat tests/Vehicle.Runtime.Tests/Data/heldout.jsonl tests/Vehicle.Runtime.Tests/Data/test.jsonl \
  | sed -E 's/^\{"text": "(([^"\\]|\\.)*)".*/\1/' > "$work/one"
for _ in 1 2 3 4 5; do cat "$work/one"; done > "$work/all"
head -n 1000 "$work/all" > "$work/lines"
jit="dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll"
aot="$work/aot/Vehicle.Runtime.Cli"
Nlu__Precision=Fp32 $jit ask "warm the caches" >/dev/null 2>&1
Nlu__Precision=Int8 $jit ask "warm the caches" >/dev/null 2>&1

measure() { # LABEL PROGRAM... (environment already set)
  local state
  state=$(mktemp -d)
  XDG_STATE_HOME=$state Profile__Path=$state/profile.db /usr/bin/time -f "%M %e" -o "$state/time" "${@:2}" ask --batch < "$work/lines" > "$state/out" 2>/dev/null
  read -r kib wall < "$state/time"
  grep -o '"latency_ms":[0-9.]*' "$state/out" | cut -d: -f2 | sort -n > "$state/latency"
  local n p50 p99
  n=$(wc -l < "$state/latency")
  p50=$(sed -n "$(( (n + 1) / 2 ))p" "$state/latency")
  p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$state/latency")
  awk -v l="$1" -v k="$kib" -v w="$wall" -v a="$p50" -v b="$p99" -v n="$n" \
    'BEGIN { printf "%-26s peak RSS %6.1f MB  wall %5.2f s  understanding p50 %6.3f ms  p99 %6.3f ms  (%d lines)\n", l, k / 1024, w, a, b, n }'
  rm -rf "$state"
}

for _ in $(seq "$runs"); do
  for precision in Fp32 Int8; do
    for build in JIT AOT; do
      program=$jit
      [ "$build" = AOT ] && program=$aot
      # shellcheck disable=SC2086 # $program is a command line
      Nlu__Precision=$precision measure "$precision $build default" $program
      # shellcheck disable=SC2086
      Nlu__Precision=$precision Cloud__Mode=Remote Bus__Connection__Broker=mqtt://127.0.0.1:9 measure "$precision $build car alone" $program
    done
  done
done
