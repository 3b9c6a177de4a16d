#!/usr/bin/env bash
# `npm test`: the whole suite against the real servers. Installs dependencies if needed, starts the
# suite's own local stack (unless DATABASE_URL / KAFKA_BROKERS / TEMPORAL_ADDRESS point elsewhere), typechecks,
# lints, runs jest, then the fault-injection suite (test/chaos, on its own private stack) and the
# production-topology suite (test/cluster, its own cluster; RUN_CLUSTER=0 skips it), and ends
# with the plain line "N passed, N failed" read from the jest JSON of both.
# Servers this script started are stopped again at the end; ones already running are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export APP_ENV=test
# The suite's own local servers, apart from `npm start`'s (5433 / 19092 / 7233, state in .state/):
# on shared servers a running `npm start`'s consumers would receive the tests' events (and the tests
# its events). Each can be moved with a TEST_* variable; DATABASE_URL / KAFKA_BROKERS /
# TEMPORAL_ADDRESS still point the suite at external servers instead.
export STACK_STATE_DIR="${TEST_STATE_DIR:-$PWD/.state/test}"
export LOCAL_PG_PORT="${TEST_PG_PORT:-15433}"
export LOCAL_KAFKA_PORT="${TEST_KAFKA_PORT:-29092}"
export LOCAL_TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}"
export TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
# the local mail server (MailDev) of the suite, apart from npm start's 1025 / 8025
export LOCAL_SMTP_PORT="${TEST_SMTP_PORT:-11025}"
export LOCAL_SMTP_UI_PORT="${TEST_SMTP_UI_PORT:-18025}"
# the local trace backend (Zipkin) of the suite, apart from npm start's 9411
export LOCAL_ZIPKIN_PORT="${TEST_ZIPKIN_PORT:-19411}"

bash scripts/ensure-deps.sh
# helm, kubeconform and the Kubernetes schemas for test/unit/deploy-chart.test.ts (`npm run
# check:deploy`): built once into the cache here, so the first build is not inside a test's timeout
bash scripts/ensure-deploy-tools.sh > /dev/null
# the browser tests (test/browser/) drive Debian's Chromium; nothing downloads a browser build
if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing chromium (apt-get) for the browser tests…" >&2
  sudo_cmd=""; [ "$(id -u)" = "0" ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium >&2
fi
# the live page the browser tests open (skipped when web/dist/ is newer than its sources)
bash web/build.sh

was_running=$(npx --no-install tsx stack/cli.ts status | grep -c running || true)
stop_stack() {
  if [ "$was_running" = "0" ]; then npx --no-install tsx stack/cli.ts down || true; fi
}
trap stop_stack EXIT

npx --no-install tsx stack/cli.ts up

# the Docker Compose CLI that test/unit/compose.test.ts validates docker-compose.yml with (built
# once from the Go module proxy into ~/.cache/sales-saga; a few minutes the first time)
npx --no-install tsx stack/cli.ts docker-compose >/dev/null

echo "[test] typecheck and lint" >&2
npx --no-install tsc --noEmit
npx --no-install eslint .

mkdir -p .artifacts
rc=0
# --forceExit: a leaked client must not hang CI for its whole time budget; leaks still show as warnings
npx --no-install jest --json --outputFile=.artifacts/jest.json --forceExit "$@" || rc=$?
# stop what we started before the summary, so "N passed, N failed" is the last line printed
# (and before the chaos suite, which then has the machine's cores to itself)
trap - EXIT
stop_stack
results=.artifacts/jest.json

# The fault-injection suite (issue #7, `npm run test:chaos`) on its own private stack (other ports,
# .state/chaos), after the main suite. Skipped for a filtered run (arguments given) or SKIP_CHAOS=1.
# Its jest JSON is merged with the main one, so the closing line counts both.
if [ $# -eq 0 ] && [ "${SKIP_CHAOS:-0}" != "1" ]; then
  echo "[test] fault-injection suite (test/chaos, private stack)" >&2
  rm -f .artifacts/jest-chaos.json
  npx --no-install jest -c test/chaos/jest.config.js --json --outputFile=.artifacts/jest-chaos.json --forceExit || rc=$?
  node test/chaos/merge-jest-json.js .artifacts/jest-all.json .artifacts/jest.json .artifacts/jest-chaos.json
  results=.artifacts/jest-all.json
fi

# The production topology's faults (issue #15, `npm run test:cluster`): three Kafka nodes, two
# replicas of every app process behind HAProxy, on its own ports (CLUSTER_TEST_BASE_PORT, default
# 31000) and state dir (.state/cluster-test); its jest JSON joins the closing line like the chaos
# suite's. RUN_CLUSTER=0 leaves it out (a local run in a hurry); a filtered run never starts it.
if [ $# -eq 0 ] && [ "${RUN_CLUSTER:-1}" != "0" ]; then
  echo "[test] production-topology suite (test/cluster, private cluster)" >&2
  # the Temporal server on PostgreSQL and its UI server: built once from the Go module proxy into
  # ~/.cache/sales-saga (many minutes the first time), so the build is not inside the suite's setup
  npx --no-install tsx stack/cli.ts temporal-server-build >&2
  rm -f .artifacts/jest-cluster.json
  npx --no-install jest -c test/cluster/jest.config.js --json --outputFile=.artifacts/jest-cluster.json --forceExit || rc=$?
  node test/chaos/merge-jest-json.js .artifacts/jest-all-cluster.json "$results" .artifacts/jest-cluster.json
  results=.artifacts/jest-all-cluster.json
fi
node scripts/jest-summary.js "$results" || rc=1
exit $rc
