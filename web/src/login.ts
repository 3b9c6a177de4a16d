/** The login form, with the demo users listed when the server seeds them (development). */
import { api, describeError, setSession, type Session, type UiConfig, type User } from './api';
import { h, showMessage } from './dom';
import { signupForm } from './signup';

export function loginView(config: UiConfig, onLoggedIn: (user: User) => void, notice?: string): HTMLElement {
  const error = h('p', { class: 'message error', role: 'alert', id: 'login-error' });
  const email = h('input', { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');

  const form = h(
    'form',
    { class: 'panel login-form', 'aria-labelledby': 'login-heading' },
    h('h2', { id: 'login-heading' }, 'Log in'),
    error,
    h('label', { for: 'login-email' }, 'Email'),
    email,
    h('label', { for: 'login-password' }, 'Password'),
    password,
    submit,
  );
  showMessage(error, notice);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      submit.disabled = true;
      showMessage(error, undefined);
      try {
        const res = await api<Session>('POST', '/auth/login', { email: email.value, password: password.value }, { auth: false });
        setSession(res);
        onLoggedIn(res.user);
      } catch (err) {
        showMessage(error, describeError(err));
        password.focus();
      } finally {
        submit.disabled = false;
      }
    })();
  });

  const demo =
    config.demoUsers.length === 0
      ? null
      : h(
          'section',
          { class: 'panel demo-users', 'aria-labelledby': 'demo-heading' },
          h('h2', { id: 'demo-heading' }, 'Demo users'),
          h('p', {}, 'Password: ', h('code', {}, config.demoPasswordHint ?? '')),
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

  const signUp = h('button', { type: 'button', class: 'link' }, 'New customer? Create an account');
  form.append(signUp);
  signUp.addEventListener('click', () => {
    const signup = signupForm(onLoggedIn, () => {
      signup.replaceWith(form);
      email.focus();
    });
    form.replaceWith(signup);
    signup.querySelector('input')?.focus();
  });

  return h(
    'main',
    { class: 'login' },
    h('h1', {}, 'sales-saga'),
    h('p', { class: 'lead' }, 'Live stock, sales and notifications.'),
    h('div', { class: 'login-grid' }, form, demo),
  );
}
