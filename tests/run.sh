#!/usr/bin/env bash
# Every test of the solution. The bus's integration tests start their own Mosquitto brokers and run
# mosquitto_rr, the simulator's HTML report is opened in headless Chromium, and the voice front end
# needs PocketSphinx with its English model, espeak-ng, sox and (to provision the Silero VAD model
# from npm) npm, and serve is called by a Python gRPC client and its unit checked by
# systemd-analyze, so this installs the Debian packages that are missing, then the VAD model.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_rr >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/lib/x86_64-linux-gnu/libpocketsphinx.so.3 ] || [ -e /usr/lib/aarch64-linux-gnu/libpocketsphinx.so.3 ] || missing+=(libpocketsphinx3 libsphinxbase3)
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng libespeak-ng1)
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# serve's local API is also tested with a client that is not ours: Debian's python3-grpcio.
/usr/bin/python3 -c "import grpc, grpc_tools" >/dev/null 2>&1 || missing+=(python3-grpcio python3-grpc-tools)
# ... and its systemd unit is checked by systemd-analyze.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
Vehicle.Voice/provision-vad.sh
# One test project at a time (-m:1): on a 2-core machine the command channel's real deadlines and
# the simulator's replays should not compete with another project's tests for the CPU.
# A test that hangs fails the run after 5 minutes, named in the log, instead of stalling CI.
exec dotnet test Vehicle.sln -c Release -m:1 --blame-hang-timeout 5m --blame-hang-dump-type none "$@"
