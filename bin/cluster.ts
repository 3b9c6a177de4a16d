/**
 * `npm run cluster` (up), `npm run cluster:down`, `npm run cluster:status`: the production topology
 * on this machine (stack/cluster/). Its ports count from CLUSTER_BASE_PORT (default 30000), its
 * state lives in CLUSTER_STATE_DIR (default .state/cluster).
 */
import { applyClusterEnv } from '../stack/cluster/env';

// before anything parses the configuration: the topology's ports, brokers and state dir
applyClusterEnv('run');

async function main(command: string | undefined): Promise<void> {
  const cluster = await import('../stack/cluster');
  switch (command) {
    case 'up':
      await cluster.clusterUp();
      break;
    case 'down':
      await cluster.clusterDown();
      break;
    case 'status':
      process.stdout.write(cluster.clusterStatus());
      break;
    default:
      throw new Error('usage: tsx bin/cluster.ts up|down|status');
  }
}

main(process.argv[2]).catch((err: Error) => {
  process.stderr.write(`[cluster] ${err.message}\n`);
  process.exit(1);
});
