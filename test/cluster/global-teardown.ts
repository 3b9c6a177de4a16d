/** After the cluster run: everything it started is stopped (logs stay in the state dir). */
import { clusterDown } from '../../stack/cluster';
import { stateDir, stateFile } from '../../stack/paths';
import { AppProcesses } from '../chaos/support/apps';
import { releaseLock } from '../chaos/support/lock';

export default async function globalTeardown(): Promise<void> {
  AppProcesses.killLeftovers(stateFile('apps'), stateDir());
  await clusterDown();
  releaseLock(`${stateDir()}.lock`);
}
