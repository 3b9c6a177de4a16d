/**
 * The API replicas' load balancer: HAProxy from Debian's packages (installed when missing, like the
 * test script installs Chromium), config rendered into the state dir, run in the foreground as a
 * daemon of ours (pid file, log file).
 *
 * SSE through it: HAProxy forwards a response as it arrives (nothing buffers an HTTP/1.1 stream), so
 * what matters are the timeouts: `timeout server`/`timeout client` bound the idle time between two
 * chunks (the API writes a keep-alive comment long before an hour passes) and `timeout tunnel`
 * covers upgraded connections. A replica that fails `/readyz` twice is taken out; its open streams
 * are closed (`on-marked-down shutdown-sessions`) so the clients reconnect, with Last-Event-ID, to
 * the other one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandExists, readPid, run, say, startDaemon, stopDaemon, waitForPort } from '../proc';
import { stateFile } from '../paths';

export interface BalancerSettings {
  port: number;
  statsPort: number;
  /** the API replicas: name → port on 127.0.0.1 */
  servers: { name: string; port: number }[];
}

/** Installs HAProxy with apt-get when it is not there (idempotent: nothing happens once it is). */
export function ensureHaproxy(): string {
  if (commandExists('haproxy')) return 'haproxy';
  if (!commandExists('apt-get')) throw new Error('the cluster balances its API replicas with HAProxy: install it (apt-get install haproxy)');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args: string[]) => run(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'inherit'] });
  say('installing HAProxy from Debian packages (apt-get, once)…');
  apt(['update']);
  apt(['install', '-y', 'haproxy']);
  return 'haproxy';
}

export function haproxyConfig(s: BalancerSettings): string {
  return [
    'global',
    '  log stdout format raw local0 info',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    // only failed or aborted requests are logged: the load would otherwise write a line per request
    '  option dontlog-normal',
    '  timeout connect 3s',
    '  timeout http-request 15s',
    '  timeout http-keep-alive 10s',
    // SSE: a stream stays open for hours; these bound only the silence between two chunks
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    '  timeout client-fin 5s',
    // a request that could not even connect goes to the other replica (nothing was sent yet)
    '  retries 2',
    '  option redispatch',
    'frontend api',
    `  bind 127.0.0.1:${s.port}`,
    '  default_backend api_replicas',
    'backend api_replicas',
    '  balance leastconn',
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect status 200',
    '  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
    ...s.servers.map((x) => `  server ${x.name} 127.0.0.1:${x.port} check`),
    'listen stats',
    `  bind 127.0.0.1:${s.statsPort}`,
    '  stats enable',
    '  stats uri /',
    '  stats refresh 5s',
    '',
  ].join('\n');
}

function files() {
  const dir = stateFile('haproxy');
  return { dir, cfg: join(dir, 'haproxy.cfg'), log: join(dir, 'haproxy.log'), pid: join(dir, 'haproxy.pid') };
}

export async function startBalancer(s: BalancerSettings): Promise<void> {
  const bin = ensureHaproxy();
  const f = files();
  if (readPid(f.pid) !== undefined) return;
  mkdirSync(f.dir, { recursive: true });
  writeFileSync(f.cfg, haproxyConfig(s));
  run(bin, ['-c', '-q', '-f', f.cfg]);
  say(`starting HAProxy on 127.0.0.1:${s.port} (stats on ${s.statsPort}) for ${s.servers.map((x) => x.name).join(', ')}`);
  // -db: stay in the foreground, so the pid is HAProxy's own and its log goes to our file
  const pid = startDaemon(bin, ['-db', '-f', f.cfg], { logFile: f.log, pidFile: f.pid });
  await waitForPort(s.port, 'HAProxy', { timeoutMs: 15_000, logFile: f.log, pid });
}

export async function stopBalancer(): Promise<boolean> {
  return stopDaemon(files().pid, 5_000);
}

export function balancerPid(): number | undefined {
  return readPid(files().pid);
}

export function balancerStatus(): string {
  return readPid(files().pid) !== undefined ? `running (config ${files().cfg}, log ${files().log})` : 'stopped';
}
