/**
 * What must hold after a fault, read from the real stores (PostgreSQL, the broker, Temporal):
 * - every saga ends (sale row and workflow), and what the API acknowledged to a client is what
 *   happened;
 * - stock is conserved per product: initial = available + reserved + sold, and the ledger
 *   (stock_movements) adds up to the inventory row;
 * - analytics counts every completed sale exactly once;
 * - every sale's events (created + its terminal one) and every stock movement's inventory event (but a
 *   completion's, which changes no available count or status)
 *   reached their topics;
 * - no notification is duplicated in an inbox, and every terminal sale reached the admins' inbox.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { tallySale } from '../../../consumers/analytics';
import { inventoryEventId } from '../../../shared/events';
import { createKafka } from '../../../shared/kafka';
import { EVENT_TOPICS, INVENTORY_TOPIC, SALE_TOPICS } from '../../../shared/topics';
import type { SagaRecord } from './load';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Scope {
  /** the users whose sales belong to this scenario (created_by) */
  userIds: string[];
  productIds: string[];
  initialStock: Map<string, number>;
  adminId: string;
  customerId: string;
}

interface SaleRow {
  id: string;
  status: 'RESERVED' | 'COMPLETED' | 'CANCELLED';
  cancel_reason: string | null;
  total: number;
  customer_user_id: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const first = <T>(xs: T[], n = 10): string => JSON.stringify(xs.slice(0, n)) + (xs.length > n ? ` … (${xs.length} in all)` : '');

export async function scenarioSales(db: Knex, scope: Scope): Promise<SaleRow[]> {
  return db('sales').whereIn('created_by', scope.userIds).select('id', 'status', 'cancel_reason', 'total', 'customer_user_id');
}

/** Polls until none of the scenario's sales is RESERVED; on timeout, says which are stuck and why. */
export async function waitAllTerminal(db: Knex, temporal: Client, scope: Scope, timeoutMs: number): Promise<{ sales: SaleRow[]; waitedMs: number; stuck: string }> {
  const started = Date.now();
  for (;;) {
    const sales = await scenarioSales(db, scope).catch(() => undefined);
    const open = sales?.filter((s) => s.status === 'RESERVED') ?? [];
    if (sales && open.length === 0) return { sales, waitedMs: Date.now() - started, stuck: '' };
    if (Date.now() - started > timeoutMs) {
      const details = await Promise.all(
        open.slice(0, 15).map(async (s) => {
          try {
            const d = await temporal.workflow.getHandle(`sale-${s.id}`).describe();
            const pending = (d.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message})` : ''}`);
            return `${s.id}: workflow ${d.status.name}${pending.length ? `, pending ${pending.join('; ')}` : ''}`;
          } catch (err) {
            return `${s.id}: workflow not readable (${(err as Error).message})`;
          }
        }),
      );
      return { sales: sales ?? [], waitedMs: Date.now() - started, stuck: `${open.length} sagas still RESERVED after ${ms(started)}:\n  ${details.join('\n  ')}` };
    }
    await sleep(500);
  }
}

async function mapLimit<T, R>(xs: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

/** Polls `probe` until it reports ok or the time is up; returns its last answer. */
async function eventually(probe: () => Promise<CheckResult>, timeoutMs: number): Promise<CheckResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe().catch((err: unknown) => ({ name: 'probe', ok: false, detail: String(err) }));
    if (result.ok || Date.now() > deadline) return result;
    await sleep(1_000);
  }
}

export interface SeenSaleEvent {
  event_id: string;
  type: string;
  status: string;
  version: number;
}

