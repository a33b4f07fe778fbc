#!/usr/bin/env bash
# Contract fuzzing: schemathesis (pinned in tests/fuzz/requirements.txt,
# installed into .venv-fuzz/) against a server built from this tree, over
# every operation of openapi.yaml, once per role, each run authenticated with
# a token of that role. A run fails on any 5xx, any response whose body breaks
# its documented schema, and any status code the operation does not document.
#
# The server gets a fresh SQLite database in a temporary directory, rate
# limits off, and seed data so that path ids and body references name real
# objects: an insurer, an enterprise with a policy, premiums, a prevention
# expenditure and an accident, and an agency. Only 127.0.0.1 is contacted.
#
# Tunables (environment):
#   FUZZ_SEED          Hypothesis seed (default 20171108)
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 100)
#   FUZZ_JOBS          roles fuzzed at the same time (default 2)
#   FUZZ_WORKERS       concurrent schemathesis workers per role (default 1: with more,
#                      CPython 3.11 intermittently breaks inside hypothesis with
#                      "AST constructor recursion depth mismatch")
#   FUZZ_ROLES         default "portal agency training enterprise insurer regulator admin"
#                      (training: an agency client bound to a training institution)
#   FUZZ_CHECKS        default not_a_server_error,response_schema_conformance,
#                      status_code_conformance; "all" explores further
#   FUZZ_REPORTS       default junit,ndjson; add har to keep every exchange
#   FUZZ_SCHEMA        default openapi.yaml; a doctored copy shows that the
#                      harness catches a contract the server breaks
#   PYTHON             makes the virtual environment (default python3.11)
# Reports and the server log go to target/fuzz/ (replaced on every run).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

seed=${FUZZ_SEED:-20171108}
max_examples=${FUZZ_MAX_EXAMPLES:-100}
workers=${FUZZ_WORKERS:-1}
roles=${FUZZ_ROLES:-portal agency training enterprise insurer regulator admin}
schema=${FUZZ_SCHEMA:-$repo/openapi.yaml}
checks=${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance,status_code_conformance}
venv="$repo/.venv-fuzz"
requirements="$repo/tests/fuzz/requirements.txt"
target_dir=${CARGO_TARGET_DIR:-$repo/target}
bin="$target_dir/debug/henan-safety"
out="$target_dir/fuzz"

# --- the virtual environment -------------------------------------------------
python=${PYTHON:-}
if [ -z "$python" ]; then
  if command -v python3.11 >/dev/null; then python=python3.11; else python=python3; fi
fi
# The stamp names the requirements and the venv's own path: a venv copied or
# cloned from elsewhere is refreshed, and schemathesis is run as a module so
# that no script's #! line pins an old path.
wanted="$(sha256sum "$requirements" | cut -d' ' -f1) $venv"
if ! "$venv/bin/python" -c 'import schemathesis' 2>/dev/null; then
  rm -rf "$venv"
fi
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing schemathesis into $venv"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet --require-virtualenv -r "$requirements"
  echo "$wanted" >"$venv/.requirements.sha256"
fi
py="$venv/bin/python"

# --- the server ----------------------------------------------------------------
${CARGO:-cargo} build -p api --bin henan-safety

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

rm -rf "$out"
mkdir -p "$out"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export HSP_BIND="127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/fuzz.sqlite3"
export HSP_KEYS_DIR="$work/keys"
export HSP_RATE_LIMIT_PER_MINUTE=0
export HSP_MIGRATE_ON_START=true
export RUST_LOG=${RUST_LOG:-warn}
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

# The first admin comes from the command line (it also migrates the database).
admin_out=$("$bin" clients create --role admin --name fuzz-admin 2>"$out/cli.log") \
  || { echo "FAIL: could not create the admin client"; cat "$out/cli.log"; exit 1; }
admin_id=$(awk '/^client_id:/ {print $2}' <<<"$admin_out")
admin_secret=$(awk '/^client_secret:/ {print $2}' <<<"$admin_out")

