/**
 * Command-line tools for looking at topics: kcat from Debian's packages. `rpk` cannot be installed
 * here (see README: its Go module cannot be built with `go install`), so people with Docker use it
 * inside the Redpanda container.
 */
import { commandExists, run, say } from './proc';

export function ensureKcat(): void {
  if (commandExists('kcat')) return;
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    say('kcat is not installed (apt-get install kcat); topics can still be read with the Kafka console consumer');
    return;
  }
  try {
    say('installing kcat from Debian packages (once)…');
    run('apt-get', ['install', '-y', 'kcat'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    try {
      run('apt-get', ['update'], { stdio: 'ignore' });
      run('apt-get', ['install', '-y', 'kcat'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (err) {
      say(`kcat could not be installed (${(err as Error).message.split('\n')[0]}); not needed to run the service`);
    }
  }
}
