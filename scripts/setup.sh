#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs requirements.txt; installs the web
# widget from npm; with --browser also Debian's Chromium for the browser tests.
# Idempotent: each step is skipped when its inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=no
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=yes ;;
    *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
  esac
done

find_python() {
  # Rasa 3.6 runs on Python 3.8-3.10 only.
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    prefix=$(pyenv prefix 3.10.13 2>/dev/null || pyenv prefix 3.10 2>/dev/null || true)
    if [ -n "$prefix" ] && [ -x "$prefix/bin/python" ]; then echo "$prefix/bin/python"; return; fi
  fi
  if command -v python3.10 >/dev/null 2>&1; then command -v python3.10; return; fi
  echo "error: Python 3.10 not found (Rasa 3.6 needs 3.8-3.10); set PYTHON=/path/to/python3.10" >&2
  exit 1
}

stamp=.venv/.requirements.sha
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python=$(find_python)
  echo "==> creating .venv with $("$python" --version) and installing requirements.txt (first time: ~5 min)"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip wheel
  .venv/bin/pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi

# Rasa keeps its training cache in ./.rasa/cache by default, and a plain `rasa test` reads every
# YAML/JSON file under the project root (its default --stories is "."): a cached
# ted_policy.priority.json (a bare number) then stops it with a TypeError. The venv's activate
# script moves the cache out of the tree; the Makefile does the same for its own `rasa` calls.
if ! grep -q RASA_CACHE_DIRECTORY .venv/bin/activate; then
  cat >> .venv/bin/activate <<'SH'
# ICP assistant: Rasa's training cache outside the project (see scripts/setup.sh).
export RASA_CACHE_DIRECTORY="${XDG_CACHE_HOME:-$HOME/.cache}/icp-assistant/rasa"
SH
fi
# No usage data leaves the machine (and no blocked network call slows the CLI down).
grep -qs "enabled: false" "$HOME/.config/rasa/global.yml" || .venv/bin/rasa telemetry disable >/dev/null 2>&1

if [ -f web/package-lock.json ]; then
  lock=$(sha256sum web/package-lock.json | cut -d' ' -f1)
  if [ "$(cat web/node_modules/.lock.sha 2>/dev/null)" != "$lock" ]; then
    command -v npm >/dev/null || { echo "error: npm not found (needed for the web widget)" >&2; exit 1; }
    echo "==> installing the web widget (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock" > web/node_modules/.lock.sha
  fi
fi

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads
# a browser of its own), and a CJK font so Chinese renders in screenshots.
if [ "$want_browser" = yes ] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; }; then
  echo "==> installing Debian's Chromium and fonts-noto-cjk for the browser tests"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
