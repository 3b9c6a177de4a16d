/**
 * A live-stream client that behaves like a browser's EventSource: when the stream ends (its API
 * replica died, the balancer closed it) it reconnects through the balancer with `Last-Event-ID`,
 * the id of the last event it got, and carries on. Records every event id and each reconnect.
 */
import { openSse, type SseClient } from '../../helpers/sse';

export class ResumingStream {
  readonly ids: number[] = [];
  reconnects = 0;
  private current: SseClient | undefined;
  private closed = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {
    this.done = this.loop();
  }

  private get lastId(): number | undefined {
    return this.ids.length ? Math.max(...this.ids) : undefined;
  }

  private async loop(): Promise<void> {
    let opened = false;
    while (!this.closed) {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
      if (this.lastId !== undefined) headers['Last-Event-ID'] = String(this.lastId);
      try {
        const client = await openSse(this.url, headers);
        if (client.status !== 200) throw new Error(`stream answered ${client.status}`);
        if (opened) this.reconnects += 1;
        opened = true;
        this.current = client;
        const seen = client.events.length;
        const collect = setInterval(() => this.take(client, seen), 100);
        await client.ended;
        clearInterval(collect);
        this.take(client, seen);
      } catch {
        /* refused or 503 while the balancer has no ready replica: retry like EventSource */
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 500));
    }
  }

  private taken = new WeakMap<SseClient, number>();
  private take(client: SseClient, from: number): void {
    const start = this.taken.get(client) ?? from;
    for (const e of client.events.slice(start)) if (e.event === 'notification' && e.id !== undefined) this.ids.push(Number(e.id));
    this.taken.set(client, client.events.length);
  }

  /** Waits until an event with id ≥ `id` arrived (the positive marker before any absence is asserted). */
  async waitForId(id: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((this.lastId ?? -1) >= id) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current?.close();
    await this.done;
  }
}
