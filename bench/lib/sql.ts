/**
 * Reservation SQL on one hot product: the project's own statement (activities/inventory-ledger.ts
 * applyStockChange: the conditional UPDATE and its stock_movements ledger row in one statement)
 * against a plain conditional UPDATE, both in autocommit, each in a tight loop from N pooled
 * connections for a fixed time. pgbench runs the plain UPDATE too, as the reference a database
 * person would use. For context, the project statement also runs wrapped in its own transaction
 * (BEGIN, statement, COMMIT), as the sale activities run it among their other writes. The product
 * is restocked (reserved = 0) between rounds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { applyStockChange } from '../../activities/inventory-ledger';
import { summarize, type Summary } from './stats';

export interface SqlRound {
  statement: 'project (applyStockChange, autocommit)' | 'plain UPDATE (autocommit)' | 'pgbench plain UPDATE' | 'project in a transaction (BEGIN, statement, COMMIT)';
  connections: number;
  opsPerS: number;
  latency?: Summary;
}

async function loop(db: Knex, connections: number, seconds: number, op: () => Promise<unknown>): Promise<{ ops: number; ms: number[] }> {
  const until = Date.now() + seconds * 1000;
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const t = performance.now();
        await op();
        ms.push(performance.now() - t);
      }
    }),
  );
  return { ops: ms.length, ms };
}

async function restock(db: Knex, productId: string): Promise<void> {
  await db('inventory').where({ product_id: productId }).update({ reserved: 0 });
}

function pgbench(url: string, productId: string, connections: number, seconds: number): number | undefined {
  const bin = ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench'].find((p) => spawnSync('test', ['-x', p]).status === 0);
  if (!bin) return undefined;
  const u = new URL(url);
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  const script = join(dir, 'reserve.sql');
  writeFileSync(script, `UPDATE inventory SET reserved = reserved + 1 WHERE product_id = '${productId.replace(/'/g, "''")}' AND on_hand - reserved >= 1;\n`);
  // where to connect comes from DATABASE_URL: libpq's environment variables, not argv, so a user or
  // database name starting with '-' cannot be read as an option (and the password gets through too)
  const env = {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
  const res = spawnSync(bin, ['-n', '-M', 'prepared', '-c', String(connections), '-j', String(Math.min(connections, 2)), '-T', String(seconds), '-f', script], { encoding: 'utf8', env });
  const tps = /tps = ([\d.]+)/.exec(res.stdout ?? '')?.[1];
  return tps ? Math.round(Number(tps)) : undefined;
}

export async function reservationSql(databaseUrl: string, productId: string, levels: number[], seconds: number): Promise<SqlRound[]> {
  const rounds: SqlRound[] = [];
  for (const connections of levels) {
    const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: connections, max: connections } });
    try {
      // open the pool's connections before the clock starts
      await Promise.all(Array.from({ length: connections }, () => db.raw('select 1')));

      const reserveOne = (on: Knex) => applyStockChange(on, { productId, type: 'reserve', onHandDelta: 0, reservedDelta: 1, reason: 'bench' });

      await restock(db, productId);
      const project = await loop(db, connections, seconds, () => reserveOne(db));
      rounds.push({ statement: 'project (applyStockChange, autocommit)', connections, opsPerS: Math.round(project.ops / seconds), latency: summarize(project.ms) });

      await restock(db, productId);
      const plain = await loop(db, connections, seconds, () =>
        db.raw('UPDATE inventory SET reserved = reserved + 1 WHERE product_id = ? AND on_hand - reserved >= 1', [productId]),
      );
      rounds.push({ statement: 'plain UPDATE (autocommit)', connections, opsPerS: Math.round(plain.ops / seconds), latency: summarize(plain.ms) });

      await restock(db, productId);
      const inTx = await loop(db, connections, seconds, () => db.transaction((trx) => reserveOne(trx)));
      rounds.push({ statement: 'project in a transaction (BEGIN, statement, COMMIT)', connections, opsPerS: Math.round(inTx.ops / seconds), latency: summarize(inTx.ms) });

      await restock(db, productId);
      const tps = pgbench(databaseUrl, productId, connections, seconds);
      if (tps !== undefined) rounds.push({ statement: 'pgbench plain UPDATE', connections, opsPerS: tps });
      await restock(db, productId);
    } finally {
      await db.destroy();
    }
  }
  return rounds;
}
