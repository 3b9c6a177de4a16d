/**
 * Once per chaos run: a fresh private stack (test/chaos/env.js), after waiting for any other chaos
 * run on the same state dir to finish (support/lock.ts). Leftovers of an interrupted run
 * (app processes, servers on the chaos ports) are stopped first, the chaos state dir is wiped so
 * every run starts from the same empty servers, and the three servers are started.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterDir } from '../../stack/postgres';
import { stateDir } from '../../stack/paths';
import { stackDown, stackUp } from '../../stack';
import { AppProcesses } from './support/apps';
import { acquireLock } from './support/lock';
import { resetSummary } from './support/summary';

export default async function globalSetup(): Promise<void> {
  const dir = stateDir();
  if (!/chaos/.test(dir)) throw new Error(`refusing to run the chaos suite on state dir ${dir}: it must be the suite's own (see test/chaos/env.js)`);
  process.stderr.write(`\n[chaos] private stack in ${dir}\n`);
  await acquireLock(`${dir}.lock`, 30 * 60_000);
  AppProcesses.killLeftovers(join(dir, 'apps'), dir);
  await stackDown();
  rmSync(clusterDir(), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  resetSummary();
  await stackUp();
}
