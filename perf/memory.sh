#!/usr/bin/env bash
# Where the memory of `ask --batch` goes after 1,000 lines (the held-out corpora, repeated): peak
# and current RSS, anonymous vs file-backed, the largest mappings, and the managed heap by
# generation (dotnet-counters). The process is kept alive (its input stays open) while it is read.
# Usage: [Nlu__Precision=Int8|Fp32] perf/memory.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
counters="$HOME/.dotnet/tools/dotnet-counters"
[ -x "$counters" ] || dotnet tool install -g dotnet-counters >/dev/null
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$work"' EXIT
cat tests/Vehicle.Runtime.Tests/Data/heldout.jsonl tests/Vehicle.Runtime.Tests/Data/test.jsonl \
  | sed -E 's/^\{"text": "(([^"\\]|\\.)*)".*/\1/' > "$work/one"
for _ in 1 2 3 4 5; do cat "$work/one"; done > "$work/all"
head -n 1000 "$work/all" > "$work/lines"
mkfifo "$work/in"
# An empty state of its own (profile, outbox): the user's profile history would grow with every run.
XDG_STATE_HOME="$work" Profile__Path="$work/profile.db" \
  dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll ask --batch < "$work/in" > "$work/out" 2>/dev/null &
pid=$!
exec 3>"$work/in"
cat "$work/lines" >&3
while [ "$(wc -l < "$work/out")" -lt 1000 ]; do sleep 0.5; done
sleep 1
echo "precision: ${Nlu__Precision:-default}; after 1,000 lines:"
grep -E "VmHWM|VmRSS|RssAnon|RssFile" "/proc/$pid/status"
echo "largest mappings (RSS):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; if(name=="")name="[anonymous: GC heap, native allocations]"} /^Rss:/{rss[name]+=$2} END{for(n in rss) if(rss[n]>2000) printf "  %8d KiB %s\n", rss[n], n}' "/proc/$pid/smaps" | sort -rn | head -12
"$counters" collect -p "$pid" --duration 00:00:03 --format csv -o "$work/counters.csv" >/dev/null 2>&1 || true
echo "managed heap (last GC):"
grep -E "last_collection\.(heap\.size|memory\.committed_size)" "$work/counters.csv" | awk -F, '{split($3,a,"\\[");g=a[2];sub(/\]/,"",g); v[$3]=$5} END{for(k in v) printf "  %-80s %6.1f MB\n", k, v[k]/1e6}' | sort
exec 3>&-
wait "$pid"
