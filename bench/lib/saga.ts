/** The saga's lifecycle as a client drives it (POST /sales, PATCH COMPLETED), and the groups that consume its events. */
import { ANALYTICS_GROUP, NOTIFY_GROUPS } from '../../consumers';
import { ANALYTICS_TOPICS } from '../../consumers/analytics';
import { EVENT_TOPICS } from '../../shared/topics';
import type { ApiClient } from '../../test/chaos/support/http';
import type { Lifecycle } from './loadgen';

/** Every consumer group the saga's events reach, with its topics: lag is measured over these. */
export const SAGA_CONSUMER_GROUPS: Record<string, string[]> = {
  [NOTIFY_GROUPS.admin]: [...EVENT_TOPICS],
  [NOTIFY_GROUPS.sales]: [...EVENT_TOPICS],
  [NOTIFY_GROUPS.customers]: [...EVENT_TOPICS],
  [ANALYTICS_GROUP]: [...ANALYTICS_TOPICS],
};

/** POST /sales (one random product of `products`) then PATCH …/status COMPLETED, as a client would. */
export function sagaLifecycle(api: ApiClient, token: string, products: string[], onCompleted?: (saleId: string, completedAt: string) => void): Lifecycle {
  return {
    create: async () => {
      const productId = products[Math.floor(Math.random() * products.length)]!;
      const res = await api.request<{ id: string }>('POST', '/sales', {
        token,
        body: { customerName: 'Bench Customer', customerEmail: 'bench@example.com', items: [{ productId, quantity: 1 }] },
        timeoutMs: 60_000,
      });
      if (res.status !== 201) throw new Error(`POST /sales ${res.status || res.error} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res.body.id;
    },
    complete: async (created) => {
      const id = created as string;
      const res = await api.request<{ completedAt: string }>('PATCH', `/sales/${id}/status`, { token, body: { status: 'COMPLETED', paymentMethod: 'CASH' }, timeoutMs: 60_000 });
      if (res.status !== 200) throw new Error(`PATCH ${res.status || res.error} ${JSON.stringify(res.body).slice(0, 200)}`);
      onCompleted?.(id, res.body.completedAt);
    },
  };
}
