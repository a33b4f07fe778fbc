#!/usr/bin/env bash
# Secrets never reach the logs: a full run at debug level with JSON logs,
# a database password in the URL, logins (good and bad), tokens, errors —
# then the server's and the CLI's logs are searched for every secret.
fault_name="secrets in logs"
db_password="PgS3cret-Pw-$$"
export TEST_POSTGRES_URL="postgres://postgres:$db_password@127.0.0.1:5432/postgres"
export HSP_LOG_FORMAT=json
source "$(dirname "$0")/common.sh"
export RUST_LOG=debug
kill -9 "$server_pid"; server_pid=""
start_server   # again, now logging at debug level

insurer_secret=$(json '["client_secret"]' <<<"$client")
insurer_id_client=$(json '["client_id"]' <<<"$client")
curl -s -o /dev/null -X POST "$api/auth/token" -H 'Content-Type: application/json' \
  -d "{\"client_id\":\"$insurer_id_client\",\"client_secret\":\"wrong-$insurer_secret\"}"
fresh=$(token_for "$insurer_id_client" "$insurer_secret")
curl -s -o /dev/null "$api/organizations" -H "Authorization: Bearer $fresh.tampered"
curl -s -o /dev/null "$api/organizations" -H "Authorization: Bearer $admin"
curl -s -o /dev/null -X POST "$api/organizations" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"credit_code":"x"}'
curl -s -o /dev/null "$api/nowhere"

key_line=$(sed -n 2p "$work"/keys/*.pem)
logs=("$work/server.log" "$work/cli.log")
[ -s "$work/server.log" ] || fail "the server wrote no log"
for secret in "$db_password" "$admin_secret" "$insurer_secret" "$admin" "$insurer" "$fresh" "$key_line"; do
  [ -n "$secret" ] || fail "an empty secret in the list"
  if grep -qF -- "$secret" "${logs[@]}"; then
    fail "a secret appears in the logs: ${secret:0:6}…"
  fi
done
echo "secrets in logs: $(wc -l <"$work/server.log") log lines searched for 7 secrets, none found"
echo "secrets in logs: 1 passed, 0 failed"
