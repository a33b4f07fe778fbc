#!/usr/bin/env bash
# Crash safety on PostgreSQL: stream premium batches, kill -9 the server
# mid-stream, restart it, replay every batch whose response was not received
# (and a few that were): the database then holds every batch exactly once.
fault_name="crash safety"
batches=40
items=200
source "$(dirname "$0")/common.sh"

python3 - "$work" "$batches" "$items" <<'PY'
import json, sys
work, batches, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for b in range(batches):
    body = {"items": [{"policy_number": "FAULT-1", "received_at": f"2025-06-{1 + b % 28:02d}T10:{i % 60:02d}:00+08:00",
                       "amount_fen": 100 + b * items + i, "external_ref": f"crash-{b}-{i}"} for i in range(items)]}
    open(f"{work}/batch-{b}.json", "w").write(json.dumps(body))
PY

send() { # batch index -> writes the status code
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$api/insurance/premium-postings" \
    -H "Authorization: Bearer $insurer" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: crash-batch-$1" --data-binary "@$work/batch-$1.json" >"$work/status-$1" 2>/dev/null || true
}
( for b in $(seq 0 $((batches - 1))); do send "$b"; done ) &
streamer=$!
# Kill the server hard once ten responses are in, with more on the wire.
for _ in $(seq 1 600); do
  [ "$(grep -l '^201$' "$work"/status-* 2>/dev/null | wc -l)" -ge 10 ] && break
  sleep 0.05
done
kill -9 "$server_pid"
server_pid=""
wait "$streamer" || true
answered=$(grep -l '^201$' "$work"/status-* | wc -l)
[ "$answered" -ge 10 ] && [ "$answered" -lt "$batches" ] || fail "the kill did not land mid-stream ($answered of $batches answered)"

start_server
replayed=0
for b in $(seq 0 $((batches - 1))); do
  if [ "$(cat "$work/status-$b" 2>/dev/null)" != 201 ]; then send "$b"; replayed=$((replayed + 1)); fi
  [ "$(cat "$work/status-$b")" = 201 ] || fail "batch $b answered $(cat "$work/status-$b") after the restart"
done
# Batches answered before the crash replay as no-ops.
for b in 0 5 9; do send "$b"; [ "$(cat "$work/status-$b")" = 201 ] || fail "replay of batch $b"; done

read -r rows distinct total <<<"$(psql "$base_url/$db" -Atc "SELECT COUNT(*), COUNT(DISTINCT external_ref), SUM(amount_fen) FROM premium_postings" | tr '|' ' ')"
expected_rows=$((batches * items))
expected_total=$(python3 -c "print(sum(100 + b * $items + i for b in range($batches) for i in range($items)))")
[ "$rows" = "$expected_rows" ] && [ "$distinct" = "$expected_rows" ] || fail "rows $rows, distinct $distinct, expected $expected_rows"
[ "$total" = "$expected_total" ] || fail "sum $total, expected $expected_total"
echo "crash safety: killed after $answered of $batches batches, replayed $replayed; $rows rows, sum $total fen, each once"
echo "crash safety: 1 passed, 0 failed"
