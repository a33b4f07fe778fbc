#!/usr/bin/env bash
# Two server processes on one PostgreSQL database: the same idempotent
# premium batch sent to both at once is stored once, and both answer with the
# same receipt. Nothing relies on in-process state for correctness.
fault_name="two instances"
source "$(dirname "$0")/common.sh"

second_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HSP_BIND="127.0.0.1:$second_port" HSP_MIGRATE_ON_START=false "$bin" serve >>"$work/server2.log" 2>&1 &
second_pid=$!
trap 'kill -9 "$second_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$second_port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done

python3 - "$work" <<'PY'
import json, sys
body = {"items": [{"policy_number": "FAULT-1", "received_at": f"2025-07-01T08:{i % 60:02d}:00+08:00",
                   "amount_fen": 1000 + i, "external_ref": f"twin-{i}"} for i in range(500)]}
open(f"{sys.argv[1]}/twin.json", "w").write(json.dumps(body))
PY
send_to() { # port, n -> body in $work/answer-n, status in $work/status-n
  curl -s -o "$work/answer-$2" -w '%{http_code}' -X POST "http://127.0.0.1:$1/api/v1/insurance/premium-postings" \
    -H "Authorization: Bearer $insurer" -H 'Content-Type: application/json' -H 'Idempotency-Key: twin-batch' \
    --data-binary "@$work/twin.json" >"$work/status-$2"
}
senders=()
for n in $(seq 1 20); do
  if [ $((n % 2)) = 0 ]; then send_to "$port" "$n" & else send_to "$second_port" "$n" & fi
  senders+=($!)
done
wait "${senders[@]}"
for n in $(seq 1 20); do
  [ "$(cat "$work/status-$n")" = 201 ] || fail "request $n answered $(cat "$work/status-$n"): $(cat "$work/answer-$n")"
  cmp -s "$work/answer-1" "$work/answer-$n" || fail "request $n got a different receipt"
done
read -r rows total <<<"$(psql "$base_url/$db" -Atc "SELECT COUNT(*), SUM(amount_fen) FROM premium_postings" | tr '|' ' ')"
[ "$rows" = 500 ] || fail "$rows rows stored, expected 500"
[ "$total" = "$(python3 -c 'print(sum(1000 + i for i in range(500)))')" ] || fail "sum $total"
# The same key with another body is refused by either instance.
sed 's/"amount_fen": 1000,/"amount_fen": 999,/' "$work/twin.json" >"$work/other.json"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$second_port/api/v1/insurance/premium-postings" \
  -H "Authorization: Bearer $insurer" -H 'Content-Type: application/json' -H 'Idempotency-Key: twin-batch' \
  --data-binary "@$work/other.json")
[ "$status" = 409 ] || fail "a different body under the key answered $status"
echo "two instances: 20 concurrent submissions to 2 processes stored 500 rows once"
echo "two instances: 1 passed, 0 failed"
