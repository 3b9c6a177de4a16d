/**
 * Sales: a customer's own, everyone's for staff; newest first, a page at a time. Reserved sales
 * count down to their expiry; staff complete them (payment method, reference) and anyone who sees
 * a reserved sale may cancel it (the API decides; its refusal is shown on the sale). The list is
 * reloaded when a sale notification arrives, so changes made elsewhere show up without polling.
 */
import { ApiError, api, describeError, type Page, type Sale, type UiConfig, type User } from './api';
import { h, setChildren } from './dom';
import { t } from './i18n';
import { PAYMENT_METHODS, countdown, formatMoney, formatTime, paymentLabel, saleLabel, shortId } from './format';

const PAGE_SIZE = 10;
/** after a reservation's expiry, give the saga this long to cancel it before reloading */
const EXPIRY_GRACE_MS = 3_000;

export interface SalesPanel {
  element: HTMLElement;
  /** reload the page shown (a sale changed somewhere) */
  refresh(): void;
  /** a sale this page just created */
  added(sale: Sale): void;
  dispose(): void;
}

export function salesPanel(user: User, config: UiConfig): SalesPanel {
  const staff = user.role !== 'customer';
  const rows = new Map<string, { sale: Sale; el: HTMLLIElement }>();
  const errors = new Map<string, string>();
  const expiredSeen = new Set<string>();
  let page = 1;
  let total = 0;
  let loading: Promise<void> | undefined;
  let again = false;

  const list = h('ol', { class: 'cards sales', 'aria-label': staff ? 'All sales, newest first' : 'Your sales, newest first' });
  const empty = h('p', { class: 'muted empty', hidden: true }, staff ? 'No sales yet.' : 'You have no sales yet. Reserve a product to start one.');
  const loadError = h('p', { class: 'message error', role: 'alert', hidden: true });
  const newer = h('button', { type: 'button', onclick: () => go(page - 1) }, '← Newer');
  const older = h('button', { type: 'button', onclick: () => go(page + 1) }, 'Older →');
  const position = h('span', { class: 'muted', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Sales pages', hidden: true }, newer, position, older);

  const sagaUrl = (sale: Sale): string =>
    `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(sale.workflowId)}`;

  function statusLine(sale: Sale): HTMLElement {
    if (sale.status === 'RESERVED') {
      return h(
        'p',
        { class: 'expires' },
        'Reserved until ',
        h('time', { datetime: sale.expiresAt }, formatTime(sale.expiresAt)),
        ' · expires in ',
        h('span', { class: 'countdown', 'data-expires': Date.parse(sale.expiresAt), 'data-sale-id': sale.id }, countdown(Date.parse(sale.expiresAt))),
      );
    }
    if (sale.status === 'COMPLETED') {
      return h('p', { class: 'outcome' }, `Paid by ${paymentLabel(sale.paymentMethod ?? '')}`, sale.paymentReference ? ` · reference ${sale.paymentReference}` : null);
    }
    return h('p', { class: 'outcome' }, 'Cancelled', sale.cancelReason ? `: ${sale.cancelReason}` : '', '; the stock was returned.');
  }

  function actions(sale: Sale): HTMLElement | null {
    if (sale.status !== 'RESERVED') return null;
    const cancel = h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel sale ${shortId(sale.id)}` }, 'Cancel sale');
    cancel.addEventListener('click', () => void change(sale, { status: 'CANCELLED', reason: staff ? 'cancelled by staff on the live page' : 'cancelled by the customer' }, cancel));
    if (!staff) return h('div', { class: 'actions' }, cancel);

    const methodId = `pm-${sale.id}`;
    const refId = `ref-${sale.id}`;
    const method = h('select', { id: methodId, name: 'paymentMethod' }, PAYMENT_METHODS.map(([value, label]) => h('option', { value }, label)));
    const reference = h('input', { id: refId, name: 'paymentReference', type: 'text', maxlength: 200, autocomplete: 'off' });
    const complete = h('button', { type: 'submit', class: 'primary' }, 'Complete');
    const form = h(
      'form',
      { class: 'complete', 'aria-label': `Complete sale ${shortId(sale.id)}` },
      h('div', { class: 'field' }, h('label', { for: methodId }, 'Payment method'), method),
      h('div', { class: 'field' }, h('label', { for: refId }, 'Reference (optional)'), reference),
      complete,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const paymentReference = reference.value.trim();
      void change(sale, { status: 'COMPLETED', paymentMethod: method.value, ...(paymentReference ? { paymentReference } : {}) }, complete);
    });
    return h('div', { class: 'actions' }, form, cancel);
  }

  function render(sale: Sale): HTMLLIElement {
    const error = errors.get(sale.id);
    const discount = Number(sale.discount);
    return h(
      'li',
      { class: 'card sale', 'data-sale-id': sale.id, 'data-status': sale.status, tabindex: -1 },
      h('div', { class: 'card-head' }, h('h3', {}, `Sale ${shortId(sale.id)}`), h('span', { class: `badge sale-${sale.status}` }, saleLabel(sale.status))),
      h('p', { class: 'muted' }, staff ? `${sale.customerName} <${sale.customerEmail}> · ` : null, formatTime(sale.createdAt)),
      h('ul', { class: 'items' }, sale.items.map((i) => h('li', {}, `${i.quantity} × ${i.productName}`, h('span', { class: 'muted' }, ` ${formatMoney(i.lineTotal)}`)))),
      h('p', { class: 'total' }, 'Total ', h('strong', {}, formatMoney(sale.total)), discount > 0 ? h('span', { class: 'muted' }, ` (${discount}% off ${formatMoney(sale.subtotal)})`) : null),
      statusLine(sale),
      // staff only: the Temporal Web UI has no login and lists every customer's sales and email
      staff ? h('p', {}, h('a', { href: sagaUrl(sale), target: '_blank', rel: 'noopener noreferrer', class: 'saga' }, 'Saga in Temporal UI', h('span', { class: 'visually-hidden' }, ` for sale ${shortId(sale.id)} (opens in a new tab)`))) : null,
      actions(sale),
      error ? h('p', { class: 'message error', role: 'alert' }, error) : null,
    );
  }

  /** Shows `sale` unless what is shown is newer; keeps focus on the sale for keyboard users. */
  function upsert(sale: Sale, focus = false): void {
    const row = rows.get(sale.id);
    if (!row) return;
    if (sale.version < row.sale.version) return;
    const el = render(sale);
    row.el.replaceWith(el);
    rows.set(sale.id, { sale, el });
    if (focus) el.focus();
  }

  async function change(sale: Sale, body: Record<string, unknown>, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    errors.delete(sale.id);
    try {
      upsert(await api<Sale>('PATCH', `/sales/${sale.id}/status`, body), true);
    } catch (err) {
      errors.set(sale.id, describeError(err));
      let now = sale;
      // refused because the sale moved on (completed, cancelled, expired): show where it is now
      if (err instanceof ApiError && err.status === 409) now = await api<Sale>('GET', `/sales/${sale.id}`).catch(() => sale);
      const row = rows.get(sale.id);
      if (row) {
        const el = render(now);
        row.el.replaceWith(el);
        rows.set(sale.id, { sale: now, el });
        el.focus();
      }
    }
  }

  async function load(): Promise<void> {
    try {
      const res = await api<Page<Sale>>('GET', `/sales?limit=${PAGE_SIZE}&page=${page}`);
      total = res.total;
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      if (page > pages) {
        page = pages;
        return load();
      }
      const wanted: HTMLLIElement[] = [];
      const keep = new Set<string>();
      for (const sale of res.data) {
        keep.add(sale.id);
        const row = rows.get(sale.id);
        if (row && row.sale.version >= sale.version) wanted.push(row.el);
        else {
          const el = render(sale);
          row?.el.replaceWith(el);
          rows.set(sale.id, { sale, el });
          wanted.push(el);
        }
      }
      for (const id of [...rows.keys()]) if (!keep.has(id)) rows.delete(id);
      const current = [...list.children];
      // only re-order when needed: moving a row would take the focus from a control in it
      if (wanted.length !== current.length || wanted.some((el, i) => el !== current[i])) list.replaceChildren(...wanted);
      empty.hidden = total > 0;
      newer.disabled = page <= 1;
      older.disabled = page >= pages;
      pager.hidden = pages <= 1;
      position.textContent = `Page ${page} of ${pages} · ${total} sales`;
      loadError.hidden = true;
    } catch (err) {
      setChildren(loadError, `Could not load the sales. ${describeError(err)}`);
      loadError.hidden = false;
    }
  }

  /** Loads, one request at a time; a request made meanwhile loads once more afterwards. */
  function reload(): void {
    if (loading) {
      again = true;
      return;
    }
    loading = load().finally(() => {
      loading = undefined;
      if (again) {
        again = false;
        reload();
      }
    });
  }

  function go(to: number): void {
    page = Math.max(1, to);
    reload();
  }

  const ticker = window.setInterval(() => {
    const now = Date.now();
    for (const el of list.querySelectorAll<HTMLElement>('.countdown')) {
      const until = Number(el.dataset.expires);
      el.textContent = until > now ? countdown(until, now) : '0:00 (expired; the saga is cancelling it)';
      const id = el.dataset.saleId;
      if (until <= now && id && !expiredSeen.has(id)) {
        expiredSeen.add(id);
        window.setTimeout(reload, EXPIRY_GRACE_MS);
      }
    }
  }, 1_000);

  reload();
  const element = h(
    'section',
    { class: 'panel sales-panel', 'aria-labelledby': 'sales-heading' },
    h('h2', { id: 'sales-heading' }, staff ? t().allSales : t().yourSales),
    loadError,
    empty,
    list,
    pager,
  );
  return {
    element,
    refresh: reload,
    added: () => {
      if (page === 1) reload();
    },
    dispose: () => window.clearInterval(ticker),
  };
}
