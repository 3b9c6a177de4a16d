/**
 * Every activity the worker hosts. Workflows refer to them by type only
 * (`proxyActivities<Activities>`), never by value: the workflow sandbox must not load I/O code.
 */
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import { createPublishActivities } from './publish';
import { createSaleActivities } from './sales';
import { createStockActivities } from './stock';

export interface ActivityDeps {
  db: Knex;
  producer: () => Promise<Producer>;
}

export function createActivities({ db, producer }: ActivityDeps) {
  return {
    ...createSaleActivities(db),
    ...createStockActivities(db),
    ...createPublishActivities(db, producer),
  };
}

export type Activities = ReturnType<typeof createActivities>;
