#!/usr/bin/env bash
# Every test of the solution. The bus's integration tests start their own Mosquitto brokers and run
# mosquitto_rr, and the simulator's HTML report is opened in headless Chromium, so this installs
# Debian's mosquitto, mosquitto-clients and chromium first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_rr >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# One test project at a time (-m:1): on a 2-core machine the command channel's real deadlines and
# the simulator's replays should not compete with another project's tests for the CPU.
exec dotnet test Vehicle.sln -c Release -m:1 "$@"
