/**
 * The caller's notification feed: the inbox (GET /notifications) plus the live stream; newest at
 * the top. The stream is opened first and the inbox loaded when it opens, so nothing is missed;
 * items are kept by id, so one arriving both ways shows once. EventSource resumes a dropped stream
 * with Last-Event-ID, and the server replays what was missed.
 */
import { api, describeError, type Notification } from './api';
import { h, setChildren, showMessage } from './dom';
import { formatTime } from './format';
import { t } from './i18n';
import { openStream, type StreamState } from './stream';

const INBOX_SIZE = 30;

export interface NotificationsPanel {
  element: HTMLElement;
  dispose(): void;
}

export function notificationsPanel(hooks: { onNotification(n: Notification): void; onStreamState(state: StreamState): void }): NotificationsPanel {
  const items = new Map<number, { n: Notification; el: HTMLLIElement }>();
  let unread = 0;
  let loaded = false;

  const count = h('span', { class: 'count', 'data-testid': 'unread-count' });
  const list = h('ol', { class: 'feed', 'aria-label': t().feedLabel, 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'muted empty' }, t().nothingYet);
  const error = h('p', { class: 'message error', role: 'alert', hidden: true });

  function renderCount(): void {
    count.textContent = unread === 0 ? t().allRead : t().unread(unread);
    count.classList.toggle('has-unread', unread > 0);
    empty.hidden = items.size > 0;
    document.title = unread > 0 ? `(${unread}) sales-saga · live` : 'sales-saga · live';
  }

  function render(n: Notification): HTMLLIElement {
    const el = h('li', { class: `notification kind-${n.kind}${n.readAt ? '' : ' unread'}`, 'data-notification-id': n.id, tabindex: -1 });
    const markRead = n.readAt
      ? null
      : h('button', { type: 'button', class: 'link', 'aria-label': t().markReadLabel(n.title), onclick: () => void read(n.id) }, t().markRead);
    setChildren(
      el,
      h('p', { class: 'title' }, n.readAt ? null : h('span', { class: 'dot', 'aria-hidden': 'true' }), n.title),
      h('p', { class: 'body' }, n.body),
      h('p', { class: 'meta' }, h('time', { datetime: n.createdAt }, formatTime(n.createdAt)), n.readAt ? null : h('span', { class: 'visually-hidden' }, t().unreadHidden), markRead),
    );
    return el;
  }

  /** Puts `n` in the list at its place by id (newest first). */
  function place(n: Notification): void {
    const existing = items.get(n.id);
    const el = render(n);
    if (existing) existing.el.replaceWith(el);
    else {
      const after = [...items.values()].filter((i) => i.n.id < n.id).sort((a, b) => b.n.id - a.n.id)[0];
      if (after) list.insertBefore(el, after.el);
      else list.appendChild(el);
    }
    items.set(n.id, { n, el });
  }

  async function read(id: number): Promise<void> {
    try {
      const n = await api<Notification>('POST', `/notifications/${id}/read`);
      const wasUnread = items.get(id)?.n.readAt === null;
      place(n);
      if (wasUnread) unread = Math.max(0, unread - 1);
      renderCount();
      // keep focus in the feed for keyboard users: on the item that was just read
      items.get(id)?.el.focus();
    } catch (err) {
      showMessage(error, describeError(err));
    }
  }

  async function load(): Promise<void> {
    try {
      const inbox = await api<{ data: Notification[]; unread: number }>('GET', `/notifications?limit=${INBOX_SIZE}`);
      for (const n of inbox.data) place(n);
      unread = inbox.unread; // counts everything committed so far, including what the stream already brought
      loaded = true;
      showMessage(error, undefined);
      renderCount();
    } catch (err) {
      showMessage(error, `${t().loadNotificationsFailed} ${describeError(err)}`);
    }
  }

  function arrived(n: Notification): void {
    const known = items.has(n.id);
    place(n);
    if (!known && loaded && n.readAt === null) unread += 1;
    renderCount();
    hooks.onNotification(n);
  }

  const stream = openStream({
    path: '/notifications/stream',
    event: 'notification',
    resume: true, // ids are notification ids: a reconnect replays what was missed
    onEvent: (data) => arrived(data as Notification),
    onOpen: () => {
      if (!loaded) void load();
    },
    onState: hooks.onStreamState,
  });

  renderCount();
  const element = h(
    'section',
    { class: 'panel notifications-panel', 'aria-labelledby': 'notifications-heading' },
    h('h2', { id: 'notifications-heading' }, `${t().notifications} `, count),
    error,
    empty,
    list,
  );
  return { element, dispose: () => stream.close() };
}