"$bin" serve >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 200 ]; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the server exited"; tail -40 "$out/server.log"; exit 1
  fi
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 200 ] \
  || { echo "FAIL: /health/ready did not answer 200"; tail -40 "$out/server.log"; exit 1; }

# --- seed data -----------------------------------------------------------------
# call METHOD PATH TOKEN BODY [HEADER…]: prints the response body; fails the
# script unless the answer is 2xx.
call() {
  local method=$1 path=$2 token=$3 body=$4
  shift 4
  local args=(-sS -o "$work/response" -w '%{http_code}' -X "$method" "$base$path")
  [ -z "$token" ] || args+=(-H "Authorization: Bearer $token")
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local header
  for header in "$@"; do args+=(-H "$header"); done
  local status
  status=$(curl "${args[@]}")
  if [[ $status != 2* ]]; then
    echo "FAIL: seeding: $method $path answered $status: $(cat "$work/response")" >&2
    return 1
  fi
  cat "$work/response"
}
# field NAME: the top-level field NAME of the JSON on standard input.
field() { "$py" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
token() {
  call POST /api/v1/auth/token "" \
    "{\"grant_type\":\"client_credentials\",\"client_id\":\"$1\",\"client_secret\":\"$2\"}" | field access_token
}
# A valid unified social credit code (GB 32100-2015) for a number.
credit_code() {
  "$py" - "$1" <<'EOF'
import sys
chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
n = int(sys.argv[1])
first17 = f"914101{n:02d}MA{n:07d}"
check = (31 - sum(chars.index(c) * w for c, w in zip(first17, weights)) % 31) % 31
print(first17 + chars[check])
EOF
}
declare -A client_id client_secret
new_client() { # ROLE JSON-EXTRA
  local created
  created=$(call POST /api/v1/clients "$admin_token" "{\"name\":\"fuzz-$1\",\"role\":\"$1\"$2}")
  client_id[$1]=$(field client_id <<<"$created")
  client_secret[$1]=$(field client_secret <<<"$created")
}

client_id[admin]=$admin_id
client_secret[admin]=$admin_secret
admin_token=$(token "$admin_id" "$admin_secret")

insurer_code=$(credit_code 1)
enterprise_code=$(credit_code 2)
agency_code=$(credit_code 3)
other_code=$(credit_code 4)
insurer_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$insurer_code\",\"name\":\"模糊测试财产保险公司\",\"kind\":\"insurer\",
  \"region_code\":\"410100\",\"contact_phone\":\"13812345678\",\"legal_representative\":\"李四\"}" | field id)
enterprise_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$enterprise_code\",\"name\":\"模糊测试矿业有限公司\",\"kind\":\"enterprise\",
  \"region_code\":\"410100\",\"sector\":\"mining\",\"contact_phone\":\"0371-12345678\",
  \"legal_representative\":\"张三\",\"employee_count\":120,\"address\":\"郑州市金水区花园路 1 号\"}" | field id)
agency_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$agency_code\",\"name\":\"模糊测试安全评价有限公司\",\"kind\":\"technical_service_agency\",
  \"region_code\":\"410100\",\"service_types\":[\"safety_assessment\"],
  \"qualification\":{\"number\":\"APJ-(豫)-001\",\"scope\":\"金属冶炼\",\"valid_from\":\"2024-01-01\",\"valid_until\":\"2028-12-31\"}}" \
  | field id)
other_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$other_code\",\"name\":\"模糊测试化工有限公司\",\"kind\":\"enterprise\",
  \"region_code\":\"410300\",\"sector\":\"hazardous_chemicals\",\"contact_phone\":\"13912345678\"}" | field id)

new_client regulator ',"region_code":"410000"'
new_client insurer ",\"organization_id\":\"$insurer_id\""
new_client enterprise ",\"organization_id\":\"$enterprise_id\""
new_client agency ",\"organization_id\":\"$agency_id\""
new_client portal ''

