/**
 * Every activity the worker hosts. Workflows refer to them by type only
 * (`proxyActivities<Activities>`), never by value: the workflow sandbox must not load I/O code.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import { createDigestActivities } from './digests';
import { createFusedStepActivities } from './fused-steps';
import { createPublishActivities } from './publish';
import { createReconcileActivities } from './reconcile';
import { createSaleActivities } from './sales';
import { createStockActivities } from './stock';

export interface ActivityDeps {
  db: Knex;
  producer: () => Promise<Producer>;
  /** the reconciliation asks Temporal whether a sale's saga still runs */
  temporal: () => Promise<Client>;
}

export function createActivities({ db, producer, temporal }: ActivityDeps) {
  return {
    ...createSaleActivities(db),
    ...createStockActivities(db),
    ...createPublishActivities(db, producer),
    ...createFusedStepActivities(db, producer),
    ...createReconcileActivities(db, temporal),
    ...createDigestActivities(db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
