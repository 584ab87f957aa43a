#!/usr/bin/env bash
# The car's x64 publish (Native AOT, perf/publish-car.sh), proved: `ask --batch` over LINES lines
# (a window command, a world question, then the held-out set) from the publish and from the JIT
# build give the same intents, slots and outcomes (the question answered by the embedded cloud),
# and `serve` from the publish reports readiness SERVING over its Unix socket (gRPC health), then
# stops on SIGTERM with exit 0. The trimming and AOT analyzers already fail the build on what a
# Native AOT binary could not do; this proves the binary itself.
# Usage: perf/aot.sh [LINES]   (default 50; from the repository root; installs curl and python3 when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "publishing linux-x64 (Native AOT)" >&2
start=$(date +%s)
perf/publish-car.sh "$work/publish"
echo "published in $(($(date +%s) - start)) s: $(du -sh "$work/publish" | cut -f1), the executable $(du -h "$work/publish/Vehicle.Runtime.Cli" | cut -f1)" >&2
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null

{
  printf '%s\n' "open my window halfway" "what is the capital of australia"
  head -n "$((lines - 2))" tests/Vehicle.Runtime.Tests/Data/heldout.jsonl | sed -E 's/^\{"text": "(([^"\\]|\\.)*)".*/\1/'
} > "$work/lines"
# What the runs compare is what the car does, not how fast: budgets no busy machine misses.
export Channel__CriticalBudget=00:00:10 Channel__InteractiveBudget=00:00:10
run() { # NAME PROGRAM...: ask --batch with a state of its own
  mkdir -p "$work/$1"
  XDG_STATE_HOME="$work/$1" Profile__Path="$work/$1/profile.db" "${@:2}" ask --batch < "$work/lines" > "$work/$1.jsonl" 2> "$work/$1.log" \
    || { cat "$work/$1.log" >&2; exit 1; }
}
run jit dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll
run aot "$work/publish/Vehicle.Runtime.Cli"
python3 - "$work/aot.jsonl" "$work/jit.jsonl" <<'PY'
import json, sys
aot = [json.loads(l) for l in open(sys.argv[1])]
jit = [json.loads(l) for l in open(sys.argv[2])]
assert len(aot) == len(jit), f"{len(aot)} answers from the AOT publish, {len(jit)} from the JIT build"
window, question = aot[0], aot[1]
assert (window["intent"], window["outcome"], window["slots"].get("percent")) == ("window.open", "executed", 50), window
assert question["outcome"] == "routed_cloud" and question["cloud"]["outcome"] == "answered", question
key = lambda r: (r["text"], r.get("intent"), r.get("slots"), r.get("outcome"), r.get("actuations"))
differ = [(a, j) for a, j in zip(aot, jit) if key(a) != key(j)]
assert not differ, f"{len(differ)} lines differ, the first: {differ[0]}"
print(f"ask --batch: {len(aot)} lines, intents, slots, outcomes and actuations identical to the JIT build; window executed; world question answered")
PY

socket=$work/serve/run/copilot.sock
mkdir -p "$work/serve"
XDG_STATE_HOME="$work/serve" Profile__Path="$work/serve/profile.db" Serve__Socket="$socket" Cloud__Mode=off \
  "$work/publish/Vehicle.Runtime.Cli" serve > "$work/serve.log" 2>&1 &
serve_pid=$!
serving=""
perf/serve-ready.sh "$socket" 120 && serving=yes
kill -TERM "$serve_pid" 2>/dev/null || true
wait "$serve_pid" && serve_rc=0 || serve_rc=$?
if [ -z "$serving" ] || [ "$serve_rc" -ne 0 ] || ! grep -q "Copilot stopped" "$work/serve.log"; then
  echo "serve from the AOT publish: ready=${serving:-no}, exit $serve_rc" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
echo "serve: readiness SERVING over unix:$socket, stopped cleanly by SIGTERM (exit 0)"
