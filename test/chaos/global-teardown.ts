/** After the chaos run: its private servers are stopped (their logs stay in the chaos state dir). */
import { join } from 'node:path';
import { stateDir } from '../../stack/paths';
import { stackDown } from '../../stack';
import { AppProcesses } from './support/apps';
import { releaseLock } from './support/lock';

export default async function globalTeardown(): Promise<void> {
  AppProcesses.killLeftovers(join(stateDir(), 'apps'), stateDir());
  await stackDown();
  releaseLock(`${stateDir()}.lock`);
}
