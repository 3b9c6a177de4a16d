/**
 * docker-compose.yml cannot be run on the build machines (no Docker engine), so this test is what
 * keeps it honest: it parses the file and checks it against the app it starts — the services and
 * ports the README promises, the entry points, and above all that every environment variable
 * handed to the app is one shared/config.ts actually reads (a misspelt name would be silently
 * ignored and the app would fall back to its local-stack defaults).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_TYPES } from '../../shared/search-attributes';

const root = path.resolve(__dirname, '../..');
const composeText = readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8');
const dockerfileText = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const configText = readFileSync(path.join(root, 'shared/config.ts'), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { published?: string | number; target?: number }>;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// `merge: true`: the app services share their settings through `<<: *app` merge keys, which
// Compose understands but YAML 1.2 (the parser's default) treats as an ordinary key.
const compose = parse(composeText, { merge: true }) as Compose;
const services = compose.services;

const APP_SERVICES = ['migrate', 'api', 'worker', 'consumers'] as const;
const ENTRY_POINTS: Record<(typeof APP_SERVICES)[number], string> = {
  migrate: 'bin/migrate.ts',
  api: 'bin/api.ts',
  worker: 'bin/worker.ts',
  consumers: 'bin/consumers.ts',
};

/** The names envSchema declares, read from the source so the list cannot drift from the code. */
function allowedEnvNames(): Set<string> {
  const start = configText.indexOf('const envSchema = z.object({');
  const end = configText.indexOf('\n});', start);
  if (start < 0 || end < 0) throw new Error('envSchema = z.object({ ... }) not found in shared/config.ts');
  const block = configText.slice(start, end);
  return new Set([...block.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):\s/gm)].map((m) => m[1]!));
}

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`service ${name} missing from docker-compose.yml`);
  return s;
}

/** Compose accepts `environment` as a map or as a list of NAME=value strings. */
function envOf(s: Service): Record<string, string> {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Host ports a service publishes, from "host:container", "ip:host:container" or long syntax. */
function publishedPorts(s: Service): number[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object') return Number(p.published ?? p.target);
    const parts = String(p).split('/')[0]!.split(':');
    return Number(parts.length >= 2 ? parts[parts.length - 2] : parts[0]);
  });
}

function commandText(s: Service): string {
  return Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');
}

