/**
 * The settings of the Temporal server on PostgreSQL (stack/temporal-server.ts) and the files they
 * render: the server's config (one per role: only the metrics port differs), its dynamic config
 * and the UI server's config. Written as JSON, which is YAML too: both servers read their config
 * with a YAML parser, and no YAML library is needed at run time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { stateFile } from './paths';

export const TEMPORAL_ROLES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalRole = (typeof TEMPORAL_ROLES)[number];

export interface TemporalServerPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TemporalServerSettings {
  ports: { frontend: number; history: number; matching: number; worker: number; membership: number; metrics: number; ui: number };
  historyShards: number;
  postgres: TemporalServerPostgres;
  /** the stack's own PostgreSQL: its `temporal` role is created on first use */
  postgresIsStacks: boolean;
  databases: { persistence: string; visibility: string };
  /** the app's namespace (TEMPORAL_NAMESPACE), created with this retention */
  namespace: string;
  retentionHours: number;
  /** config, logs and pid files */
  dir: string;
}

export type TemporalServerOptions = Partial<Omit<TemporalServerSettings, 'ports'>> & { ports?: Partial<TemporalServerSettings['ports']> };

/** The stack's PostgreSQL gets a login role for the server; another server's credentials come from its URL. */
const STACK_ROLE = { user: 'temporal', password: 'temporal' };

function postgresFromUrl(url: string): TemporalServerPostgres {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/** Settings from the configuration (TEMPORAL_SERVER_*), each overridable by the caller (a cluster, a test). */
export function temporalServerSettings(options: TemporalServerOptions = {}): TemporalServerSettings {
  const config = getConfig();
  const server = config.temporalServer;
  // its databases: TEMPORAL_SERVER_POSTGRES_URL, else the server DATABASE_URL points at, else the stack's
  const url = server.postgresUrl ?? (config.provided.database ? config.database.url : undefined);
  return {
    ports: { ...server.ports, ...options.ports },
    historyShards: options.historyShards ?? server.historyShards,
    postgres: options.postgres ?? (url ? postgresFromUrl(url) : { host: '127.0.0.1', port: config.database.localPort, ...STACK_ROLE }),
    postgresIsStacks: options.postgresIsStacks ?? (!options.postgres && !url),
    databases: options.databases ?? { persistence: 'temporal', visibility: 'temporal_visibility' },
    namespace: options.namespace ?? config.temporal.namespace,
    retentionHours: options.retentionHours ?? 72,
    dir: options.dir ?? stateFile('temporal-server'),
  };
}

export function frontendAddress(s: TemporalServerSettings): string {
  return `127.0.0.1:${s.ports.frontend}`;
}

const ROLE_OFFSET: Record<TemporalRole, number> = { frontend: 0, history: 1, matching: 2, worker: 3 };

function datastore(s: TemporalServerSettings, database: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${s.postgres.host}:${s.postgres.port}`,
      connectProtocol: 'tcp',
      user: s.postgres.user,
      password: s.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

function serverConfig(s: TemporalServerSettings, role: TemporalRole) {
  const rpc = (r: TemporalRole) => ({ rpc: { grpcPort: s.ports[r], membershipPort: s.ports.membership + ROLE_OFFSET[r], bindOnIP: '127.0.0.1' } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: s.historyShards,
      datastores: {
        // per process: PostgreSQL's max_connections (300 in the stack) is shared with the app
        'postgres-default': datastore(s, s.databases.persistence, 20),
        'postgres-visibility': datastore(s, s.databases.visibility, 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(s.ports.metrics > 0 && {
        metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${s.ports.metrics + ROLE_OFFSET[role]}` } },
      }),
    },
    // every role's address is in every role's config: they find each other through membership
    services: Object.fromEntries(TEMPORAL_ROLES.map((r) => [r, rpc(r)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress(s) } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // the worker role's system workflows reach the frontend here
    publicClient: { hostPort: frontendAddress(s) },
    dynamicConfigClient: { filepath: join(s.dir, 'dynamic-config.yaml'), pollInterval: '10s' },
  };
}

/** What the app needs beyond the defaults: the saga is started with Update-with-Start (README "How the saga works"). */
const DYNAMIC_CONFIG = {
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
};

function uiConfig(s: TemporalServerSettings) {
  return {
    temporalGrpcAddress: frontendAddress(s),
    host: '127.0.0.1',
    port: s.ports.ui,
    enableUi: true,
    defaultNamespace: s.namespace,
    refreshInterval: '1m',
    notifyOnNewVersion: false,
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${s.ports.ui}`, `http://localhost:${s.ports.ui}`] },
  };
}

/** Config folder of a role (the server reads `<dir>/development.yaml`), and of the UI server. */
export function configDir(s: TemporalServerSettings, component: TemporalRole | 'ui'): string {
  return join(s.dir, 'config', component);
}

export function writeTemporalServerConfigs(s: TemporalServerSettings): void {
  const write = (file: string, value: unknown) => {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 }); // holds the database password
  };
  for (const role of TEMPORAL_ROLES) write(join(configDir(s, role), 'development.yaml'), serverConfig(s, role));
  write(join(s.dir, 'dynamic-config.yaml'), DYNAMIC_CONFIG);
  write(join(configDir(s, 'ui'), 'development.yaml'), uiConfig(s));
}
