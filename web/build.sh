#!/usr/bin/env bash
# Builds the live page into web/dist/ (`npm run build:web`) unless the build is newer than every
# source of it: web/ itself and package-lock.json (a new Vite). Called by scripts/start.sh and
# scripts/test.sh; cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=web/dist/index.html
if [ -f "$out" ] && [ -z "$(find web package-lock.json -path web/dist -prune -o -type f -newer "$out" -print -quit)" ]; then
  exit 0
fi
echo "[web] building the live page (web/dist/)…" >&2
npm run --silent build:web >&2
touch "$out"
