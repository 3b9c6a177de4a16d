/**
 * Before a process starts its work it checks that each server it needs answers, and if one does
 * not, says in one line which, where, and how to fix it (instead of a retry loop of stack traces).
 */
import { getConfig, ConfigError } from './config';
import { createDb } from './db';
import { createKafka } from './kafka';
import { createTemporalClient } from './temporal';

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

async function check(name: string, where: string, fix: string, probe: () => Promise<void>): Promise<void> {
  try {
    await probe();
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new ConfigError(`${name} at ${where} is not reachable (${reason}); ${fix}`);
  }
}

export async function preflight(needs: { database?: boolean; kafka?: boolean; temporal?: boolean }): Promise<void> {
  const cfg = getConfig();
  const local = 'run `npm run stack:up` for the local one';
  const checks: Promise<void>[] = [];
  if (needs.database) {
    checks.push(
      check('PostgreSQL', redactUrl(cfg.database.url), cfg.provided.database ? 'check DATABASE_URL' : local, async () => {
        const knex = createDb({ acquireConnectionTimeout: 5_000, pool: { min: 0, max: 1 } });
        try {
          await knex.raw('select 1');
        } finally {
          await knex.destroy();
        }
      }),
    );
  }
  if (needs.kafka) {
    checks.push(
      check('Kafka', cfg.kafka.brokers.join(','), cfg.provided.kafka ? 'check KAFKA_BROKERS (and KAFKA_SSL/KAFKA_SASL_*)' : local, async () => {
        const admin = createKafka('-preflight').admin({ retry: { retries: 2, initialRetryTime: 300 } });
        try {
          await admin.connect();
          await admin.describeCluster();
        } finally {
          await admin.disconnect();
        }
      }),
    );
  }
  if (needs.temporal) {
    checks.push(
      check('Temporal', cfg.temporal.address, cfg.provided.temporal ? 'check TEMPORAL_ADDRESS (and TEMPORAL_TLS/TEMPORAL_API_KEY)' : local, async () => {
        const client = await createTemporalClient();
        try {
          await client.workflowService.getSystemInfo({});
        } finally {
          await client.connection.close();
        }
      }),
    );
  }
  const results = await Promise.allSettled(checks);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new ConfigError(failures.join('\n'));
}
