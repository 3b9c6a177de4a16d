/**
 * The application's own entry points (bin/*.ts) as real child processes, the way they are deployed:
 * started with `node --import tsx` directly (not through the tsx CLI, which would put a wrapper
 * process in between: a SIGKILL must hit the worker itself, and /proc/<pid> must be the app's).
 * Output goes straight to a log file per process; readiness is a marker line in that log.
 * Used by the chaos suite and by the benchmark (bench/run.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../../..');
const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent.js');

export interface AppSpec {
  /** entry script, relative to the repository */
  script: string;
  /** text in the process's log that says it is ready, or any of several (absent: ready once spawned) */
  readyMarker?: string | string[];
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** extra node flags, e.g. --cpu-prof (not allowed in NODE_OPTIONS) */
  nodeArgs?: string[];
}

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: string;
  logTail: string;
}

interface Running {
  spec: AppSpec;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** set while we are stopping or killing it on purpose */
  expectedExit: boolean;
  logFile: string;
}

/** The standard entry points, as deployed. */
export const APP_SPECS = {
  migrate: { script: 'bin/migrate.ts' },
  api: { script: 'bin/api.ts', readyMarker: 'API listening' },
  worker: { script: 'bin/worker.ts', readyMarker: 'worker running' },
  // started either way; the second says some group is still joining (kafkajs keeps trying)
  consumers: { script: 'bin/consumers.ts', readyMarker: ['consumers running', 'not every consumer has joined'] },
  // the email delivery workers (no ready line: they poll the deliveries table from the start)
  delivery: { script: 'bin/delivery.ts' },
} satisfies Record<string, AppSpec>;

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size (VmHWM) of a live process, in MiB; undefined once it is gone. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export class AppProcesses {
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly running = new Map<string, Running>();
  /** peak RSS seen per process name, sampled before each stop (a restarted process starts over) */
  readonly peakRss = new Map<string, number>();

  constructor(
    private readonly options: {
      /** where logs and pid files go */
      dir: string;
      /** the environment every process gets (plus its spec's env) */
      env: NodeJS.ProcessEnv;
      /** prefix for log lines of this harness */
      tag?: string;
    },
  ) {
    mkdirSync(options.dir, { recursive: true });
  }

  /**
   * Kills app processes a previous, interrupted run left behind on this stack: by their pid files
   * in `dir`, and by scanning for `node … --import tsx` processes whose environment names the same
   * STACK_STATE_DIR (an orphan would otherwise keep polling the next run's servers).
   */
  static killLeftovers(dir: string, stateDir?: string): void {
    const pids = new Set<number>();
    if (existsSync(dir)) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.pid'))) {
        pids.add(Number(readFileSync(join(dir, file), 'utf8').trim()));
        rmSync(join(dir, file), { force: true });
      }
    }
    if (stateDir) {
      for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
        try {
          const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
          if (environ.includes(`STACK_STATE_DIR=${stateDir}`)) pids.add(Number(entry));
        } catch {
          /* gone, or not ours to read */
        }
      }
    }
    for (const pid of pids) {
      if (!(pid > 0) || pid === process.pid) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      // only a process that is one of our app processes (pids are reused; the servers are stopped by the stack)
      if (cmdline.includes('--import') && cmdline.includes('tsx') && alive(pid)) {
        process.stderr.write(`[apps] killing leftover app process ${pid}: ${cmdline.split('\0').join(' ').slice(0, 120)}\n`);
        process.kill(pid, 'SIGKILL');
      }
    }
  }

  private say(message: string): void {
    process.stderr.write(`[${this.options.tag ?? 'apps'}] ${message}\n`);
  }

  logFile(name: string): string {
    return join(this.options.dir, `${name}.log`);
  }

  pid(name: string): number | undefined {
    return this.running.get(name)?.child.pid;
  }

  isRunning(name: string): boolean {
    const r = this.running.get(name);
    return r !== undefined && r.child.exitCode === null && r.child.signalCode === null;
  }

  private spawnProcess(name: string, spec: AppSpec): Running {
    const logFile = this.logFile(name);
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), '--require', EXIT_WITH_PARENT, '--import', 'tsx', spec.script], {
      cwd: repoRoot,
      env: { ...this.options.env, ...spec.env },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`${name} (${spec.script}) did not start`);
    writeFileSync(join(this.options.dir, `${name}.pid`), `${child.pid}\n`);
    const entry: Running = {
      spec,
      child,
      expectedExit: false,
      logFile,
      exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
    };
    void entry.exited.then(({ code, signal }) => {
      rmSync(join(this.options.dir, `${name}.pid`), { force: true });
      if (!entry.expectedExit && this.running.get(name) === entry) {
        const exit = { name, code, signal, at: new Date().toISOString(), logTail: tail(logFile) };
        this.unexpectedExits.push(exit);
        this.say(`${name} exited unexpectedly (code ${code}, signal ${signal}); last lines of ${logFile}:\n${exit.logTail}`);
      }
    });
    return entry;
  }

  /** Runs a one-shot command (e.g. migrations) to completion. */
  async run(name: string, spec: AppSpec, timeoutMs = 120_000): Promise<void> {
    const entry = this.spawnProcess(name, spec);
    entry.expectedExit = true;
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), timeoutMs);
    const { code, signal } = await entry.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${name} (${spec.script}) failed (code ${code}, signal ${signal}):\n${tail(entry.logFile)}`);
  }

  /** Starts a long-running process and waits for its ready marker. */
  async start(name: string, spec: AppSpec): Promise<number> {
    if (this.isRunning(name)) throw new Error(`${name} is already running`);
    const offset = existsSync(this.logFile(name)) ? statSync(this.logFile(name)).size : 0;
    const started = Date.now();
    const entry = this.spawnProcess(name, spec);
    this.running.set(name, entry);
    if (spec.readyMarker) {
      const deadline = Date.now() + (spec.readyTimeoutMs ?? 90_000);
      for (;;) {
        // the offset is in bytes: slice the bytes, not the decoded string (logs hold non-ASCII text)
        const text = readFileSync(entry.logFile).subarray(offset).toString('utf8');
        if ([spec.readyMarker].flat().some((m) => text.includes(m))) break;
        if (entry.child.exitCode !== null || entry.child.signalCode !== null) {
          throw new Error(`${name} exited before it was ready:\n${tail(entry.logFile)}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} was not ready (no "${spec.readyMarker}") within ${spec.readyTimeoutMs ?? 90_000} ms:\n${tail(entry.logFile)}`);
        await sleep(100);
      }
    }
    this.say(`${name} ready in ${Date.now() - started} ms (pid ${entry.child.pid})`);
    return entry.child.pid!;
  }

  private samplePeak(name: string): void {
    const peak = peakRssMiB(this.pid(name));
    if (peak !== undefined) this.peakRss.set(name, Math.max(this.peakRss.get(name) ?? 0, peak));
  }

  /** Sends a signal on purpose (a fault, or a stop) and waits for the process to be gone. */
  async kill(name: string, signal: NodeJS.Signals, graceMs = 20_000): Promise<void> {
    const entry = this.running.get(name);
    if (!entry || !this.isRunning(name)) return;
    this.samplePeak(name);
    entry.expectedExit = true;
    entry.child.kill(signal);
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
    await entry.exited;
    clearTimeout(timer);
  }

  /** Graceful stop (SIGTERM, SIGKILL after the grace time). */
  stop(name: string): Promise<void> {
    return this.kill(name, 'SIGTERM');
  }

  async stopAll(): Promise<void> {
    // the API first (no new work), then the worker and the consumers
    const order = ['api', ...[...this.running.keys()].filter((n) => n !== 'api')];
    for (const name of order) await this.stop(name);
    this.running.clear();
  }

  /** Current peak RSS per running process, merged with what was sampled before stops. */
  peaks(): Record<string, number> {
    for (const name of this.running.keys()) this.samplePeak(name);
    return Object.fromEntries(this.peakRss);
  }
}
