/** Users and tokens for API tests: real rows, real password hashes, real logins. */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { hashPassword } from '../../shared/passwords';
import type { Role } from '../../api/auth/types';

export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** the plain password, so the test can log in */
  password: string;
}

export async function createUser(
  db: Knex,
  /** locale: unset, the column's default (es, the shop's language) */
  options: { role: Role; email?: string; name?: string; password?: string; locale?: 'es' | 'en' },
): Promise<TestUser> {
  const tag = randomUUID().slice(0, 8);
  // unique by default: the test database is shared by every test file and every run
  const email = options.email ?? `${options.role}-${tag}@test.example.com`;
  const name = options.name ?? `Test ${options.role} ${tag}`;
  const password = options.password ?? `pw-${randomUUID()}`;
  const [row] = (await db('users')
    .insert({ email, name, role: options.role, password_hash: await hashPassword(password), ...(options.locale ? { locale: options.locale } : {}) })
    .returning(['id', 'email', 'name', 'role'])) as Omit<TestUser, 'password'>[];
  return { ...row!, password };
}

/** Logs in through the API (so the token is exactly what a client gets). */
export async function tokenFor(app: Express, email: string, password: string): Promise<string> {
  const res = await request(app).post('/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login as ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