/** Reads the event topics from the beginning with a fresh group until every wanted id was seen. */
async function readEvents(wanted: Set<string>, keys: Set<string>, timeoutMs: number): Promise<{ seen: Map<string, number>; saleEvents: SeenSaleEvent[] }> {
  const kafka = createKafka('-chaos-reader');
  const groupId = `chaos-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  const seen = new Map<string, number>();
  const saleEvents: SeenSaleEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...EVENT_TOPICS], fromBeginning: true });
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const missing = new Set(wanted);
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const key = message.key?.toString() ?? '';
        if (!keys.has(key)) return;
        const value = JSON.parse(message.value?.toString() ?? '{}') as SeenSaleEvent;
        const id = message.headers?.event_id?.toString() ?? value.event_id ?? '';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (topic !== INVENTORY_TOPIC) saleEvents.push({ event_id: value.event_id, type: value.type, status: value.status, version: value.version });
        missing.delete(id);
        if (missing.size === 0) resolveDone();
      },
    });
    await Promise.race([done, sleep(timeoutMs)]);
    return { seen, saleEvents };
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** What each sale event must say about its own step (DESIGN §4: the fact, not the sale's state at send time). */
const STEP: Record<string, { status: string; version: number }> = {
  'sale.created': { status: 'RESERVED', version: 1 },
  'sale.completed': { status: 'COMPLETED', version: 2 },
  'sale.cancelled': { status: 'CANCELLED', version: 2 },
};

export async function checkInvariants(
  db: Knex,
  temporal: Client,
  scope: Scope,
  records: SagaRecord[],
  sales: SaleRow[],
  options: { drainTimeoutMs: number },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  // one budget for everything that waits on the consumers, so a failing run stays bounded
  const drainDeadline = Date.now() + options.drainTimeoutMs;
  const remaining = () => Math.max(0, drainDeadline - Date.now());
  const ids = sales.map((s) => s.id);
  const byId = new Map(sales.map((s) => [s.id, s]));

  // 1. every saga reached a terminal state, in the database and in Temporal, and they agree
  const open = sales.filter((s) => s.status === 'RESERVED');
  add('sales terminal', open.length === 0, open.length === 0 ? `${sales.length}/${sales.length}` : `still RESERVED: ${first(open.map((s) => s.id))}`);
  // a saga whose sale row is terminal may still be publishing its last events: give it time to close
  const closeDeadline = Date.now() + 60_000;
  let workflows: (string | undefined)[] = [];
  let pending = sales;
  for (;;) {
    workflows = await mapLimit(pending, 16, async (s) => {
      try {
        const handle = temporal.workflow.getHandle(`sale-${s.id}`);
        const d = await handle.describe();
        if (d.status.name !== 'COMPLETED') return `${s.id}: workflow ${d.status.name}`;
        const result = (await handle.result()) as { outcome: string };
        return result.outcome === s.status ? undefined : `${s.id}: workflow says ${result.outcome}, database ${s.status}`;
      } catch (err) {
        return `${s.id}: ${(err as Error).message}`;
      }
    });
    const stillRunning = pending.filter((_, i) => workflows[i]?.endsWith('workflow RUNNING'));
    if (stillRunning.length === 0 || Date.now() > closeDeadline) break;
    pending = stillRunning;
    await sleep(1_000);
  }
  const badWorkflows = workflows.filter((w): w is string => w !== undefined);
  add('workflows closed, outcome = sale', badWorkflows.length === 0, badWorkflows.length === 0 ? `${sales.length} closed` : first(badWorkflows, 8));

  // 2. clients: every sale a client was told about exists; every acknowledged change stuck;
  // every sale in the database is one a client created (no duplicate from a retried POST)
  const known = records.filter((r) => r.saleId);
  const lostAck = known.filter((r) => r.acknowledged && byId.get(r.saleId!)?.status !== r.acknowledged);
  const unknownToClients = ids.filter((id) => !known.some((r) => r.saleId === id));
  const missingRows = known.filter((r) => !byId.has(r.saleId!));
  const clientProblems = records.flatMap((r) => r.problems.map((p) => `${r.saleId ?? r.plan.key}: ${p}`));
  add(
    'acknowledged = stored, no duplicate sale',
    lostAck.length === 0 && unknownToClients.length === 0 && missingRows.length === 0 && clientProblems.length === 0,
    [
      lostAck.length ? `acknowledged but not stored: ${first(lostAck.map((r) => `${r.saleId} ack ${r.acknowledged} db ${byId.get(r.saleId!)?.status}`))}` : '',
      unknownToClients.length ? `sales no client created: ${first(unknownToClients)}` : '',
      missingRows.length ? `created for a client but missing: ${first(missingRows.map((r) => r.saleId))}` : '',
      clientProblems.length ? `client problems: ${first(clientProblems, 5)}` : '',
    ].filter(Boolean).join('; ') || `${known.length} sales, ${records.filter((r) => r.acknowledged).length} acknowledged changes`,
  );

  // 3. stock conservation per product, from the inventory row, the sales and the ledger
  const inventory: { product_id: string; on_hand: number; reserved: number; available: number }[] = await db('inventory')
    .whereIn('product_id', scope.productIds)
    .select('product_id', 'on_hand', 'reserved', 'available');
  const soldRows: { product_id: string; sold: number; sales: number }[] = await db('sale_items as i')
    .join('sales as s', 's.id', 'i.sale_id')
    .whereIn('i.product_id', scope.productIds)
    .where('s.status', 'COMPLETED')
    .groupBy('i.product_id')
    .select('i.product_id', db.raw('sum(i.quantity)::int as sold'), db.raw('count(*)::int as sales'));
  const sold = new Map(soldRows.map((r) => [r.product_id, r]));
  const stockProblems = inventory.flatMap((row) => {
    const initial = scope.initialStock.get(row.product_id) ?? NaN;
    const s = sold.get(row.product_id)?.sold ?? 0;
    const problems: string[] = [];
    if (initial !== row.available + row.reserved + s) problems.push(`${row.product_id}: initial ${initial} ≠ available ${row.available} + reserved ${row.reserved} + sold ${s}`);
    if (row.reserved !== 0) problems.push(`${row.product_id}: ${row.reserved} still reserved with every sale terminal`);
    return problems;
  });
  add('stock: initial = available + reserved + sold', stockProblems.length === 0 && inventory.length === scope.productIds.length, stockProblems.join('; ') || `${inventory.length} products`);

  const ledger: { product_id: string; on_hand: number; reserved: number; sold: number; initial: number }[] = await db('stock_movements')
    .whereIn('product_id', scope.productIds)
    .groupBy('product_id')
    .select(
      'product_id',
      db.raw('sum(on_hand_delta)::int as on_hand'),
      db.raw('sum(reserved_delta)::int as reserved'),
      db.raw(`sum(case when type = 'sale' then -on_hand_delta else 0 end)::int as sold`),
      db.raw(`sum(case when type = 'initial' then on_hand_delta else 0 end)::int as initial`),
    );
  const perSale: { sale_id: string; product_id: string; type: string; n: number }[] = await db('stock_movements')
    .whereIn('sale_id', ids.length ? ids : ['00000000-0000-0000-0000-000000000000'])
    .groupBy('sale_id', 'product_id', 'type')
    .select('sale_id', 'product_id', 'type', db.raw('count(*)::int as n'));
  const items: { sale_id: string; product_id: string }[] = ids.length ? await db('sale_items').whereIn('sale_id', ids).select('sale_id', 'product_id') : [];
  const moves = new Map(perSale.map((m) => [`${m.sale_id}/${m.product_id}/${m.type}`, m.n]));
  const ledgerProblems = ledger.flatMap((l) => {
    const inv = inventory.find((i) => i.product_id === l.product_id);
    const problems: string[] = [];
    if (!inv || l.on_hand !== inv.on_hand || l.reserved !== inv.reserved) problems.push(`${l.product_id}: ledger on_hand ${l.on_hand}/reserved ${l.reserved} vs inventory ${inv?.on_hand}/${inv?.reserved}`);
    if (l.sold !== (sold.get(l.product_id)?.sold ?? 0)) problems.push(`${l.product_id}: ledger sold ${l.sold} vs completed sales ${sold.get(l.product_id)?.sold ?? 0}`);
    if (l.initial !== scope.initialStock.get(l.product_id)) problems.push(`${l.product_id}: ledger initial ${l.initial}`);
    return problems;
  });
  for (const item of items) {
    const s = byId.get(item.sale_id)!;
    const want = { reserve: 1, sale: s.status === 'COMPLETED' ? 1 : 0, release: s.status === 'CANCELLED' ? 1 : 0 };
    for (const [type, n] of Object.entries(want)) {
      const got = moves.get(`${item.sale_id}/${item.product_id}/${type}`) ?? 0;
      if (got !== n) ledgerProblems.push(`sale ${item.sale_id} ${item.product_id}: ${got} ${type} movements, expected ${n}`);
    }
  }
  add('ledger sums to inventory; one movement per step', ledgerProblems.length === 0 && ledger.length === scope.productIds.length, ledgerProblems.length ? first(ledgerProblems, 5) : `${perSale.length} movement kinds of ${sales.length} sales`);

  // 4. every sale's events and every movement's inventory event reached the broker
  // a completion's movement (`sale`) publishes no event: available and status stay (issue #14)
  const movements: { product_id: string; version: string }[] = await db('stock_movements').whereIn('product_id', scope.productIds).whereNotIn('type', ['initial', 'sale']).select('product_id', 'version');
  const wanted = new Set<string>();
  for (const s of sales) {
    wanted.add(`sale.created:${s.id}`);
    if (s.status !== 'RESERVED') wanted.add(`sale.${s.status === 'COMPLETED' ? 'completed' : 'cancelled'}:${s.id}`);
  }
  for (const m of movements) wanted.add(inventoryEventId(m.product_id, Number(m.version)));
  const started = Date.now();
  const { seen, saleEvents } = await readEvents(wanted, new Set([...ids, ...scope.productIds]), Math.max(5_000, remaining()));
  const missingEvents = [...wanted].filter((id) => !seen.has(id));
  const contradictions = sales.filter((s) => seen.has(`sale.${s.status === 'COMPLETED' ? 'cancelled' : 'completed'}:${s.id}`)).map((s) => s.id);
  const redelivered = [...seen.values()].filter((n) => n > 1).length;
  add(
    `events on ${SALE_TOPICS.created}/completed/cancelled and ${INVENTORY_TOPIC}`,
    missingEvents.length === 0 && contradictions.length === 0,
    [
      missingEvents.length ? `missing: ${first(missingEvents)}` : '',
      contradictions.length ? `sales with the opposite terminal event: ${first(contradictions)}` : '',
    ].filter(Boolean).join('; ') || `${wanted.size} events found in ${ms(started)}${redelivered ? ` (${redelivered} published more than once on the wire, as at-least-once allows)` : ''}`,
  );
  const wrongFacts = saleEvents
    .filter((e) => STEP[e.type] && (e.status !== STEP[e.type]!.status || e.version !== STEP[e.type]!.version))
    .map((e) => `${e.event_id} says status ${e.status}, version ${e.version}`);
  add(
    'sale events carry their own step (status, version)',
    wrongFacts.length === 0,
    wrongFacts.length
      ? `${[...new Set(wrongFacts)].length} events describe a later state than their step (published after the next step committed?): ${first([...new Set(wrongFacts)], 5)}`
      : `${saleEvents.length} sale events checked`,
  );

  // 5. analytics-group counted every completed sale exactly once (waits for the consumers to drain)
  const completed = sales.filter((s) => s.status === 'COMPLETED');
  const completedItems: { sale_id: string; product_id: string; quantity: number; unit_price: number }[] = completed.length
    ? await db('sale_items').whereIn('sale_id', completed.map((s) => s.id)).select('sale_id', 'product_id', 'quantity', 'unit_price').orderBy(['sale_id', 'product_id'])
    : [];
  const expected = new Map<string, { units: number; revenue: number; count: number }>();
  for (const s of completed) {
    const lines = completedItems.filter((i) => i.sale_id === s.id);
    for (const t of tallySale({ items: lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity, unit_price: l.unit_price })), total: s.total })) {
      const e = expected.get(t.productId) ?? { units: 0, revenue: 0, count: 0 };
      expected.set(t.productId, { units: e.units + t.units, revenue: e.revenue + t.revenue, count: e.count + 1 });
    }
  }
  add(
    ...(await eventually(async () => {
      const rows: { product_id: string; units: number; revenue: number; count: number }[] = await db('product_sales_daily')
        .whereIn('product_id', scope.productIds)
        .groupBy('product_id')
        .select('product_id', db.raw('sum(units_sold)::int as units'), db.raw('sum(revenue)::bigint as revenue'), db.raw('sum(sales_count)::int as count'));
      const claimed = completed.length
        ? Number((await db('processed_events').where({ consumer_group: 'analytics-group' }).whereIn('event_id', completed.map((s) => `sale.completed:${s.id}`)).count<{ n: string }[]>('* as n'))[0]?.n ?? 0)
        : 0;
      const diffs = scope.productIds.flatMap((p) => {
        const want = expected.get(p) ?? { units: 0, revenue: 0, count: 0 };
        const got = rows.find((r) => r.product_id === p);
        const g = { units: got?.units ?? 0, revenue: Number(got?.revenue ?? 0), count: got?.count ?? 0 };
        return g.units === want.units && g.revenue === want.revenue && g.count === want.count ? [] : [`${p}: analytics ${JSON.stringify(g)} expected ${JSON.stringify(want)}`];
      });
      if (claimed !== completed.length) diffs.push(`analytics-group claimed ${claimed} of ${completed.length} sale.completed events`);
      return { name: 'analytics', ok: diffs.length === 0, detail: diffs.join('; ') || `${completed.length} completed sales counted once` };
    }, remaining()).then((r) => [`analytics exactly once`, r.ok, r.detail] as const)),
  );

  // 6. notifications: each terminal sale reached the admin's inbox; none is duplicated
  const terminal = sales.filter((s) => s.status !== 'RESERVED');
  add(
    ...(await eventually(async () => {
      const terminalEvent = (s: SaleRow) => `sale.${s.status === 'COMPLETED' ? 'completed' : 'cancelled'}:${s.id}`;
      const rows: { event_id: string }[] = terminal.length
        ? await db('notifications').where({ recipient_id: scope.adminId, kind: 'sale' }).whereIn('sale_id', terminal.map((s) => s.id)).select('event_id')
        : [];
      const have = new Set(rows.map((r) => r.event_id));
      const missing = terminal.filter((s) => !have.has(terminalEvent(s)) || !have.has(`sale.created:${s.id}`)).map((s) => s.id);
      const mine = terminal.filter((s) => s.customer_user_id === scope.customerId);
      const customerRows: { event_id: string }[] = mine.length
        ? await db('notifications').where({ recipient_id: scope.customerId, kind: 'sale' }).whereIn('sale_id', mine.map((s) => s.id)).select('event_id')
        : [];
      const customerHave = new Set(customerRows.map((r) => r.event_id));
      const customerMissing = mine.filter((s) => !customerHave.has(terminalEvent(s))).map((s) => s.id);
      const ok = missing.length === 0 && customerMissing.length === 0;
      return {
        name: 'delivery',
        ok,
        detail: ok
          ? `admin has created+terminal for ${terminal.length} sales, customer for ${mine.length}`
          : `admin inbox lacks ${missing.length} sales (${first(missing, 5)}); customer inbox lacks ${customerMissing.length}`,
      };
    }, remaining()).then((r) => [`notifications delivered to inboxes`, r.ok, r.detail] as const)),
  );
  const dupByEvent: { recipient_id: string; event_id: string; n: number }[] = await db('notifications')
    .where((q) => {
      q.whereIn('sale_id', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']).orWhereIn('product_id', scope.productIds);
    })
    .groupBy('recipient_id', 'event_id')
    .havingRaw('count(*) > 1')
    .select('recipient_id', 'event_id', db.raw('count(*)::int as n'));
  // the same step of a sale twice under different event ids would also be a duplicate for the reader
  const dupByFact: { recipient_id: string; sale_id: string; step: string; n: number }[] = ids.length
    ? await db('notifications')
        .where({ kind: 'sale' })
        .whereIn('sale_id', ids)
        .groupBy('recipient_id', 'sale_id', db.raw(`split_part(event_id, ':', 1)`))
        .havingRaw('count(*) > 1')
        .select('recipient_id', 'sale_id', db.raw(`split_part(event_id, ':', 1) as step`), db.raw('count(*)::int as n'))
    : [];
  const inboxRows = Number(
    (await db('notifications').where((q) => {
      q.whereIn('sale_id', ids.length ? ids : ['00000000-0000-0000-0000-000000000000']).orWhereIn('product_id', scope.productIds);
    }).count<{ n: string }[]>('* as n'))[0]?.n ?? 0,
  );
  add(
    'no duplicated notification in an inbox',
    dupByEvent.length === 0 && dupByFact.length === 0,
    dupByEvent.length || dupByFact.length ? `by event: ${first(dupByEvent, 5)}; by fact: ${first(dupByFact, 5)}` : `${inboxRows} inbox rows, none twice`,
  );
  return results;
}
