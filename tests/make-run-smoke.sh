#!/usr/bin/env bash
# `make run` on a fresh copy of the tree (no data/, no keys, no database)
# builds, migrates, seeds and serves: /health/ready answers 200.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$work")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Reuse the repository's build cache; the copy is otherwise untouched.
export CARGO_TARGET_DIR="$repo/target"
# A session of its own, so that cleanup stops make and the server together.
HSP_BIND="127.0.0.1:$port" setsid bash -c 'cd "$1" && exec make run' _ "$work" >"$work/run.log" 2>&1 &
pid=$!

for _ in $(seq 1 300); do
  if status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready") && [ "$status" = 200 ]; then
    [ -f "$work/data/platform.sqlite3" ] || { echo "FAIL: no SQLite file under data/"; exit 1; }
    ls "$work"/data/keys/*.pem >/dev/null || { echo "FAIL: no signing key generated"; exit 1; }
    grep -q "make admin" "$work/run.log" || { echo "FAIL: make run does not say how to get an admin credential"; exit 1; }
    regions=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/regions")
    [ "$regions" = 401 ] || { echo "FAIL: /api/v1/regions without a token answered $regions"; exit 1; }
    echo "make run smoke: 1 passed, 0 failed"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: make run exited"; tail -40 "$work/run.log"; exit 1
  fi
  sleep 1
done
echo "FAIL: /health/ready did not answer 200 within 300 s"; tail -40 "$work/run.log"; exit 1
