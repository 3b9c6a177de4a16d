/**
 * The login form, with the demo users listed when the server seeds them (development), in the
 * browser's language until the language switch here picks another (nobody is logged in yet, so
 * the choice stays in the page; sign-up gives it to the new account).
 */
import type { UiConfig, User } from './api';
import { authForm, postAnonymous } from './auth-form';
import { h, showMessage } from './dom';
import { LOCALE_NAMES, currentLocale, t, type Locale } from './i18n';
import { signupForm } from './signup';

export interface LoginOptions {
  notice?: string;
  /** the language switch: draw the login page again in `locale` */
  onLanguage(locale: Locale): void;
}

export function loginView(config: UiConfig, onLoggedIn: (user: User) => void, options: LoginOptions): HTMLElement {
  const signUp = h('button', { type: 'button', class: 'link' }, t().newCustomer);
  const { form, error, inputs } = authForm({
    id: 'login',
    heading: t().logIn,
    fields: [
      { key: 'email', label: t().loginEmail, attrs: { type: 'email', autocomplete: 'username', 'aria-describedby': 'login-error' } },
      { key: 'password', label: t().loginPassword, attrs: { type: 'password', autocomplete: 'current-password' } },
    ],
    submitLabel: t().logInButton,
    afterSubmit: signUp,
    send: (v) => postAnonymous('/auth/login', { email: v.email, password: v.password }),
    onDone: onLoggedIn,
    retryField: 'password',
  });
  const { email, password } = inputs;
  showMessage(error, options.notice);

  const demo =
    config.demoUsers.length === 0
      ? null
      : h(
          'section',
          { class: 'panel demo-users', 'aria-labelledby': 'demo-heading' },
          h('h2', { id: 'demo-heading' }, t().demoUsers),
          h('p', {}, t().demoPassword, h('code', {}, config.demoPasswordHint ?? '')),
          h(
            'ul',
            {},
            config.demoUsers.map((u) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    onclick: () => {
                      email.value = u.email;
                      // the default demo password is public; one someone set is typed by them
                      if (config.demoPasswordHint === 'demo-password') {
                        password.value = config.demoPasswordHint;
                        form.requestSubmit();
                      } else password.focus();
                    },
                  },
                  h('span', { class: 'who' }, u.name),
                  h('span', { class: 'muted' }, ` ${u.email} · ${u.role}`),
                ),
              ),
            ),
          ),
        );

  signUp.addEventListener('click', () => {
    const signup = signupForm(onLoggedIn, () => {
      signup.replaceWith(form);
      email.focus();
    });
    form.replaceWith(signup);
    signup.querySelector('input')?.focus();
  });

  const language = h(
    'select',
    { id: 'login-language', 'aria-label': t().language },
    (Object.keys(LOCALE_NAMES) as Locale[]).map((l) => h('option', { value: l, selected: l === currentLocale(), lang: l }, LOCALE_NAMES[l])),
  );
  language.addEventListener('change', () => options.onLanguage(language.value as Locale));

  return h(
    'main',
    { class: 'login' },
    h('div', { class: 'login-language' }, language),
    h('h1', {}, 'sales-saga'),
    h('p', { class: 'lead' }, t().lead),
    h('div', { class: 'login-grid' }, form, demo),
  );
}
