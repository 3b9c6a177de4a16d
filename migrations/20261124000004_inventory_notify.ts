/**
 * Live stock for the page (issue #6): every committed change to an `inventory` row is announced with
 * `pg_notify('inventory_changes', …)`. A trigger, so the signal comes from whichever process moved
 * the stock (worker activities, the API, an operator's SQL) and only once the change commits; each
 * API process LISTENs on the channel and pushes it to its SSE clients (api/routes/product-stream.ts).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION inventory_notify_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('inventory_changes', json_build_object(
        'product_id', NEW.product_id,
        'on_hand', NEW.on_hand,
        'reserved', NEW.reserved,
        'available', NEW.available,
        'status', NEW.status,
        'version', NEW.version
      )::text);
      RETURN NULL;
    END
    $$`);
  await knex.raw(`
    CREATE TRIGGER inventory_notify_change
      AFTER INSERT OR UPDATE ON inventory
      FOR EACH ROW EXECUTE FUNCTION inventory_notify_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS inventory_notify_change ON inventory');
  await knex.raw('DROP FUNCTION IF EXISTS inventory_notify_change()');
}
