/**
 * THE TEMPORAL SEAM of the production topology: the one place that says which Temporal server the
 * cluster runs. For now it is the stack's dev server (stack/temporal.ts) on the topology's ports
 * (TEMPORAL_ADDRESS / TEMPORAL_UI_PORT from stack/cluster/env.js); the Temporal server on
 * PostgreSQL (stack/temporal-server.ts: startTemporalServer / stopTemporalServer / restart)
 * replaces these three functions' bodies, and nothing else changes.
 */
import { getConfig } from '../../shared/config';
import { startTemporal, stopTemporal, temporalStatus } from '../temporal';

export interface ClusterTemporal {
  /** what runs, for the printed overview */
  kind: string;
  address: string;
  uiUrl: string;
}

export async function startClusterTemporal(): Promise<ClusterTemporal> {
  await startTemporal();
  return { kind: 'Temporal dev server (stack/temporal.ts; the server on PostgreSQL plugs in at stack/cluster/temporal.ts)', address: getConfig().temporal.address, uiUrl: getConfig().temporal.uiUrl };
}

export async function stopClusterTemporal(): Promise<boolean> {
  return stopTemporal();
}

/** Stops and starts the server on the same persistence (the cluster suite's Temporal fault). */
export async function restartClusterTemporal(downMs = 5_000): Promise<void> {
  await stopTemporal();
  await new Promise((r) => setTimeout(r, downMs));
  await startTemporal();
}

export function clusterTemporalStatus(): string {
  return temporalStatus();
}
