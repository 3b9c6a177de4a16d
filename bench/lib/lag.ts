/** Consumer lag: per group, how many records on its topics are not yet committed. */
import type { Admin } from 'kafkajs';

export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const end of ends) {
      const c = Number(mine.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += Number(end.high) - (c < 0 ? Number(end.low) : c);
    }
  }
  return lag;
}

export async function totalLag(admin: Admin, groups: Record<string, string[]>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [group, topics] of Object.entries(groups)) out[group] = await groupLag(admin, group, topics);
  return out;
}

/** Polls until every group's lag is 0; returns how long that took (ms), or undefined on timeout. */
export async function waitDrained(admin: Admin, groups: Record<string, string[]>, timeoutMs: number): Promise<{ ms?: number; lagAtStart: Record<string, number> }> {
  const started = Date.now();
  const lagAtStart = await totalLag(admin, groups);
  for (;;) {
    const lag = await totalLag(admin, groups);
    if (Object.values(lag).every((n) => n <= 0)) return { ms: Date.now() - started, lagAtStart };
    if (Date.now() - started > timeoutMs) return { lagAtStart };
    await new Promise((r) => setTimeout(r, 200));
  }
}
