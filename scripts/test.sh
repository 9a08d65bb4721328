#!/usr/bin/env bash
# Every check, in the order that fails fastest. This is what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }

step "setup"
scripts/setup.sh --browser --production  # nginx too: tests/production/ start the production profile

step "knowledge + data validation"
make --no-print-directory validate

step "training (skipped when nothing changed)"
make --no-print-directory train

step "pytest"
.venv/bin/python -m pytest

step "conversation tests (rasa test, --fail-on-prediction-errors)"
scripts/story-test.sh

step "held-out NLU benchmark (fails below the targets: macro-F1, province F1, gap to zh)"
.venv/bin/python bench/nlu.py --model models/icp.tar.gz --check

step "independent conversation set over REST (bench/conversations.py --check: issue 13's targets)"
.venv/bin/python bench/conversations.py --check

step "done in $(( $(date +%s) - start ))s"
