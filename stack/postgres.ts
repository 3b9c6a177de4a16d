/**
 * PostgreSQL 15 from Debian's binaries, as a private cluster on 127.0.0.1. PostgreSQL refuses to
 * run as root, so as root every server command runs as the `postgres` system user; its data
 * directory must then be reachable by that user (a clone under /root is not), in which case the
 * cluster lives under /var/tmp/sales-saga/ instead of the clone's .state/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { stateDir } from './paths';
import { assertPortFree, commandExists, run, say, shellQuote } from './proc';

const BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the postgres user when we are root. */
function asPostgres(cmd: string, args: string[]): string {
  return isRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

function ensureBinaries(): void {
  if (existsSync(join(BIN, 'pg_ctl'))) return;
  if (!isRoot || !commandExists('apt-get')) {
    throw new Error(`PostgreSQL 15 binaries are missing (${BIN}); install Debian's postgresql-15 package or set DATABASE_URL`);
  }
  say('installing PostgreSQL 15 from Debian packages (once)…');
  run('apt-get', ['update'], { stdio: 'ignore' });
  run('apt-get', ['install', '-y', 'postgresql-15'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function reachableByPostgres(dir: string): boolean {
  if (!isRoot) return true;
  mkdirSync(dir, { recursive: true });
  try {
    run('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]);
    return true;
  } catch {
    return false;
  }
}

/** The cluster's directory (data, socket and log), chosen so the postgres user can use it. */
export function clusterDir(): string {
  const preferred = join(stateDir(), 'postgres');
  if (reachableByPostgres(stateDir())) return preferred;
  const tag = createHash('sha1').update(stateDir()).digest('hex').slice(0, 10);
  return join('/var/tmp/sales-saga', tag, 'postgres');
}

function paths() {
  const dir = clusterDir();
  return { dir, data: join(dir, 'data'), log: join(dir, 'postgres.log') };
}

export function postgresRunning(): boolean {
  const { data } = paths();
  if (!existsSync(join(data, 'PG_VERSION'))) return false;
  try {
    asPostgres(join(BIN, 'pg_ctl'), ['status', '-D', data]);
    return true;
  } catch {
    return false;
  }
}

function psql(sql: string, port: number): string {
  return asPostgres('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-tAqc', sql]);
}

/** Creates the app's role and databases if they are missing (idempotent). */
function ensureDatabases(port: number): void {
  if (psql(`SELECT 1 FROM pg_roles WHERE rolname = 'sales_saga'`, port).trim() !== '1') {
    psql(`CREATE ROLE sales_saga LOGIN CREATEDB`, port);
  }
  for (const db of ['sales_saga', 'sales_saga_test']) {
    if (psql(`SELECT 1 FROM pg_database WHERE datname = '${db}'`, port).trim() !== '1') {
      psql(`CREATE DATABASE ${db} OWNER sales_saga`, port);
    }
  }
}

export async function startPostgres(): Promise<void> {
  const port = getConfig().database.localPort;
  ensureBinaries();
  const { dir, data, log } = paths();
  mkdirSync(dir, { recursive: true });
  if (isRoot) run('chown', ['-R', 'postgres:postgres', dir]);

  if (!existsSync(join(data, 'PG_VERSION'))) {
    say(`initialising a private PostgreSQL cluster in ${data}`);
    asPostgres(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  }
  if (!postgresRunning()) {
    await assertPortFree(port, 'PostgreSQL', 'LOCAL_PG_PORT or DATABASE_URL');
    say(`starting PostgreSQL on 127.0.0.1:${port}`);
    // pg_ctl pastes -o into a `sh -c` command line: the socket directory (a path under the clone or
    // STACK_STATE_DIR, so possibly with spaces or quotes) must be one shell word
    const options = [
      `-c listen_addresses=127.0.0.1`,
      `-c port=${port}`,
      `-c ${shellQuote(`unix_socket_directories=${dir}`)}`,
      `-c max_connections=300`,
    ].join(' ');
    asPostgres(join(BIN, 'pg_ctl'), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', options]);
  }
  ensureDatabases(port);
}

/** Stops the cluster. `immediate` is a crash-like stop (used by fault-injection tests). */
export function stopPostgres(mode: 'fast' | 'immediate' = 'fast'): boolean {
  if (!postgresRunning()) return false;
  asPostgres(join(BIN, 'pg_ctl'), ['stop', '-D', paths().data, '-m', mode, '-w']);
  return true;
}

export function postgresStatus(): string {
  return postgresRunning() ? `running on 127.0.0.1:${getConfig().database.localPort} (data ${paths().data})` : 'stopped';
}
