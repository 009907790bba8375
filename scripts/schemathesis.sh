#!/usr/bin/env bash
# Property-based tests of the native API against its own OpenAPI document (schemathesis): a fresh
# database with the demo city, the app under gunicorn with DEBUG off, an API key for the run, then
# generated requests to every operation. Fails on any 5xx, any response whose status or body the
# document does not declare, and any schema violation.
#   DATABASE_URL  the database to use (default: a fresh SQLite file under a temporary directory);
#                 it is migrated and seeded, so give it a throwaway database.
#   MAX_EXAMPLES  generated cases per operation and phase (default 100).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DEBUG=0
export SECRET_KEY="schemathesis-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1
export MINSHENG_VAR_DIR="$work"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$work/api.sqlite3}"
# The run makes hundreds of requests a minute from one address with one key; the limits themselves
# are tested in core/tests/test_ratelimit.py.
export API_RATE_LIMIT_PER_IP=100000 API_RATE_LIMIT_PER_KEY=100000
export LOG_LEVEL=WARNING
# No SMS gateway here: the log backend (codes masked), chosen explicitly as production must.
export SMS_BACKEND=accounts.sms.LogBackend
# Personal-data keys of this run only (start-up refuses DEBUG=0 without them).
export $(DEBUG=1 $PY manage.py personal_data_keys | grep -v '^#')

$PY manage.py migrate --noinput --verbosity 0
$PY manage.py createcachetable
$PY manage.py seed_demo --force --verbosity 0 >/dev/null
key=$($PY manage.py api_issue_key --org "CI schemathesis" --unit 140700000000 --print)

port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn minsheng.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --log-level warning >"$work/server.log" 2>&1 &
server_pid=$!

status=0
# From the temporary directory, so schemathesis keeps its cache there and not in the checkout.
(cd "$work" && "$OLDPWD/.venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --wait-for-schema 30 \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --max-examples "${MAX_EXAMPLES:-100}" \
  --phases examples,coverage,fuzzing \
  --seed 311 \
  --generation-database none \
  --no-color) || status=$?
$PY manage.py shell -c "from appeals.models import Appeal; print('appeals filed through the API during the run:', Appeal.objects.filter(channel='api').count())"
if [ "$status" -ne 0 ]; then
  echo "== server log"
  tail -n 100 "$work/server.log"
fi
exit "$status"
