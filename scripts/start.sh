#!/usr/bin/env bash
# `npm start`: everything on this machine, in the foreground. Installs dependencies if needed,
# provisions and starts PostgreSQL, Kafka and Temporal (unless DATABASE_URL / KAFKA_BROKERS /
# TEMPORAL_ADDRESS point elsewhere), then runs migrations, the API, the worker and the consumers.
# Ctrl-C stops the application; the servers keep running (`npm run stack:down` stops them).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
# the live page served at / (skipped when web/dist/ is newer than its sources)
bash web/build.sh
npx --no-install tsx stack/cli.ts up

if [ -t 1 ] && [ "${LOG_FORMAT:-}" != "json" ]; then
  # a person is watching: readable lines (pino-pretty); files and pipes get one JSON line per event
  npx --no-install tsx bin/start.ts | npx --no-install pino-pretty --translateTime SYS:HH:MM:ss.l --ignore pid,hostname,service
else
  exec npx --no-install tsx bin/start.ts
fi
