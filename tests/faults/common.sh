# Shared set-up of the fault scripts: a fresh PostgreSQL database, the server
# binary, an admin, an insurer with one policy, and helpers. Source it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
admin_url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d)
db="hsp_fault_$(date +%s)_$$"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ]; then kill -9 "$server_pid" 2>/dev/null || true; fi
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "$fault_name: 0 passed, 1 failed"; exit 1; }

cargo build -q -p api --bin henan-safety
bin="${CARGO_TARGET_DIR:-$repo/target}/debug/henan-safety"
psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
base_url=${admin_url%/*}
export DATABASE_URL="$base_url/$db" HSP_KEYS_DIR="$work/keys" HSP_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export HSP_BIND="127.0.0.1:$port"
api="http://127.0.0.1:$port/api/v1"

start_server() {
  "$bin" serve >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "server did not become ready"
}

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
credit_code() { # GB 32100-2015 code with its check character, from a 17-character prefix
  python3 -c "
c='0123456789ABCDEFGHJKLMNPQRTUWXY'; p='$1'
s=sum(c.index(ch)*pow(3,i,31) for i,ch in enumerate(p))
print(p+c[(31-s%31)%31])"
}
token_for() { # client_id secret
  curl -sf -X POST "$api/auth/token" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$1\",\"client_secret\":\"$2\"}" | json '["access_token"]'
}

"$bin" migrate >/dev/null 2>>"$work/cli.log"
created=$("$bin" clients create --role admin --name fault-test 2>>"$work/cli.log")
admin_id=$(awk '/^client_id:/{print $2}' <<<"$created")
admin_secret=$(awk '/^client_secret:/{print $2}' <<<"$created")
start_server
admin=$(token_for "$admin_id" "$admin_secret")
post() { curl -sf -X POST "$api/$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
insurer_id=$(post organizations "$admin" "{\"credit_code\":\"$(credit_code 91410100MA0000001)\",\"name\":\"故障测试保险公司\",\"kind\":\"insurer\",\"region_code\":\"410100\"}" | json '["id"]')
enterprise_id=$(post organizations "$admin" "{\"credit_code\":\"$(credit_code 91410100MA0000002)\",\"name\":\"故障测试企业\",\"kind\":\"enterprise\",\"region_code\":\"410100\",\"sector\":\"mining\"}" | json '["id"]')
client=$(post clients "$admin" "{\"name\":\"fault insurer\",\"role\":\"insurer\",\"organization_id\":\"$insurer_id\"}")
insurer=$(token_for "$(json '["client_id"]' <<<"$client")" "$(json '["client_secret"]' <<<"$client")")
post insurance/policies "$insurer" "{\"policy_number\":\"FAULT-1\",\"enterprise_id\":\"$enterprise_id\",\"start_date\":\"2025-01-01\",\"end_date\":\"2025-12-31\",\"insured_headcount\":10,\"cover_per_person_fen\":40000000,\"base_premium_fen\":100000,\"charged_premium_fen\":100000,\"risk_adjustment_bp\":0}" >/dev/null

