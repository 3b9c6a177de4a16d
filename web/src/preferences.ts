/**
 * The preferences panel: the category × channel grid of GET /me/preferences (in-app off or at once;
 * email off, at once, or in an hourly or daily digest), "send me email" at all, the daily digest's
 * local hour and time zone (any IANA zone; common ones offered, the API refuses an unknown one), the products whose
 * emails the user stopped (with a way back), saved with PUT /me/preferences; and the products the
 * user follows, each with Unfollow (DELETE /products/:id/follow).
 */
import { api, describeError, type Product } from './api';
import { h, setChildren, showMessage } from './dom';
import { stockLabel } from './format';
import { t } from './i18n';

type Cadence = 'off' | 'immediate' | 'hourly' | 'daily';
interface Preferences {
  grid: Record<string, { in_app: Cadence; email: Cadence }>;
  email: boolean;
  mutedProducts: string[];
  /** when the daily digest goes out: a local hour in an IANA time zone */
  digest: { hour: number; timeZone: string };
}

/** offered in the zone field; any other IANA zone may be typed (the API checks it: 400 if unknown) */
const COMMON_ZONES = ['Europe/Madrid', 'Atlantic/Canary', 'Europe/Lisbon', 'Europe/London', 'Europe/Paris', 'America/Mexico_City', 'America/Bogota', 'America/Lima', 'America/Santiago', 'America/Argentina/Buenos_Aires', 'America/New_York', 'America/Los_Angeles', 'UTC'];

const IN_APP: Cadence[] = ['off', 'immediate'];
const EMAIL: Cadence[] = ['off', 'immediate', 'hourly', 'daily'];

export interface PreferencesPanel {
  element: HTMLElement;
  /** the follows changed elsewhere on the page */
  refreshFollows(): void;
}

