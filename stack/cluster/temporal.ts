/**
 * THE TEMPORAL SEAM of the production topology: the one place that says which Temporal server the
 * cluster runs. It is the Temporal server on PostgreSQL (stack/temporal-server.ts): four roles as
 * four processes, persistence and visibility in the topology's PostgreSQL, the UI server beside
 * it, on the topology's ports (TEMPORAL_SERVER_* and TEMPORAL_UI_PORT from stack/cluster/env.js;
 * the frontend is TEMPORAL_ADDRESS) and in its state dir.
 */
import { stopTemporal } from '../temporal';
import { restartHistoryRole, startTemporalServer, stopTemporalServer, temporalServerPids, temporalServerStatus } from '../temporal-server';
import { TEMPORAL_SERVER_VERSION } from '../temporal-server-build';
import { frontendAddress } from '../temporal-server-config';

export interface ClusterTemporal {
  /** what runs, for the printed overview */
  kind: string;
  address: string;
  uiUrl: string;
}

export async function startClusterTemporal(): Promise<ClusterTemporal> {
  const s = await startTemporalServer();
  return {
    kind: `Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL: frontend, history, matching, worker as 4 processes, ${s.historyShards} history shards, logs ${s.dir}`,
    address: frontendAddress(s),
    uiUrl: `http://127.0.0.1:${s.ports.ui}`,
  };
}

export async function stopClusterTemporal(): Promise<boolean> {
  // and a dev server a state dir may still hold from before the topology ran the real server
  const devServer = await stopTemporal();
  return (await stopTemporalServer()) || devServer;
}

/**
 * The cluster suite's Temporal fault: the history role (the one that owns the shards and the
 * sagas' state) crashed with SIGKILL and started again while the frontend, matching and worker
 * roles keep running; resolves once workflow calls are served again.
 */
export async function restartClusterTemporal(): Promise<void> {
  await restartHistoryRole({ signal: 'SIGKILL' });
}

/** The processes that make up the cluster's Temporal server (the bench reads their CPU time). */
export function clusterTemporalPids(): number[] {
  return Object.values(temporalServerPids()).filter((pid): pid is number => pid !== undefined);
}

export function clusterTemporalStatus(): string {
  return temporalServerStatus();
}
