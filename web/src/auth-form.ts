/**
 * What the login and sign-up forms share: the panel with its heading and alert, one labelled input
 * per field, and a submit that sends the values, starts the session and hands over the user, or
 * shows the API's answer (wrong password, password too common, email taken) and puts the cursor
 * back where the user can fix it. The words come from the caller, in the page's language.
 */
import { api, describeError, setSession, type Session, type User } from './api';
import { h, showMessage, type Child } from './dom';

export interface AuthField<N extends string> {
  /** the value's key; the input's id is `<form id>-<key>` */
  key: N;
  label: string;
  /** more input attributes (type, autocomplete, name, …) */
  attrs?: Record<string, string | number | boolean>;
}

export interface AuthFormOptions<N extends string> {
  /** prefix of every id in the form (`login`, `signup`) */
  id: string;
  heading: string;
  fields: AuthField<N>[];
  submitLabel: string;
  /** between the fields and the submit button (e.g. the password rule) */
  beforeSubmit?: Child;
  /** after the submit button (e.g. a link to the other form) */
  afterSubmit?: Child;
  /** the request; resolves with the new session */
  send(values: Record<N, string>): Promise<Session>;
  onDone(user: User): void;
  /** the field focused after a refusal */
  retryField: N;
}

export interface AuthForm<N extends string> {
  form: HTMLFormElement;
  error: HTMLElement;
  inputs: Record<N, HTMLInputElement>;
}

export function authForm<N extends string>(o: AuthFormOptions<N>): AuthForm<N> {
  const error = h('p', { class: 'message error', role: 'alert', id: `${o.id}-error` });
  const inputs = {} as Record<N, HTMLInputElement>;
  const rows = o.fields.map((f) => {
    const input = h('input', { id: `${o.id}-${f.key}`, name: f.key, required: true, ...f.attrs });
    inputs[f.key] = input;
    return [h('label', { for: input.id }, f.label), input];
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, o.submitLabel);
  const form = h(
    'form',
    { class: 'panel login-form', 'aria-labelledby': `${o.id}-heading` },
    h('h2', { id: `${o.id}-heading` }, o.heading),
    error,
    ...rows,
    o.beforeSubmit ?? null,
    submit,
    o.afterSubmit ?? null,
  );
  showMessage(error, undefined);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      submit.disabled = true;
      showMessage(error, undefined);
      try {
        const values = Object.fromEntries(o.fields.map((f) => [f.key, inputs[f.key].value])) as Record<N, string>;
        const res = await o.send(values);
        setSession(res);
        o.onDone(res.user);
      } catch (err) {
        showMessage(error, describeError(err));
        inputs[o.retryField].focus();
      } finally {
        submit.disabled = false;
      }
    })();
  });
  return { form, error, inputs };
}

/** POST with no session yet (login, register). */
export const postAnonymous = (path: string, body: unknown): Promise<Session> => api<Session>('POST', path, body, { auth: false });
