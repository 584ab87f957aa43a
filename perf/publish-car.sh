#!/usr/bin/env bash
# Publishes the runtime CLI as a car gets it on x64 (Native AOT, self-contained) into OUT; installs
# clang and zlib1g-dev first when missing (Native AOT links with them; as root, or with sudo).
# Usage: perf/publish-car.sh OUT [extra dotnet publish arguments]   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
shift
if ! command -v clang >/dev/null 2>&1 || [ ! -e /usr/include/zlib.h ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing clang zlib1g-dev (Native AOT links with them)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet publish Vehicle.Runtime/Cli -c Release -r linux-x64 --self-contained -o "$out" -v q -nologo "$@" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
