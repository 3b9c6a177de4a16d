/** What the HTTP layer needs from the outside world; built once by api/server.ts, faked in unit tests. */
import type { Client } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import type { Knex } from 'knex';

export interface Dependencies {
  db: Knex;
  kafkaAdmin: Admin;
  temporal: Client;
}
