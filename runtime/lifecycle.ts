/**
 * Process lifecycle shared by every entry point (bin/*.ts): run a component, stop it once on
 * SIGINT/SIGTERM, and turn configuration errors into one readable line instead of a stack trace.
 */
import { ConfigError, getConfig } from '../shared/config';
import { logger } from '../shared/logger';
import { stopTracing } from '../shared/tracing';

/** How long a stopping process may take before it exits anyway (deploy/ sizes its grace periods on it). */
export const STOP_TIMEOUT_MS = 30_000;

/** The configuration is read before anything else (the logger needs it): a mistake in it is one line and exit 1. */
function configOrExit(name: string): void {
  try {
    getConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`\n${name}: ${err.message}\n`);
    process.exit(1);
  }
}

export interface Stoppable {
  stop(): Promise<void>;
  /**
   * Settles with the error when the component dies on its own (e.g. the Temporal worker fails
   * fatally); never settles otherwise. The process then stops the rest and exits 1, so a supervisor
   * (systemd, Docker's restart policy, Kubernetes) restarts it instead of a live process doing nothing.
   */
  failure?: Promise<Error>;
}

export function runUntilSignal(name: string, start: () => Promise<Stoppable>): void {
  configOrExit(name);
  const log = logger().child({ component: name });
  let running: Stoppable | undefined;
  let stopping = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error(`shutdown took longer than ${STOP_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    force.unref();
    try {
      await running?.stop();
      // the spans of the last requests still leave; an unreachable trace backend must not fail the stop
      await stopTracing().catch((err: unknown) => log.warn({ err }, 'the last spans could not be exported'));
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  start()
    .then((component) => {
      running = component;
      if (stopping) void component.stop();
      void component.failure?.then(async (err) => {
        if (stopping) return;
        stopping = true;
        log.fatal({ err }, 'a component failed; stopping and exiting with status 1');
        setTimeout(() => process.exit(1), 30_000).unref();
        await component.stop().catch((stopErr: unknown) => log.error({ err: stopErr }, 'error while stopping'));
        process.exit(1);
      });
    })
    .catch((err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`\n${name}: ${err.message}\n`);
      } else {
        log.fatal({ err }, 'failed to start');
      }
      process.exit(1);
    });
}

/** A one-shot command: run it, exit 0, or print the configuration problem in one line and exit 1. */
export function runOnce(name: string, task: () => Promise<void>): void {
  configOrExit(name);
  task()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      if (err instanceof ConfigError) process.stderr.write(`\n${name}: ${err.message}\n`);
      else logger().child({ component: name }).fatal({ err }, 'failed');
      process.exit(1);
    });
}