export function preferencesPanel(options: { follows: boolean; onUnfollow?(productId: string): void }): PreferencesPanel {
  const error = h('p', { class: 'message error', role: 'alert', hidden: true });
  const status = h('p', { class: 'message ok', role: 'status', hidden: true });
  const form = h('form', { class: 'preferences', 'aria-label': t().preferences });
  const follows = h('ul', { class: 'follows', 'aria-label': t().followedProducts });
  const selects = new Map<string, HTMLSelectElement>();
  const unmute = new Set<string>();

  function select(id: string, label: string, values: Cadence[], value: Cadence): HTMLSelectElement {
    const el = h('select', { id, 'aria-label': label }, values.map((v) => h('option', { value: v, selected: v === value }, t().cadences[v])));
    selects.set(id, el);
    return el;
  }

  function render(prefs: Preferences): void {
    selects.clear();
    unmute.clear();
    const rows = Object.entries(prefs.grid).map(([category, cell]) =>
      h(
        'tr',
        { 'data-category': category },
        h('th', { scope: 'row' }, t().categories[category] ?? category),
        h('td', {}, select(`pref-${category}-in_app`, `${t().categories[category] ?? category}: ${t().inApp}`, IN_APP, cell.in_app)),
        h('td', {}, select(`pref-${category}-email`, `${t().categories[category] ?? category}: ${t().email}`, EMAIL, cell.email)),
      ),
    );
    const allEmail = h('input', { id: 'pref-all-email', type: 'checkbox', checked: prefs.email });
    const muted =
      prefs.mutedProducts.length === 0
        ? null
        : h(
            'fieldset',
            { class: 'muted-products' },
            h('legend', {}, t().mutedProducts),
            h(
              'ul',
              {},
              prefs.mutedProducts.map((id) => {
                const box = h('input', { id: `unmute-${id}`, type: 'checkbox', 'data-product-id': id });
                box.addEventListener('change', () => (box.checked ? unmute.add(id) : unmute.delete(id)));
                return h('li', { 'data-muted-product': id }, box, ' ', h('label', { for: `unmute-${id}` }, `${t().resumeEmails}: ${id}`));
              }),
            ),
          );
    const digest = h(
      'fieldset',
      { class: 'digest-time' },
      h('legend', {}, t().digestHour),
      h('label', { for: 'pref-digest-hour' }, t().digestHourLabel),
      h('input', { id: 'pref-digest-hour', type: 'number', min: 0, max: 23, step: 1, required: true, value: prefs.digest.hour }),
      h('label', { for: 'pref-digest-zone' }, t().timeZone),
      h('input', { id: 'pref-digest-zone', list: 'pref-digest-zones', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'pref-digest-zone-hint', value: prefs.digest.timeZone }),
      h('datalist', { id: 'pref-digest-zones' }, COMMON_ZONES.map((z) => h('option', { value: z }))),
      h('p', { class: 'muted', id: 'pref-digest-zone-hint' }, t().timeZoneHint),
    );
    setChildren(
      form,
      h(
        'table',
        { class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t().category), h('th', { scope: 'col' }, t().inApp), h('th', { scope: 'col' }, t().email))),
        h('tbody', {}, rows),
      ),
      h('p', { class: 'all-email' }, allEmail, ' ', h('label', { for: 'pref-all-email' }, t().allEmail)),
      digest,
      muted,
      h('button', { type: 'submit', class: 'primary' }, t().save),
    );
  }

  async function load(): Promise<void> {
    try {
      render(await api<Preferences>('GET', '/me/preferences'));
      showMessage(error, undefined);
    } catch (err) {
      showMessage(error, `${t().loadPreferencesFailed} ${describeError(err)}`);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const grid: Record<string, Partial<Record<'in_app' | 'email', string>>> = {};
      for (const [id, el] of selects) {
        const [, category, channel] = /^pref-(.+)-(in_app|email)$/.exec(id)!;
        (grid[category!] ??= {})[channel as 'in_app' | 'email'] = el.value;
      }
      const email = (form.querySelector('#pref-all-email') as HTMLInputElement | null)?.checked ?? true;
      const hour = (form.querySelector('#pref-digest-hour') as HTMLInputElement).valueAsNumber;
      const timeZone = (form.querySelector('#pref-digest-zone') as HTMLInputElement).value.trim();
      const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
      button.disabled = true;
      showMessage(status, undefined);
      try {
        render(await api<Preferences>('PUT', '/me/preferences', { grid, email, digest: { hour, timeZone }, ...(unmute.size > 0 ? { unmuteProducts: [...unmute] } : {}) }));
        showMessage(error, undefined);
        showMessage(status, t().saved);
      } catch (err) {
        showMessage(error, describeError(err));
      } finally {
        button.disabled = false;
      }
    })();
  });

  async function loadFollows(): Promise<void> {
    if (!options.follows) return;
    try {
      const list = await api<(Product & { followedAt: string })[]>('GET', '/me/follows');
      if (list.length === 0) return setChildren(follows, h('li', { class: 'muted' }, t().noFollows));
      setChildren(
        follows,
        list.map((p) => {
          const button = h('button', { type: 'button', class: 'link', 'aria-label': `${t().unfollow} ${p.name}` }, t().unfollow);
          button.addEventListener('click', () => {
            button.disabled = true;
            void api('DELETE', `/products/${encodeURIComponent(p.id)}/follow`)
              .then(() => {
                options.onUnfollow?.(p.id);
                return loadFollows();
              })
              .catch((err: unknown) => {
                button.disabled = false;
                showMessage(error, describeError(err));
              });
          });
          return h('li', { 'data-followed-product': p.id }, h('span', {}, p.name), ' ', h('span', { class: `badge stock-${p.status}` }, stockLabel(p.status)), ' ', button);
        }),
      );
    } catch (err) {
      showMessage(error, describeError(err));
    }
  }

  void load();
  void loadFollows();
  const element = h(
    'section',
    { class: 'panel preferences-panel', 'aria-labelledby': 'preferences-heading' },
    h('h2', { id: 'preferences-heading' }, t().preferences),
    h('p', { class: 'hint' }, t().preferencesHint),
    error,
    status,
    form,
    options.follows ? h('h3', {}, t().followedProducts) : null,
    options.follows ? follows : null,
  );
  return { element, refreshFollows: () => void loadFollows() };
}
