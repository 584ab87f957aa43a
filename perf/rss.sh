#!/usr/bin/env bash
# Peak RSS and wall time of `ask --batch` over 1,000 lines (the held-out corpora, repeated).
# Usage: perf/rss.sh   (from the repository root; builds the runtime CLI in Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
cat tests/Vehicle.Runtime.Tests/Data/heldout.jsonl tests/Vehicle.Runtime.Tests/Data/test.jsonl \
  | sed -E 's/^\{"text": "(([^"\\]|\\.)*)".*/\1/' > "$lines.one"
for _ in $(seq 1 5); do cat "$lines.one"; done > "$lines.all"
head -n 1000 "$lines.all" > "$lines"
rm -f "$lines.one" "$lines.all"
echo "lines: $(wc -l < "$lines")"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll ask --batch < "$lines" 2>&1 >/dev/null \
  | grep -E "peak RSS|ready"
