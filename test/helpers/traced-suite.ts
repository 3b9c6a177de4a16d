/**
 * The setup the traced-app suites share: the three traced processes (traced-app.ts), a database
 * pool and a Temporal client of the test's own, and a logged-in admin. Registers beforeAll/afterAll;
 * read the fields inside tests.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { RECONCILE_SCHEDULE_ID } from '../../runtime/reconciliation';
import { createDb } from '../../shared/db';
import { createTemporalClient } from '../../shared/temporal';
import { startTracedApp, type TracedApp } from './traced-app';
import { createUser } from './users';

export interface TracedSuite {
  readonly app: TracedApp;
  readonly db: Knex;
  readonly temporal: Client;
  /** a call to the traced API as the logged-in admin (`headers`: more request headers, e.g. a `traceparent`) */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** `overrides`: settings of the traced processes only (see startTracedApp). */
export function useTracedSuite(overrides: NodeJS.ProcessEnv = {}): TracedSuite {
  const state = {} as { app: TracedApp; temporal: Client; token: string };
  const db = createDb();

  beforeAll(async () => {
    state.app = await startTracedApp(overrides);
    state.temporal = await createTemporalClient();
    const staff = await createUser(db, { role: 'admin' });
    const login = await fetch(`${state.app.apiUrl}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: staff.email, password: staff.password }) });
    state.token = ((await login.json()) as { token: string }).token;
  }, 180_000);

  afterAll(async () => {
    await state.app?.stop();
    // the app's worker created the reconciliation schedule (or moved it) onto the suite's own task
    // queue, which nothing polls from now on: remove it from the shared test server
    await state.temporal?.schedule.getHandle(RECONCILE_SCHEDULE_ID).delete().catch(() => undefined);
    await state.temporal?.connection.close();
    await db.destroy();
  });

  return {
    get app() {
      return state.app;
    },
    db,
    get temporal() {
      return state.temporal;
    },
    api(method, path, body, headers = {}) {
      return fetch(`${state.app.apiUrl}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${state.token}`, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
  };
}
