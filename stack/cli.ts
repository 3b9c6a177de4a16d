/** `npm run stack:up | stack:down | stack:status`. */
import { ConfigError } from '../shared/config';
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
    default:
      throw new ConfigError('usage: tsx stack/cli.ts up|down|status');
  }
}

main(process.argv[2]).catch((err: Error) => {
  process.stderr.write(`[stack] ${err.message}\n`);
  process.exit(1);
});
