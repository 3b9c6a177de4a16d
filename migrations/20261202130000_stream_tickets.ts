/**
 * One-use, short-lived tickets for the live streams (issue #11): a browser's EventSource cannot
 * send an Authorization header, and a bearer token in a URL ends up in logs and histories. The
 * ticket is random; only its SHA-256 is stored. Redeeming deletes the row, so a ticket opens one
 * stream on whichever API replica gets it first. `access_expires_at` is the expiry of the token the
 * ticket was issued with: the stream ends then, as a stream opened with that token would.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stream_tickets', (t) => {
    t.text('ticket_hash').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('access_expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['expires_at']); // sweeping the unused ones
    t.index(['user_id']); // the cascade from users
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stream_tickets');
}