policy_number=FUZZ-POLICY-0001
insurer_token=$(token "${client_id[insurer]}" "${client_secret[insurer]}")
policy_id=$(call POST /api/v1/insurance/policies "$insurer_token" "{
  \"policy_number\":\"$policy_number\",\"enterprise_id\":\"$enterprise_id\",
  \"start_date\":\"2025-04-01\",\"end_date\":\"2026-03-31\",\"insured_headcount\":120,
  \"cover_per_person_fen\":40000000,\"base_premium_fen\":3600000,\"charged_premium_fen\":3240000,
  \"risk_adjustment_bp\":-1000}" | field id)
call POST /api/v1/insurance/premium-postings "$insurer_token" "{\"items\":[
  {\"policy_number\":\"$policy_number\",\"received_at\":\"2025-04-01T09:00:00+08:00\",\"amount_fen\":3240000,\"external_ref\":\"FUZZ-RCPT-1\"},
  {\"policy_number\":\"$policy_number\",\"received_at\":\"2025-09-01T09:00:00+08:00\",\"amount_fen\":-40000,\"external_ref\":\"FUZZ-RFND-1\"}]}" \
  'Idempotency-Key: fuzz-seed-premiums' >/dev/null
call POST "/api/v1/insurance/prevention-funds/$insurer_id/expenditures" "$insurer_token" "{
  \"category\":\"expert_inspection\",\"amount_fen\":15000,\"spent_on\":\"2025-06-18\",
  \"description\":\"聘请专家参与安全检查\",\"beneficiary_organization_id\":\"$agency_id\"}" \
  'Idempotency-Key: fuzz-seed-expenditure' >/dev/null
regulator_token=$(token "${client_id[regulator]}" "${client_secret[regulator]}")
call POST /api/v1/accidents "$regulator_token" "{
  \"enterprise_id\":\"$enterprise_id\",\"occurred_on\":\"2025-08-02\",\"grade\":\"general\",
  \"deaths\":0,\"injuries\":1,\"summary\":\"井下运输巷道冒顶\"}" >/dev/null
# People and qualifications: a training institution with its own client, a
# person employed by the enterprise (head of safety), a certificate, an exam
# pass, an engineer registration, and the published period 2026H1.
training_code=$(credit_code 5)
training_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$training_code\",\"name\":\"模糊测试安全培训学校\",\"kind\":\"training_institution\",
  \"region_code\":\"410100\"}" | field id)
created=$(call POST /api/v1/clients "$admin_token" \
  "{\"name\":\"fuzz-training\",\"role\":\"agency\",\"organization_id\":\"$training_id\"}")
client_id[training]=$(field client_id <<<"$created")
client_secret[training]=$(field client_secret <<<"$created")
holder_id=11010519491231002X
holder_name=张伟
person_id=$(call POST "/api/v1/organizations/$enterprise_id/employments" "$admin_token" "{
  \"person\":{\"resident_id\":\"$holder_id\",\"name\":\"$holder_name\"},\"position\":\"安全管理部部长\",
  \"safety_head\":true,\"from\":\"2020-01-01\",\"to\":null}" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["person"]["id"])')
certificate_id=$(call POST /api/v1/certificates "$regulator_token" "{
  \"holder\":{\"resident_id\":\"$holder_id\",\"name\":\"$holder_name\"},\"number\":\"T$holder_id\",
  \"category\":\"electrical\",\"issuing_region\":\"410100\",\"issued_on\":\"2024-01-10\"}" | field id)
training_token=$(token "${client_id[training]}" "${client_secret[training]}")
call POST /api/v1/training/exam-results "$training_token" "{\"items\":[
  {\"candidate\":{\"resident_id\":\"$holder_id\",\"name\":\"$holder_name\"},\"category\":\"welding_cutting\",
   \"exam_on\":\"2026-03-18\",\"theory_score\":86,\"practical_score\":90}]}" \
  'Idempotency-Key: fuzz-seed-exams' >/dev/null
call POST /api/v1/training/pass-rate-publications "$regulator_token" '{"period":"2026H1"}' >/dev/null
engineer_id=$(call POST /api/v1/engineers "$regulator_token" "{
  \"person\":{\"resident_id\":\"$holder_id\",\"name\":\"$holder_name\"},\"level\":\"intermediate\",
  \"category\":\"chemical\",\"registration_number\":\"FUZZ-ENG-0001\",\"registered_on\":\"2024-03-15\",
  \"employer_id\":\"$enterprise_id\",\"continuing_education_hours\":48}" | field id)
# Credit and supervision: a false report (which lists the agency on the
# blacklist), a rectification order, an anonymous complaint and a spot-check draw.
listing_id=$(call POST /api/v1/credit/events "$regulator_token" "{
  \"organization_id\":\"$agency_id\",\"event_type\":\"false_report\",\"occurred_on\":\"2025-10-01\",
  \"evidence\":\"模糊测试 虚假报告\"}" | field blacklist_listing_id)
sanction_id=$(call POST /api/v1/sanctions "$regulator_token" "{
  \"organization_id\":\"$agency_id\",\"kind\":\"rectification_order\",\"decided_on\":\"2026-01-05\",
  \"deadline\":\"2026-02-05\",\"reason\":\"模糊测试 整改\"}" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["sanction"]["id"])')
tracking_code=$(call POST /api/v1/public/complaints "" "{
  \"organization_credit_code\":\"$agency_code\",\"category\":\"charging_without_service\",
  \"description\":\"模糊测试 投诉\"}" | field tracking_code)
draw_id=$(call POST /api/v1/supervision/spot-check-draws "$regulator_token" "{
  \"kind\":\"technical_service_agency\",\"sample_size\":1,\"inspectors\":[\"甲\",\"乙\"],
  \"inspectors_per_target\":1,\"beacon\":\"fuzz-beacon\"}" | field id)
# The marketplace: a clean provider (the agency above is blacklisted), a
# demand of the enterprise, an engagement of each provider with it, a
# government purchase project and a subsidy programme with an application.
provider_code=$(credit_code 6)
provider_id=$(call POST /api/v1/organizations "$admin_token" "{
  \"credit_code\":\"$provider_code\",\"name\":\"模糊测试安全咨询有限公司\",\"kind\":\"engineer_firm\",
  \"region_code\":\"410100\",\"service_types\":[\"consulting\",\"entrusted_management\"],
  \"qualification\":{\"number\":\"ZCAQ-(豫)-006\",\"valid_from\":\"2024-01-01\",\"valid_until\":\"2030-12-31\"}}" \
  | field id)
enterprise_token=$(token "${client_id[enterprise]}" "${client_secret[enterprise]}")
demand_id=$(call POST /api/v1/marketplace/demands "$enterprise_token" "{
  \"service_type\":\"hazard_investigation\",\"region_code\":\"410100\",\"budget_fen\":2000000,
  \"deadline\":\"2030-06-30\",\"description\":\"模糊测试 隐患排查需求\"}" | field id)
engagement() { # PROVIDER-ID
  call POST /api/v1/engagements "$admin_token" "{
    \"enterprise_id\":\"$enterprise_id\",\"provider_id\":\"$1\",
    \"services\":[{\"service_type\":\"consulting\",\"fee_fen\":1200000}],\"reports\":[],
    \"signed_on\":\"2026-01-10\",\"starts_on\":\"2026-01-10\",\"ends_on\":\"2027-01-09\",
    \"delivery_deadline\":\"2026-12-31\",\"planned_on_site_dates\":[\"2026-02-02\"],\"personnel\":[]}" | field id
}
engagement_id=$(engagement "$provider_id")
agency_engagement_id=$(engagement "$agency_id")
project_id=$(call POST /api/v1/procurement/projects "$regulator_token" "{
  \"area\":\"safety_inspection\",\"title\":\"模糊测试 安全检查服务\",\"budget_fen\":5000000,
  \"region_code\":\"410100\",\"recipient_ids\":[\"$enterprise_id\"],\"provider_id\":\"$provider_id\",
  \"third_party_id\":\"$training_id\",\"awarded_on\":\"2026-02-01\"}" | field id)
programme_id=$(call POST /api/v1/subsidy-programmes "$regulator_token" "{
  \"title\":\"模糊测试 小微企业服务补助\",\"region_code\":\"410100\",\"budget_fen\":10000000,
  \"share_bp\":5000,\"cap_per_enterprise_fen\":500000,\"max_employees\":200,
  \"opens_on\":\"2026-01-01\",\"closes_on\":\"2026-12-31\"}" | field id)
application_id=$(call POST "/api/v1/subsidy-programmes/$programme_id/applications" "$enterprise_token" \
  "{\"engagement_id\":\"$engagement_id\"}" | field id)
# A webhook subscription (the admin's; admins see every subscription) to a
# public address: nothing listens there, so the worker's attempts only fail.
webhook_id=$(call POST /api/v1/webhooks "$admin_token" "{
  \"url\":\"http://93.184.216.34/fuzz-hook\",\"event_types\":[],
  \"secret\":\"fuzz-secret-0123456789abcdef0123456789\"}" | field id)
echo "Seeded: webhook $webhook_id, insurer $insurer_id, enterprises $enterprise_id $other_id, agency $agency_id, policy $policy_id," \
  "training institution $training_id, person $person_id, certificate $certificate_id, engineer $engineer_id," \
  "listing $listing_id, sanction $sanction_id, draw $draw_id, provider $provider_id, demand $demand_id," \
  "engagements $engagement_id $agency_engagement_id, project $project_id, programme $programme_id," \
  "application $application_id"

# --- schemathesis configuration ---------------------------------------------
# Dictionaries steer a share of the generated values to the seeded objects,
# so that operations get past "not found" into their real answers; the rest
# stays random. Nothing is excluded.
cat >"$work/schemathesis.toml" <<EOF
[cache]
enabled = false

[generation]
database = "none"

[dictionaries.ids]
values = ["$enterprise_id", "$insurer_id", "$agency_id", "$other_id", "$policy_id", "$training_id", "$person_id",
          "$certificate_id", "$engineer_id", "$listing_id", "$sanction_id", "$draw_id", "$provider_id",
          "$demand_id", "$engagement_id", "$agency_engagement_id", "$project_id", "$programme_id", "$webhook_id"]
[dictionaries.applications]
values = ["$application_id"]
[dictionaries.organizations]
values = ["$enterprise_id", "$insurer_id", "$agency_id", "$other_id", "$training_id", "$provider_id"]
[dictionaries.insurers]
values = ["$insurer_id"]
[dictionaries.enterprises]
values = ["$enterprise_id", "$other_id"]
[dictionaries.credit_codes]
values = ["$enterprise_code", "$insurer_code", "$agency_code", "$other_code", "$provider_code"]
[dictionaries.years]
values = [2025, 2026]
[dictionaries.regions]
values = ["410000", "410100", "410300", "410181"]
[dictionaries.policy_numbers]
values = ["$policy_number"]
[dictionaries.certificate_numbers]
values = ["T$holder_id"]
[dictionaries.holder_names]
values = ["$holder_name"]
[dictionaries.periods]
values = ["2026H1", "2026H2"]
[dictionaries.dates]
values = ["2026-01-08", "2025-12-31", "2024-02-29"]
[dictionaries.tracking_codes]
values = ["$tracking_code"]
[dictionaries.positions]
values = [0]
[dictionaries.etags]
values = ['"1"', '"2"', '"3"']

[parameters]
"path.id" = { dictionary = "ids", probability = 0.7 }
"path.insurer_id" = { dictionary = "insurers", probability = 0.7 }
"path.credit_code" = { dictionary = "credit_codes", probability = 0.7 }
"path.year" = { dictionary = "years", probability = 0.5 }
"path.tracking_code" = { dictionary = "tracking_codes", probability = 0.6 }
"path.position" = { dictionary = "positions", probability = 0.6 }
"path.application_id" = { dictionary = "applications", probability = 0.6 }
"body.provider_id" = { dictionary = "organizations", probability = 0.5 }
"body.engagement_id" = { dictionary = "ids", probability = 0.5 }
"query.enterprise" = { dictionary = "enterprises", probability = 0.5 }
"query.region" = { dictionary = "regions", probability = 0.5 }
"query.credit_code" = { dictionary = "credit_codes", probability = 0.5 }
"header.If-Match" = { dictionary = "etags", probability = 0.5 }
"body.enterprise_id" = { dictionary = "enterprises", probability = 0.5 }
"body.enterprise_credit_code" = { dictionary = "credit_codes", probability = 0.5 }
"body.organization_id" = { dictionary = "organizations", probability = 0.5 }
"body.beneficiary_organization_id" = { dictionary = "organizations", probability = 0.5 }
"body.region_code" = { dictionary = "regions", probability = 0.5 }
"body.credit_code" = { dictionary = "credit_codes", probability = 0.3 }
"body.items[*].policy_number" = { dictionary = "policy_numbers", probability = 0.5 }
"body.employer_id" = { dictionary = "organizations", probability = 0.5 }
"query.number" = { dictionary = "certificate_numbers", probability = 0.6 }
"query.name" = { dictionary = "holder_names", probability = 0.6 }
"query.period" = { dictionary = "periods", probability = 0.6 }
"query.on" = { dictionary = "dates", probability = 0.5 }
EOF

# --- one run per role --------------------------------------------------------
# Roles run FUZZ_JOBS at a time (default 2, one per core: schemathesis is
# CPU-bound, the server is not), each against the same server with its own
# log and report directory; logs are printed in role order at the end.
jobs_max=${FUZZ_JOBS:-2}
fuzz_role() { # ROLE BEARER
  local role=$1 bearer=$2 status=0
  "$py" -m schemathesis.cli --config-file "$work/schemathesis.toml" --no-color run "$schema" \
    --url "$base" \
    --header "Authorization: Bearer $bearer" \
    --checks "$checks" \
    --seed "$seed" \
    --max-examples "$max_examples" \
    --workers "$workers" \
    --request-timeout 30 \
    --report "${FUZZ_REPORTS:-junit,ndjson}" --report-dir "$out/$role" \
    >"$work/$role.log" 2>&1 || status=$?
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the server died during the $role run" >>"$work/$role.log"
    status=1
  fi
  echo "$status" >"$work/$role.status"
}
# running ROLE-PIDS…: how many of these processes are still alive (the server
# is a background job too, so `jobs` cannot count the runs).
running() {
  local pid n=0
  for pid in "$@"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done
  echo "$n"
}
role_pids=()
for role in $roles; do
  while [ "$(running "${role_pids[@]}")" -ge "$jobs_max" ]; do sleep 1; done
  echo "=== schemathesis as $role: started ==="
  # A fresh token for each run (the default lifetime is 15 minutes), taken
  # here so that seeding's response file is never shared between runs.
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "FAIL: the server is not running; $role not fuzzed" >"$work/$role.log"
    echo 1 >"$work/$role.status"
  elif bearer=$(token "${client_id[$role]}" "${client_secret[$role]}"); then
    fuzz_role "$role" "$bearer" &
    role_pids+=($!)
  else
    echo "FAIL: no token for $role" >"$work/$role.log"
    echo 1 >"$work/$role.status"
  fi
done
[ "${#role_pids[@]}" = 0 ] || wait "${role_pids[@]}" || true

passed=0
failed=0
failed_roles=()
for role in $roles; do
  echo
  echo "=== schemathesis as $role ==="
  cat "$work/$role.log"
  if [ "$(cat "$work/$role.status" 2>/dev/null)" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_roles+=("$role")
  fi
done

echo
[ "$failed" = 0 ] || echo "Failed roles: ${failed_roles[*]} (reports and server log in $out)"
echo "contract fuzzing: $passed passed, $failed failed"
[ "$failed" = 0 ]
