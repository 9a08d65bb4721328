#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST + socket.io + web page) and
# stops both on Ctrl-C. Expects `make setup` and a trained model (make run does both).
set -euo pipefail
cd "$(dirname "$0")/.."

# One switch: PROFILE=production starts N Rasa replicas and M action servers behind nginx on
# PostgreSQL + Redis (scripts/cluster.py, endpoints.production.yml); it refuses to start
# without its secrets and names the missing one. The default needs nothing but SQLite.
PROFILE=${PROFILE:-default}
case "$PROFILE" in
  default) ;;
  production)
    .venv/bin/python -m scripts.cluster check >/dev/null
    .venv/bin/python -m knowledge validate
    exec .venv/bin/python -m scripts.cluster run ;;
  *) echo "error: PROFILE must be 'default' or 'production', not '$PROFILE'" >&2; exit 2 ;;
esac

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
MODEL=${MODEL:-models/icp.tar.gz}
TRACKER_DB=${TRACKER_DB:-var/tracker.db}
# The chat page is served by the same server; its origin must be allowed to open
# the socket. Add your public https:// origin when deployed behind TLS.
export WEB_ALLOWED_ORIGINS=${WEB_ALLOWED_ORIGINS:-http://localhost:$RASA_PORT,http://127.0.0.1:$RASA_PORT}
mkdir -p var
# endpoints.yml holds the defaults (5055, var/tracker.db); other ports or files get their own copy.
ENDPOINTS=endpoints.yml
if [ "$ACTION_PORT" != 5055 ] || [ "$TRACKER_DB" != var/tracker.db ]; then
  ENDPOINTS=$(.venv/bin/python -m scripts.endpoints --out var/endpoints.run.yml \
    --action-url "http://127.0.0.1:$ACTION_PORT/webhook" --tracker-db "$TRACKER_DB")
fi

# Refuse to start on broken knowledge data rather than answer wrongly.
.venv/bin/python -m knowledge validate

# A port still held (an earlier run not yet stopped) would answer the health checks below
# in place of the servers started here, and the user would talk to old code.
port_free() {  # port, variable that sets it
  if ! .venv/bin/python - "$1" 2>/dev/null <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is fine
s.bind(("0.0.0.0", int(sys.argv[1])))
PY
  then
    echo "error: port $1 is in use (is the assistant already running?); stop that or set $2" >&2
    exit 1
  fi
}
port_free "$ACTION_PORT" ACTION_PORT
port_free "$RASA_PORT" RASA_PORT

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

wait_for() {  # url, name, pid
  for _ in $(seq 1 1200); do  # up to 10 min: loading the model took >2 min on a busy 2-core machine
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "error: $2 exited during start-up" >&2; exit 1; fi
    sleep 0.5
  done
  echo "error: $2 did not answer at $1" >&2; exit 1
}

# `rasa run actions` with the safeguards it lacks: 127.0.0.1 only (ACTION_HOST), ACTION_SERVER_TOKEN
# checked when set, no request bodies in errors (action_server/__init__.py).
.venv/bin/python -m action_server --actions actions --port "$ACTION_PORT" > var/actions.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ACTION_PORT/health" "action server" "${pids[-1]}"

.venv/bin/rasa run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --port "$RASA_PORT" > var/rasa.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$RASA_PORT/" "Rasa server" "${pids[-1]}"

cat <<MSG

ICP filing assistant is running (logs in var/). Ctrl-C stops it.
  Chat page:   http://localhost:$RASA_PORT/web/
  REST:        curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"你好"}'
  Profile:     default (one process, SQLite $TRACKER_DB); PROFILE=production for replicas on PostgreSQL + Redis
MSG
if [ -z "${REST_TOKEN:-}" ]; then
  echo "  REST_TOKEN is not set: the REST channel is open to anyone who reaches port $RASA_PORT (fine locally)."
else
  echo "  REST needs -H \"Authorization: Bearer \$REST_TOKEN\"."
fi
if [ -z "${AGENT_TOKEN:-}" ]; then
  echo "  Agent console: off (set AGENT_TOKEN to open http://localhost:$RASA_PORT/agent/ for human agents)."
else
  echo "  Agent console: http://localhost:$RASA_PORT/agent/ (sign in with AGENT_TOKEN)."
fi
wait -n "${pids[@]}"
echo "a server stopped; shutting down" >&2
