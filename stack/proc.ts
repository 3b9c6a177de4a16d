/** Small process helpers for the local stack: run a command, start a daemon, wait for a port. */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

export function say(message: string): void {
  process.stderr.write(`[stack] ${message}\n`);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.error) throw new Error(`${cmd} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${String(result.stdout ?? '')}${String(result.stderr ?? '')}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return String(result.stdout ?? '');
}

export function commandExists(cmd: string): boolean {
  // the name goes in as the script's $1, never into the script's text
  return spawnSync('sh', ['-c', 'command -v -- "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

/**
 * One word for a POSIX shell, whatever it holds (spaces, quotes, '$', a leading '-' is still the
 * callee's business). For the few tools that hand a string to `sh -c`, e.g. `pg_ctl -o`.
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** Starts a long-running server detached from this process, output appended to logFile. */
export function startDaemon(cmd: string, args: string[], opts: { logFile: string; pidFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): number {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`${cmd} did not start`);
  child.unref();
  writeFileSync(opts.pidFile, `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function stopDaemon(pidFile: string, graceMs?: number): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid !== undefined) await stopPid(pid, graceMs);
  rmSync(pidFile, { force: true });
  return pid !== undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Waits until something listens on the port; fails with the tail of the server's log. */
export async function waitForPort(port: number, what: string, opts: { timeoutMs: number; logFile?: string; pid?: number }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(port)) return;
    if (opts.pid !== undefined && !isAlive(opts.pid)) break;
    await sleep(250);
  }
  const tail = opts.logFile && existsSync(opts.logFile) ? readFileSync(opts.logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`${what} did not start listening on 127.0.0.1:${port}${tail ? `; last lines of ${opts.logFile}:\n${tail}` : ''}`);
}

/** Refuses to start a server on a port something else already holds, naming the setting to change. */
export async function assertPortFree(port: number, what: string, setting: string): Promise<void> {
  if (await portOpen(port)) {
    throw new Error(`port 127.0.0.1:${port} for ${what} is already in use by another process; stop it, or set ${setting}`);
  }
}

/** A port a server started by startServerDaemon listens on once it is ready. */
export interface ServerPort {
  port: number;
  /** what waitForPort names when nothing listens in time */
  what: string;
  timeoutMs: number;
  /** checked free before the start (assertPortFree's what and setting); unset: not checked */
  mustBeFree?: { what: string; setting: string };
}

/**
 * The start of a local server that runs as a daemon with a pid file: its ports checked free, its
 * state directory made, the announcement, the start, then every port listening (or the log's tail).
 */
export async function startServerDaemon(
  cmd: string,
  args: string[],
  opts: { dir: string; logFile: string; pidFile: string; announce: string; ports: ServerPort[] },
): Promise<number> {
  for (const p of opts.ports) if (p.mustBeFree) await assertPortFree(p.port, p.mustBeFree.what, p.mustBeFree.setting);
  mkdirSync(opts.dir, { recursive: true });
  say(opts.announce);
  const pid = startDaemon(cmd, args, { logFile: opts.logFile, pidFile: opts.pidFile });
  for (const p of opts.ports) await waitForPort(p.port, p.what, { timeoutMs: p.timeoutMs, logFile: opts.logFile, pid });
  return pid;
}
