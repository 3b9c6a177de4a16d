/**
 * The live page: log in, then the catalog with live stock, the caller's live notification feed and
 * the sales. Everything comes from the API this page is served by; the two live streams are
 * Server-Sent Events (no polling).
 */
import { api, currentToken, describeError, handleUnauthorized, logout as endSession, resumeSession, type UiConfig, type User } from './api';
import { h, setChildren } from './dom';
import { LOCALE_NAMES, currentLocale, setLocale, t, type Locale } from './i18n';
import { loginView } from './login';
import { notificationsPanel } from './notifications';
import { preferencesPanel } from './preferences';
import { productsPanel } from './products';
import { salesPanel } from './sales';
import type { StreamState } from './stream';

const root = document.getElementById('app')!;
let disposeDashboard: (() => void) | undefined;

/** `locale`: chosen with the login page's language switch; otherwise the browser's language */
function showLogin(config: UiConfig, notice?: string, locale?: Locale): void {
  disposeDashboard?.();
  disposeDashboard = undefined;
  setLocale(locale); // the browser's language until someone logs in or picks another
  setChildren(root, loginView(config, (user) => showDashboard(config, user), { notice, onLanguage: (l) => showLogin(config, notice, l) }));
  document.title = `sales-saga · ${t().logIn}`;
  document.getElementById('login-email')?.focus();
}

function liveIndicator(): { element: HTMLElement; set(stream: string, state: StreamState): void } {
  const states = new Map<string, StreamState>();
  const element = h('span', { class: 'live', role: 'status' });
  const set = (stream: string, state: StreamState): void => {
    states.set(stream, state);
    const all = [...states.values()];
    const live = all.length === 2 && all.every((s) => s === 'open');
    element.className = `live ${live ? 'on' : 'off'}`;
    element.textContent = live ? t().live : all.includes('reconnecting') ? t().reconnecting : t().connecting;
  };
  set('products', 'connecting');
  return { element, set };
}

/** The language switch: PATCH /me, then the dashboard is drawn again in the new language. */
function languageSwitch(config: UiConfig, user: User): HTMLElement {
  const choice = h(
    'select',
    { id: 'language', 'aria-label': t().language },
    (Object.keys(LOCALE_NAMES) as Locale[]).map((l) => h('option', { value: l, selected: l === currentLocale(), lang: l }, LOCALE_NAMES[l])),
  );
  choice.addEventListener('change', () => {
    choice.disabled = true;
    void api<User>('PATCH', '/me', { locale: choice.value })
      .then((updated) => showDashboard(config, { ...user, ...updated }))
      .catch(() => {
        choice.value = currentLocale();
        choice.disabled = false;
      });
  });
  return choice;
}

function showDashboard(config: UiConfig, user: User): void {
  disposeDashboard?.();
  setLocale(user.locale);
  const live = liveIndicator();
  const sales = salesPanel(user, config);
  const customer = user.role === 'customer';
  // each panel tells the other when a follow changed (the product cards and the panel's list)
  const preferences = preferencesPanel({ follows: customer, onUnfollow: () => products.refresh() });
  const products = productsPanel(user, {
    onSaleCreated: (sale) => sales.added(sale),
    onStreamState: (s) => live.set('products', s),
    onFollowChanged: () => preferences.refreshFollows(),
  });
  const notifications = notificationsPanel({
    onNotification: (n) => {
      if (n.kind === 'sale') sales.refresh();
    },
    onStreamState: (s) => live.set('notifications', s),
  });

  const logout = h('button', { type: 'button', class: 'link' }, t().logout);
  logout.addEventListener('click', () => {
    logout.disabled = true;
    void endSession().finally(() => showLogin(config, undefined));
  });

  setChildren(
    root,
    h(
      'header',
      { class: 'topbar' },
      h('h1', {}, 'sales-saga'),
      live.element,
      h('div', { class: 'who' }, h('span', {}, user.name), h('span', { class: `badge role-${user.role}` }, t().roles[user.role] ?? user.role), languageSwitch(config, user), logout),
    ),
    h('main', { class: 'dashboard' }, products.element, notifications.element, sales.element, preferences.element),
  );
  disposeDashboard = () => {
    products.dispose();
    notifications.dispose();
    sales.dispose();
  };
}

async function boot(): Promise<void> {
  let config: UiConfig;
  try {
    config = await api<UiConfig>('GET', '/ui-config', undefined, { auth: false });
  } catch (err) {
    setChildren(root, h('main', { class: 'login' }, h('h1', {}, 'sales-saga'), h('p', { class: 'message error', role: 'alert' }, `The page cannot start. ${describeError(err)}`)));
    return;
  }
  handleUnauthorized((reason) => {
    setLocale(undefined); // the notice in the language the login page is drawn in (the browser's)
    showLogin(config, t().sessionEnded(reason));
  });
  if (!currentToken()) return showLogin(config);
  resumeSession();
  try {
    showDashboard(config, await api<User>('GET', '/me'));
  } catch (err) {
    // a 401 has already shown the login form with its reason
    if (currentToken()) showLogin(config, describeError(err));
  }
}

void boot();
