/**
 * Accounts (issue #12):
 * - users.locale (es | en): the language a later issue writes emails in;
 * - users.disabled_at / deleted_at: an admin disables or deletes a user. Deleting is a soft delete:
 *   sales keep pointing at the user who made (created_by) or bought (customer_user_id) them, so the
 *   history stays whole; the row only stops counting. Emails are unique among users not deleted,
 *   ignoring letter case, so a deleted address can sign up again;
 * - refresh_tokens: rotating refresh tokens, stored as SHA-256 hashes. A chain of rotations shares a
 *   family_id, so a spent token used again (a sign of theft) revokes the whole chain.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('locale').notNullable().defaultTo('es');
    t.timestamp('disabled_at', { useTz: true }).nullable();
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_locale_known CHECK (locale IN ('es', 'en'))`);
  await knex.raw('ALTER TABLE users DROP CONSTRAINT users_email_unique');
  await knex.raw('CREATE UNIQUE INDEX users_email_live_unique ON users (lower(email)) WHERE deleted_at IS NULL');

  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('family_id').notNullable();
    t.text('token_hash').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** set when rotated (spent), logged out, or revoked with its family */
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['user_id']);
    t.index(['family_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('refresh_tokens');
  await knex.raw('DROP INDEX IF EXISTS users_email_live_unique');
  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email)');
  await knex.raw('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_locale_known');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('locale');
    t.dropColumn('disabled_at');
    t.dropColumn('deleted_at');
  });
}
