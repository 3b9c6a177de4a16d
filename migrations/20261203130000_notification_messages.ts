/**
 * In-app notifications in the recipient's language (issue #13): a notification stores what happened
 * as a message key with parameters (delivery/templates/in-app.ts), rendered in the recipient's
 * locale whenever the API hands it out. title/body stay: the English text, what rows written before
 * this column show.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.jsonb('message').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => {
    t.dropColumn('message');
  });
}
