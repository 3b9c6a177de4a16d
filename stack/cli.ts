/** `npm run stack:up | stack:down | stack:status`; `docker-compose` builds the compose validator; `temporal-server-build` and `temporal-server up|down|status`: the Temporal server on PostgreSQL. */
import { ConfigError } from '../shared/config';
import { dockerComposeBinary } from './docker-compose-tool';
import { stackDown, stackStatus, stackUp } from './index';
import { startTemporalServer, stopTemporalServer, temporalServerStatus } from './temporal-server';
import { temporalServerBuild } from './temporal-server-build';

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up':
      await stackUp();
      break;
    case 'down':
      await stackDown();
      break;
    case 'status':
      for (const [name, status] of Object.entries(stackStatus())) console.log(`${name.padEnd(9)} ${status}`);
      break;
    case 'docker-compose':
      // builds the Docker Compose CLI once (used to validate docker-compose.yml) and prints its path
      console.log(dockerComposeBinary());
      break;
    case 'temporal-server-build':
      // builds the Temporal server, its SQL tool and the UI server once (minutes) and prints their paths
      console.log(JSON.stringify(temporalServerBuild(), null, 2));
      break;
    case 'temporal-server':
      await temporalServerCommand(process.argv[3]);
      break;
    default:
      throw new ConfigError('usage: tsx stack/cli.ts up|down|status|docker-compose|temporal-server-build|temporal-server up|down|status');
  }
}

/** The Temporal server on PostgreSQL (stack/temporal-server.ts); uses the stack's PostgreSQL unless told otherwise. */
async function temporalServerCommand(action: string | undefined): Promise<void> {
  switch (action) {
    case 'up': {
      const s = await startTemporalServer();
      console.log(`TEMPORAL_ADDRESS=127.0.0.1:${s.ports.frontend} TEMPORAL_NAMESPACE=${s.namespace}; UI http://127.0.0.1:${s.ports.ui}`);
      break;
    }
    case 'down':
      console.log((await stopTemporalServer()) ? 'stopped' : 'was not running');
      break;
    case 'status':
      console.log(temporalServerStatus());
      break;
    default:
      throw new ConfigError('usage: tsx stack/cli.ts temporal-server up|down|status');
  }
}

main(process.argv[2]).catch((err: Error) => {
  process.stderr.write(`[stack] ${err.message}\n`);
  process.exit(1);
});
