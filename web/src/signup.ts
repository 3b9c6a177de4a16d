/**
 * Sign-up for customers (POST /auth/register). Built only when asked for, so the login form stays
 * the only form with "Email" and "Password" fields until then. The API's password rule is shown
 * up front and its answer (too short, too common, email taken) is shown as it comes. The account
 * gets the language the form is shown in.
 */
import type { User } from './api';
import { authForm, postAnonymous } from './auth-form';
import { h } from './dom';
import { currentLocale, t } from './i18n';

export function signupForm(onSignedUp: (user: User) => void, onCancel: () => void): HTMLFormElement {
  const { form } = authForm({
    id: 'signup',
    heading: t().signupHeading,
    fields: [
      { key: 'name', label: t().yourName, attrs: { autocomplete: 'name' } },
      { key: 'email', label: t().yourEmail, attrs: { type: 'email', autocomplete: 'email' } },
      { key: 'password', label: t().choosePassword, attrs: { name: 'new-password', type: 'password', autocomplete: 'new-password', minlength: 10, 'aria-describedby': 'signup-rule signup-error' } },
    ],
    beforeSubmit: h('p', { class: 'muted', id: 'signup-rule' }, t().passwordRule),
    submitLabel: t().createAccount,
    afterSubmit: h('button', { type: 'button', class: 'link', onclick: onCancel }, t().backToLogin),
    send: (v) => postAnonymous('/auth/register', { name: v.name, email: v.email, password: v.password, locale: currentLocale() }),
    onDone: onSignedUp,
    retryField: 'password',
  });
  return form;
}
