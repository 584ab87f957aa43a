#!/usr/bin/env bash
# Waits until `serve` on Unix socket SOCKET answers gRPC health "readiness" with SERVING (curl,
# HTTP/2 without TLS); exit 0 when it does, 1 after TRIES half-second tries (default 240).
# Usage: perf/serve-ready.sh SOCKET [TRIES]
socket=$1
tries=${2:-240}
# A gRPC frame: no compression, length 11, HealthCheckRequest{service: "readiness"}.
health=$(printf '\x00\x00\x00\x00\x0b\x0a\x09readiness' | base64)
for _ in $(seq 1 "$tries"); do
  # The answer frame ends with HealthCheckResponse{status: SERVING (1)}: 08 01.
  if [ -S "$socket" ] && echo "$health" | base64 -d | curl -s --http2-prior-knowledge --unix-socket "$socket" -X POST \
      -H "content-type: application/grpc" -H "te: trailers" --data-binary @- http://localhost/grpc.health.v1.Health/Check 2>/dev/null \
      | od -An -tx1 | tr -d ' \n' | grep -q '0000000002080[1]$'; then
    exit 0
  fi
  sleep 0.5
done
exit 1
