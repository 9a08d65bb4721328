#!/usr/bin/env bash
# Runs the test stories against the trained model with a live action server.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p var
endpoints=$(.venv/bin/python -m scripts.endpoints --out var/story-test-endpoints.yml \
  --action-url "http://127.0.0.1:$port/webhook" --tracker-db ":memory:")
.venv/bin/rasa run actions --actions actions --port "$port" > var/story-test-actions.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat var/story-test-actions.log; exit 1; }
  sleep 0.5
done
# --e2e: the stories carry the user's text, so the NLU (intents and entities) is
# tested along with the dialogue; Rasa reads only files named test_*.yml then.
.venv/bin/rasa test core --model models/icp.tar.gz --stories tests/stories --e2e \
  --endpoints "$endpoints" --fail-on-prediction-errors --out results/stories
