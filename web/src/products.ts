/**
 * The catalog with live stock: loaded from GET /products whenever the stock stream (re)opens, then
 * kept current by its `stock` events (the highest version wins). Customers follow products and
 * reserve; staff reserve on behalf of a customer named in "Sell to".
 */
import { api, describeError, newIdempotencyKey, type Product, type Sale, type StockEvent, type User } from './api';
import { h, setChildren, showMessage } from './dom';
import { formatMoney, stockLabel } from './format';
import { t } from './i18n';
import { openStream, type StreamState } from './stream';

/** products shown before "Show all" */
const FIRST_FEW = 12;

export interface ProductsPanel {
  element: HTMLElement;
  nameOf(productId: string): string;
  /** reload the catalog and the follows (a follow changed elsewhere on the page) */
  refresh(): void;
  dispose(): void;
}

interface Card {
  product: Product;
  root: HTMLLIElement;
  status: HTMLElement;
  available: HTMLElement;
  detail: HTMLElement;
  reserveButton: HTMLButtonElement;
  follow?: HTMLButtonElement;
  message: HTMLElement;
}

export function productsPanel(
  user: User,
  hooks: { onSaleCreated(sale: Sale): void; onStreamState(state: StreamState): void; onFollowChanged?(): void },
): ProductsPanel {
  const staff = user.role !== 'customer';
  const cards = new Map<string, Card>();
  const following = new Set<string>();
  const list = h('ul', { class: 'cards products', 'aria-label': 'Products' });
  // a long catalog stays usable on a phone: filter by name or SKU, and a first few until asked
  let showAll = false;
  const filter = h('input', { id: 'product-filter', type: 'search', autocomplete: 'off', placeholder: t().filterPlaceholder });
  const shown = h('span', { class: 'muted', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'link' });
  const filterBar = h(
    'div',
    { class: 'filter-bar' },
    h('div', { class: 'field' }, h('label', { for: 'product-filter' }, t().filterProducts), filter),
    h('p', { class: 'shown' }, shown, ' ', more),
  );
  const loadError = h('p', { class: 'message error', role: 'alert', hidden: true });

  const customerName = h('input', { id: 'sell-name', type: 'text', autocomplete: 'off', value: 'Walk-in customer' });
  const customerEmail = h('input', { id: 'sell-email', type: 'email', autocomplete: 'off', value: 'walk-in@example.com' });
  const sellTo = staff
    ? h(
        'fieldset',
        { class: 'sell-to' },
        h('legend', {}, t().sellTo),
        h('div', { class: 'field' }, h('label', { for: 'sell-name' }, t().customerName), customerName),
        h('div', { class: 'field' }, h('label', { for: 'sell-email' }, t().customerEmail), customerEmail),
      )
    : null;

  function renderStock(card: Card): void {
    const p = card.product;
    card.status.className = `badge stock-${p.status}`;
    card.status.textContent = stockLabel(p.status);
    card.available.textContent = String(p.available);
    card.detail.textContent = t().available(p.onHand, p.reserved);
    card.reserveButton.disabled = p.available <= 0;
    card.root.dataset.status = p.status;
  }

  function renderFollow(card: Card): void {
    if (!card.follow) return;
    const on = following.has(card.product.id);
    card.follow.textContent = on ? t().unfollow : t().follow;
    card.follow.setAttribute('aria-label', `${on ? t().unfollow : t().follow} ${card.product.name}`);
    card.follow.classList.toggle('on', on);
    card.root.dataset.following = String(on);
  }

  /** A message under the card: errors are alerts, confirmations polite status updates. */
  function say(card: Card, kind: 'ok' | 'error', text: string): void {
    card.message.className = `message ${kind}`;
    card.message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    showMessage(card.message, text);
  }

  function flash(card: Card): void {
    card.root.classList.remove('changed');
    void card.root.offsetWidth; // restart the animation
    card.root.classList.add('changed');
  }

  async function toggleFollow(card: Card): Promise<void> {
    const id = card.product.id;
    const on = following.has(id);
    card.follow!.disabled = true;
    showMessage(card.message, undefined);
    try {
      await api(on ? 'DELETE' : 'POST', `/products/${encodeURIComponent(id)}/follow`);
      if (on) following.delete(id);
      else following.add(id);
      renderFollow(card);
      hooks.onFollowChanged?.();
    } catch (err) {
      say(card, 'error', describeError(err));
    } finally {
      card.follow!.disabled = false;
    }
  }

  async function reserve(card: Card, quantity: number): Promise<void> {
    showMessage(card.message, undefined);
    card.reserveButton.disabled = true;
    try {
      const body: Record<string, unknown> = { items: [{ productId: card.product.id, quantity }] };
      if (staff) Object.assign(body, { customerName: customerName.value, customerEmail: customerEmail.value });
      // this click's key: a retry after a lost answer gets the same sale back, never a second one
      const sale = await api<Sale>('POST', '/sales', body, { idempotencyKey: newIdempotencyKey() });
      say(card, 'ok', t().reserved(quantity, card.product.name, sale.id.slice(0, 8)));
      hooks.onSaleCreated(sale);
    } catch (err) {
      say(card, 'error', describeError(err, panel.nameOf));
    } finally {
      card.reserveButton.disabled = card.product.available <= 0;
    }
  }

  function buildCard(p: Product): Card {
    const qtyId = `qty-${p.id}`;
    const quantity = h('input', { id: qtyId, type: 'number', min: 1, step: 1, value: 1, inputmode: 'numeric', class: 'qty' });
    const reserveButton = h('button', { type: 'submit' }, staff ? t().sell : t().reserve);
    const form = h('form', { class: 'reserve', 'aria-label': t().reserveLabel(p.name) }, h('label', { for: qtyId }, t().qty), quantity, reserveButton);
    const card: Card = {
      product: p,
      root: h('li', { class: 'card product', 'data-product-id': p.id }),
      status: h('span', { class: 'badge' }),
      available: h('strong', { class: 'available' }),
      detail: h('span', { class: 'muted' }),
      reserveButton,
      follow: staff ? undefined : h('button', { type: 'button', class: 'follow' }),
      message: h('p', { class: 'message', role: 'status', hidden: true }),
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = Number(quantity.value);
      if (!Number.isInteger(n) || n < 1) {
        say(card, 'error', t().wholeNumber);
        quantity.focus();
        return;
      }
      void reserve(card, n);
    });
    card.follow?.addEventListener('click', () => void toggleFollow(card));
    setChildren(
      card.root,
      h('div', { class: 'card-head' }, h('h3', {}, p.name), card.status),
      h('p', { class: 'muted' }, `${p.sku} · `, h('span', { class: 'price' }, formatMoney(p.price))),
      h('p', { class: 'stock' }, card.available, card.detail),
      h('div', { class: 'actions' }, card.follow, form),
      card.message,
    );
    renderStock(card);
    renderFollow(card);
    return card;
  }

  function applyFilter(): void {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let matching = 0;
    let visible = 0;
    for (const el of list.children) {
      const card = cards.get((el as HTMLElement).dataset.productId ?? '');
      const text = card ? `${card.product.name} ${card.product.sku}`.toLowerCase() : '';
      const match = words.every((w) => text.includes(w));
      if (match) matching += 1;
      const show = match && (showAll || visible < FIRST_FEW);
      if (show) visible += 1;
      (el as HTMLElement).hidden = !show;
    }
    shown.textContent = t().showing(visible, matching, words.length > 0);
    more.hidden = matching <= FIRST_FEW;
    more.textContent = showAll ? t().showFewer : t().showAll(matching);
  }

  filter.addEventListener('input', applyFilter);
  more.addEventListener('click', () => {
    showAll = !showAll;
    applyFilter();
  });

  let reloadSoon: number | undefined;

  function applyStock(change: StockEvent): void {
    const card = cards.get(change.productId);
    if (!card) {
      // a product created since the catalog was loaded
      window.clearTimeout(reloadSoon);
      reloadSoon = window.setTimeout(() => void load(), 300);
      return;
    }
    if (change.version <= card.product.version) return; // older than what is shown
    card.product = { ...card.product, onHand: change.onHand, reserved: change.reserved, available: change.available, status: change.status, version: change.version };
    renderStock(card);
    flash(card);
  }

  async function load(): Promise<void> {
    try {
      const [products, follows] = await Promise.all([
        api<Product[]>('GET', '/products'),
        staff ? Promise.resolve([] as { id: string }[]) : api<{ id: string }[]>('GET', '/me/follows'),
      ]);
      following.clear();
      for (const f of follows) following.add(f.id);
      const seen = new Set<string>();
      for (const p of products) {
        seen.add(p.id);
        const card = cards.get(p.id);
        if (!card) cards.set(p.id, buildCard(p));
        else {
          if (p.version > card.product.version) {
            card.product = p;
            renderStock(card);
          }
          renderFollow(card);
        }
      }
      for (const id of [...cards.keys()]) if (!seen.has(id)) cards.delete(id);
      const wanted = products.map((p) => cards.get(p.id)!.root);
      const current = [...list.children];
      if (wanted.length !== current.length || wanted.some((el, i) => el !== current[i])) list.replaceChildren(...wanted);
      applyFilter();
      showMessage(loadError, undefined);
    } catch (err) {
      showMessage(loadError, `${t().loadProductsFailed} ${describeError(err)}`);
    }
  }

  const stream = openStream({
    path: '/products/stream',
    event: 'stock',
    onEvent: (data) => applyStock(data as StockEvent),
    onOpen: () => void load(), // the stream is live first, so nothing falls between the load and it
    onState: hooks.onStreamState,
  });

  const element = h(
    'section',
    { class: 'panel products-panel', 'aria-labelledby': 'products-heading' },
    h('h2', { id: 'products-heading' }, t().products),
    h('p', { class: 'hint' }, staff ? t().productsHintStaff : t().productsHintCustomer),
    sellTo,
    filterBar,
    loadError,
    list,
  );

  const panel: ProductsPanel = {
    element,
    nameOf: (productId) => cards.get(productId)?.product.name ?? productId,
    refresh: () => void load(),
    dispose: () => {
      window.clearTimeout(reloadSoon);
      stream.close();
    },
  };
  return panel;
}
