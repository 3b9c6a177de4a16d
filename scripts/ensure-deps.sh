#!/usr/bin/env bash
# Installs node_modules with `npm ci` when they are missing or older than package-lock.json,
# so `npm start` and `npm test` work on a fresh clone. Cheap when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.sales-saga-lock-hash
want=$(sha1sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[deps] npm ci (package-lock.json changed or node_modules missing)…" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
