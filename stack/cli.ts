/** `npm run stack:up | stack:down | stack:status`; `docker-compose` builds the compose validator. */
import { ConfigError } from '../shared/config';
import { dockerComposeBinary } from './docker-compose-tool';
import { stackDown, stackStatus, stackUp } from './index';

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
    default:
      throw new ConfigError('usage: tsx stack/cli.ts up|down|status|docker-compose');
  }
}

main(process.argv[2]).catch((err: Error) => {
  process.stderr.write(`[stack] ${err.message}\n`);
  process.exit(1);
});
