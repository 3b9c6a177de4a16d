/**
 * Sign-up for customers (POST /auth/register). Built only when asked for, so the login form stays
 * the only form with "Email" and "Password" fields until then. The API's password rule is shown
 * up front and its answer (too short, too common, email taken) is shown as it comes.
 */
import { api, describeError, setSession, type Session, type User } from './api';
import { h, showMessage } from './dom';

export function signupForm(onSignedUp: (user: User) => void, onCancel: () => void): HTMLFormElement {
  const error = h('p', { class: 'message error', role: 'alert', id: 'signup-error' });
  const name = h('input', { id: 'signup-name', name: 'name', autocomplete: 'name', required: true });
  const email = h('input', { id: 'signup-email', name: 'email', type: 'email', autocomplete: 'email', required: true });
  const password = h('input', { id: 'signup-password', name: 'new-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, 'aria-describedby': 'signup-rule signup-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const back = h('button', { type: 'button', class: 'link', onclick: onCancel }, 'Back to log in');

  const form = h(
    'form',
    { class: 'panel login-form', 'aria-labelledby': 'signup-heading' },
    h('h2', { id: 'signup-heading' }, 'Create a customer account'),
    error,
    h('label', { for: 'signup-name' }, 'Your name'),
    name,
    h('label', { for: 'signup-email' }, 'Your email address'),
    email,
    h('label', { for: 'signup-password' }, 'Choose a password'),
    password,
    h('p', { class: 'muted', id: 'signup-rule' }, 'At least 10 characters, not your email, not a common password.'),
    submit,
    back,
  );
  showMessage(error, undefined);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      submit.disabled = true;
      showMessage(error, undefined);
      try {
        // the browser's Accept-Language picks the account's locale (es or en)
        const res = await api<Session>('POST', '/auth/register', { name: name.value, email: email.value, password: password.value }, { auth: false });
        setSession(res);
        onSignedUp(res.user);
      } catch (err) {
        showMessage(error, describeError(err));
        password.focus();
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return form;
}