describe('docker-compose.yml', () => {
  it('defines the infrastructure and app services', () => {
    for (const name of ['postgres', 'redpanda', 'redpanda-console', 'temporal', ...APP_SERVICES]) {
      expect(services).toHaveProperty([name]);
    }
  });

  it('runs PostgreSQL 15 with a health check and a data volume', () => {
    const pg = service('postgres');
    expect(pg.image).toBe('postgres:15');
    expect(JSON.stringify(pg.healthcheck?.test)).toContain('pg_isready');
    expect(envOf(pg)).toMatchObject({ POSTGRES_USER: 'sales_saga', POSTGRES_DB: 'sales_saga' });
    expect(envOf(pg).POSTGRES_PASSWORD).toBeTruthy();
    expect((pg.volumes ?? []).length).toBeGreaterThan(0);
  });

  it('runs Redpanda in dev-container mode with an internal and a host listener', () => {
    const rp = service('redpanda');
    expect(rp.image).toMatch(/^docker\.redpanda\.com\/redpandadata\/redpanda:v2[45]\.\d+\.\d+$/);
    const cmd = commandText(rp);
    expect(cmd).toMatch(/--mode[ =]dev-container/);
    expect(cmd).toContain('internal://redpanda:9092');
    expect(cmd).toContain('external://localhost:19092');
    expect(publishedPorts(rp)).toContain(19092);
    expect(JSON.stringify(rp.healthcheck?.test)).toContain('rpk cluster health');
  });

  it('runs Redpanda Console on 8080 against the internal listener', () => {
    const ui = service('redpanda-console');
    expect(ui.image).toMatch(/^docker\.redpanda\.com\/redpandadata\/console:v\d+\.\d+\.\d+$/);
    expect(publishedPorts(ui)).toContain(8080);
    expect(JSON.stringify(envOf(ui))).toContain('redpanda:9092');
  });

  it('runs the Temporal dev server with the UI, persistence and the saga search attributes', () => {
    const t = service('temporal');
    expect(t.image).toMatch(/^temporalio\/temporal:\d+\.\d+\.\d+$/);
    expect(publishedPorts(t)).toEqual(expect.arrayContaining([7233, 8233]));
    const cmd = commandText(t);
    expect(cmd).toMatch(/^server start-dev /);
    expect(cmd).toContain('--ip 0.0.0.0');
    expect(cmd).toContain('--db-filename /data/temporal.db');
    expect(cmd).toContain('SaleStatus=Keyword');
    // Every attribute the workflow sets must be registered, with the same type.
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
      expect(cmd).toContain(`--search-attribute ${name}=${type}`);
    }
    expect(cmd).toContain('frontend.enableExecuteMultiOperation=true');
    expect(JSON.stringify(t.volumes)).toContain(':/data');
  });

  describe.each(APP_SERVICES)('app service %s', (name) => {
    const s = service(name);

    it('is built from the repo Dockerfile', () => {
      const build = s.build;
      expect(build).toBeDefined();
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
      expect(context).toBe('.');
      expect(dockerfile).toBe('Dockerfile');
    });

    it(`runs ${ENTRY_POINTS[name]}`, () => {
      expect(commandText(s)).toContain(ENTRY_POINTS[name]);
    });

    it('points at the compose infrastructure by service name', () => {
      const env = envOf(s);
      expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
      const brokers = env.KAFKA_BROKERS!.split(',').map((b) => b.trim());
      expect(brokers.length).toBeGreaterThan(0);
      for (const broker of brokers) expect(broker.split(':')[0]).toBe('redpanda');
      expect(env.TEMPORAL_ADDRESS!.split(':')[0]).toBe('temporal');
      expect(env.HOST).toBe('0.0.0.0');
    });

    it('passes only environment variables that shared/config.ts reads', () => {
      const allowed = allowedEnvNames();
      // Guard against the regex silently matching nothing after a reformat of config.ts.
      expect(allowed.size).toBeGreaterThanOrEqual(20);
      expect(allowed).toContain('DATABASE_URL');
      const unknown = Object.keys(envOf(s)).filter((k) => !allowed.has(k));
      expect(unknown).toEqual([]);
    });
  });

  it('starts the app only after migrations succeeded and Temporal is up', () => {
    const migrateDeps = service('migrate').depends_on as Record<string, { condition?: string }>;
    expect(migrateDeps.postgres?.condition).toBe('service_healthy');
    expect(migrateDeps.redpanda?.condition).toBe('service_healthy');
    const apiDeps = service('api').depends_on as Record<string, { condition?: string }>;
    expect(apiDeps.migrate?.condition).toBe('service_completed_successfully');
    expect(['service_started', 'service_healthy']).toContain(apiDeps.temporal?.condition);
    expect(publishedPorts(service('api'))).toContain(3000);
  });

  it('is internally consistent: dependencies and named volumes exist', () => {
    const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect({ service: name, dependsOn: dep, exists: dep in services }).toMatchObject({ exists: true });
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '');
        // Named volumes only (bind mounts start with . or /).
        if (source && !source.startsWith('.') && !source.startsWith('/')) {
          expect({ service: name, volume: source, declared: declaredVolumes.has(source) }).toMatchObject({ declared: true });
        }
      }
    }
  });
});

describe('Dockerfile', () => {
  it('builds on Node 20', () => {
    const from = dockerfileText.match(/^FROM\s+(\S+)/m)?.[1];
    expect(from).toMatch(/^node:20([-.]|$)/);
  });

  it('installs from the lockfile and runs unprivileged, serving the API by default', () => {
    expect(dockerfileText).toMatch(/^RUN npm ci\b/m);
    expect(dockerfileText).toMatch(/^USER node$/m);
    expect(dockerfileText).toMatch(/^EXPOSE 3000$/m);
    expect(dockerfileText).toMatch(/^CMD .*bin\/api\.ts/m);
  });
});
