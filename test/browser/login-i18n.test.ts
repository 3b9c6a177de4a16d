/**
 * The login and sign-up forms in Spanish and English (issue #13 §6): a browser whose language is
 * Spanish gets both forms in Spanish, and the account it signs up is Spanish; an English browser
 * switches the forms to Spanish and back with the language switch, before anyone has logged in.
 */
import { randomUUID } from 'node:crypto';
import { startBrowserEnv, unexpectedProblems, type BrowserEnv } from './harness';

let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
}, 120_000);

afterAll(async () => {
  await env?.close();
});

test('a Spanish browser gets the login and sign-up forms in Spanish, and signs up a Spanish account', async () => {
  const { page, problems } = await env.newPage({ locale: 'es-ES' });
  await page.goto(env.url);
  await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe('es');
  await page.getByLabel('Correo electrónico').waitFor();
  await page.getByLabel('Contraseña').waitFor();
  await page.getByRole('button', { name: 'Entrar' }).waitFor();

  await page.getByRole('button', { name: '¿Cliente nuevo? Crea una cuenta' }).click();
  await page.getByRole('heading', { name: 'Crear una cuenta de cliente' }).waitFor();
  const email = `es-signup-${randomUUID().slice(0, 8)}@test.example.com`;
  await page.getByLabel('Tu nombre').fill('Lucía Página');
  await page.getByLabel('Tu correo electrónico').fill(email);
  await page.getByLabel('Elige una contraseña').fill('cobalt-meadow-kite-58');
  await page.getByText('Al menos 10 caracteres, distinta de tu correo, y que no sea una contraseña común.').waitFor();
  await page.getByRole('button', { name: 'Volver a iniciar sesión' }).waitFor();
  await page.getByRole('button', { name: 'Crear cuenta' }).click();
  await page.getByRole('heading', { name: 'Tus ventas' }).waitFor();
  expect(await env.db('users').where({ email }).first('role', 'locale')).toEqual({ role: 'customer', locale: 'es' });
  expect(unexpectedProblems(problems)).toEqual([]);
}, 60_000);

test('an English browser switches the login and sign-up forms to Spanish and back', async () => {
  const { page, problems } = await env.newPage();
  await page.goto(env.url);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Language').selectOption('es');
  await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
  await page.getByLabel('Correo electrónico').waitFor();
  await page.getByRole('button', { name: '¿Cliente nuevo? Crea una cuenta' }).click();
  await page.getByLabel('Elige una contraseña').waitFor();
  await page.getByRole('button', { name: 'Volver a iniciar sesión' }).click();
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Email').waitFor();
  await page.getByRole('button', { name: 'New customer? Create an account' }).click();
  await page.getByLabel('Choose a password').waitFor();
  expect(unexpectedProblems(problems)).toEqual([]);
}, 60_000);
