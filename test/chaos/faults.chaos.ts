/**
 * Fault injection (issue #7): for each fault, ~240 sagas (complete / cancel / expire) are in flight
 * through the REST API while the fault hits; afterwards every saga must have ended and the
 * invariants must hold (support/checks.ts). Runs on the suite's private stack, so the servers it
 * breaks are its own: the Temporal worker (SIGKILL mid-activity), the Kafka broker, PostgreSQL
 * (`pg_ctl stop -m immediate`), the Temporal dev server (restarted on the same SQLite file), and
 * the SMTP server (MailDev) while email deliveries are in flight.
 */
import { startKafka, stopKafka } from '../../stack/kafka';
import { startMailServer, stopMailServer } from '../../stack/mail';
import { startPostgres, stopPostgres } from '../../stack/postgres';
import { startTemporal, stopTemporal } from '../../stack/temporal';
import { APP_SPECS, sleep } from './support/apps';
import { checkEmails, deliveryCounts, immediateSaleEmails, restoreEmailDefaults } from './support/email';
import type { Scope } from './support/checks';
import { activitiesInFlight, configSummary, ensureRunning, runScenario, startSuite, type Fault, type Suite } from './support/suite';

let suite: Suite;
const PARTS = ['worker', 'consumers', 'api'] as const;

beforeAll(async () => {
  process.stderr.write(`[chaos] ${configSummary()}\n`);
  suite = await startSuite([...PARTS]);
}, 180_000);

afterAll(async () => {
  await suite?.close();
});

afterEach(async () => {
  // whatever a scenario left broken must not spill into the next one
  if (suite) await ensureRunning(suite, [...PARTS]);
}, 120_000);

function expectAllPassed(results: { name: string; ok: boolean; detail: string }[]): void {
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`);
  expect(failed).toEqual([]);
}

const workerKill: Fault = {
  name: 'worker SIGKILL mid-activity',
  expectedExits: ['worker'],
  async inject(s) {
    // into the burst of status changes, at a moment when activities are executing: kill without warning
    await sleep(1_500);
    let running = 0;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (running = await activitiesInFlight(s)) === 0) await sleep(50);
    await s.apps.kill('worker', 'SIGKILL');
    await sleep(2_000);
    await s.apps.start('worker', APP_SPECS.worker);
    return `killed with ${running} activities executing, restarted`;
  },
};

const kafkaRestart: Fault = {
  name: 'Kafka broker stop/start',
  async inject() {
    const t = Date.now();
    await stopKafka();
    await sleep(5_000);
    await startKafka();
    return `broker down ${((Date.now() - t) / 1000).toFixed(1)} s`;
  },
};

const postgresCrash: Fault = {
  name: 'PostgreSQL stop -m immediate',
  async inject() {
    const t = Date.now();
    stopPostgres('immediate');
    await sleep(4_000);
    await startPostgres();
    return `database down ${((Date.now() - t) / 1000).toFixed(1)} s (crash recovery on start)`;
  },
};

const temporalRestart: Fault = {
  name: 'Temporal dev server stop/start',
  async inject() {
    const t = Date.now();
    await stopTemporal();
    await sleep(5_000);
    await startTemporal();
    return `server down ${((Date.now() - t) / 1000).toFixed(1)} s, same SQLite file`;
  },
};

for (const fault of [workerKill, kafkaRestart, postgresCrash, temporalRestart]) {
  // bounded inside: creating (≤ TTL-12 s) + the fault + client retries (≤ 150 s) + terminal wait (≤ 150 s) + checks (≤ 90 s)
  test(`${fault.name}: every saga ends, the invariants hold`, async () => {
    expectAllPassed(await runScenario(suite, fault));
  }, 600_000);
}

const smtpDown: Fault = {
  name: 'SMTP server down ~10 s',
  async inject(s, scope) {
    // deliveries in flight: the workers have sent some of this scenario's mail and more is queued
    const deadline = Date.now() + 30_000;
    let before = await deliveryCounts(s.db, scope);
    while (Date.now() < deadline && (before.sent === 0 || before.queued === 0)) {
      await sleep(100);
      before = await deliveryCounts(s.db, scope);
    }
    const t = Date.now();
    await stopMailServer();
    await sleep(Math.max(0, 10_000 - (Date.now() - t)));
    await startMailServer(); // resolves once SMTP and the web UI listen again
    return `MailDev down ${((Date.now() - t) / 1000).toFixed(1)} s (10 s stopped + its start; ${before.sent} emails sent, ${before.queued} queued when it stopped)`;
  },
};

// the delivery workers run for this scenario only; the admin gets every sale by email at once
test(`${smtpDown.name}: every saga ends, the invariants hold, every email is in the mailbox once`, async () => {
  await suite.apps.start('delivery', APP_SPECS.delivery);
  let scope: Scope | undefined;
  try {
    const results = await runScenario(suite, smtpDown, {
      // fewer sagas than the other faults: each sale mails the admin twice (and its customer, if
      // theirs), so 100 sagas keep ~200 emails flowing through the outage
      wave1: 80,
      wave2: 20,
      concurrency: 12,
      prepare: async (sc) => {
        scope = sc;
        await immediateSaleEmails(suite.db, sc);
      },
      extraChecks: (sc, saleIds) => checkEmails(suite.db, sc, saleIds),
    });
    expectAllPassed(results);
  } finally {
    await suite.apps.stop('delivery');
    if (scope) await restoreEmailDefaults(suite.db, scope);
  }
}, 600_000);
