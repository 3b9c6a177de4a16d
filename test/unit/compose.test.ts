/**
 * docker-compose.yml cannot be run on the build machines (no Docker engine), so this test is what
 * keeps it honest. The file is loaded by the real Docker Compose CLI (`docker-compose config`, which
 * interpolates, merges the `<<:` anchors, validates against the Compose schema and renders JSON
 * without an engine; built once into ~/.cache/sales-saga by stack/docker-compose-tool.ts) with the
 * documented .env.example, and the rendered result is checked against the app it starts: services,
 * ports (127.0.0.1 only), health checks, restart policies, the dependency graph, the entry points,
 * and that every environment variable handed to the app is one shared/config.ts reads and accepts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../shared/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../../shared/search-attributes';
import { dockerComposeBinary } from '../../stack/docker-compose-tool';

const root = path.resolve(__dirname, '../..');
const dockerfileText = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const configText = readFileSync(path.join(root, 'shared/config.ts'), 'utf8');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: { host_ip?: string; published?: string; target?: number }[];
  volumes?: { type?: string; source?: string; target?: string }[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  user?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose config` with the given env file; the JSON it renders, or its error output. */
function render(envFile: string): { status: number | null; json?: Compose; stderr: string } {
  const run = spawnSync(dockerComposeBinary(), ['-f', path.join(root, 'docker-compose.yml'), '--env-file', envFile, 'config', '--format', 'json'], {
    cwd: root,
    encoding: 'utf8',
    // only what the env file says: a developer's own shell variables must not fill the gaps
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return { status: run.status, json: run.status === 0 ? (JSON.parse(run.stdout) as Compose) : undefined, stderr: run.stderr };
}

const rendered = render(path.join(root, '.env.example'));
if (!rendered.json) throw new Error(`docker-compose config failed:\n${rendered.stderr}`);
const compose = rendered.json;
const services = compose.services;

const APP_SERVICES = ['migrate', 'api', 'worker', 'consumers', 'delivery'] as const;
const ENTRY_POINTS: Record<(typeof APP_SERVICES)[number], string> = {
  migrate: 'bin/migrate.ts',
  api: 'bin/api.ts',
  worker: 'bin/worker.ts',
  consumers: 'bin/consumers.ts',
  delivery: 'bin/delivery.ts',
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

function envOf(s: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v ?? '']));
}

function publishedPorts(s: Service): number[] {
  return (s.ports ?? []).map((p) => Number(p.published ?? p.target));
}

function commandText(s: Service): string {
  return (s.command ?? []).join(' ');
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
    expect(t.volumes).toEqual([expect.objectContaining({ type: 'volume', source: 'temporal-data', target: '/data' })]);
  });

  describe.each(APP_SERVICES)('app service %s', (name) => {
    const s = service(name);

    it('is built from the repo Dockerfile', () => {
      expect(s.build).toEqual({ context: root, dockerfile: 'Dockerfile' });
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

  it('passes the app an environment config.ts accepts, in production mode', () => {
    for (const name of APP_SERVICES) {
      const cfg = parseConfig(envOf(service(name)));
      expect({ name, env: cfg.env, seed: cfg.demo.seed, metricsOnOwnPort: cfg.metrics.port }).toEqual({ name, env: 'production', seed: false, metricsOnOwnPort: 9100 });
    }
  });

  it('takes its secrets from .env and stops, naming the variable, when one is missing', () => {
    const example = Object.fromEntries(
      readFileSync(path.join(root, '.env.example'), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(example)).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'JWT_SECRET']));
    expect(envOf(service('postgres')).POSTGRES_PASSWORD).toBe(example.POSTGRES_PASSWORD);
    expect(envOf(service('api')).JWT_SECRET).toBe(example.JWT_SECRET);
    expect(new URL(envOf(service('api')).DATABASE_URL!).password).toBe(example.POSTGRES_PASSWORD);

    const withoutEnv = render('/dev/null');
    expect(withoutEnv.status).not.toBe(0);
    expect(withoutEnv.stderr).toMatch(/required variable (POSTGRES_PASSWORD|JWT_SECRET) is missing a value: set \1 in \.env/);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, port: p.published, hostIp: p.host_ip })));
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(p).toEqual({ ...p, hostIp: '127.0.0.1' });
  });

  it('gives every service a restart policy and every long-running one a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, restart: s.restart }).toEqual({ name, restart: name === 'migrate' ? 'on-failure:5' : 'unless-stopped' });
      // migrate is a one-shot: the others wait for its successful exit, not for its health
      if (name !== 'migrate') expect({ name, disabled: s.healthcheck?.disable ?? false, hasTest: (s.healthcheck?.test?.length ?? 0) > 1 }).toEqual({ name, disabled: false, hasTest: true });
    }
  });

  // What each process talks to (bin/*.ts preflight): it must wait until that server is healthy.
  const NEEDS: Record<string, string[]> = {
    migrate: ['postgres', 'redpanda', 'temporal'],
    api: ['postgres', 'redpanda', 'temporal'],
    worker: ['postgres', 'redpanda', 'temporal'],
    consumers: ['postgres', 'redpanda'],
    delivery: ['postgres', 'mailpit'],
    'redpanda-console': ['redpanda'],
  };

  it('makes every service that needs PostgreSQL, Kafka or Temporal wait for it to be healthy', () => {
    for (const [name, needs] of Object.entries(NEEDS)) {
      const deps = service(name).depends_on ?? {};
      for (const server of needs) expect({ name, server, condition: deps[server]?.condition }).toEqual({ name, server, condition: 'service_healthy' });
    }
    for (const name of ['api', 'worker', 'consumers', 'delivery']) {
      expect(service(name).depends_on?.migrate?.condition).toBe('service_completed_successfully');
    }
    // the delivery workers' readiness is their health port's /readyz (PostgreSQL and SMTP)
    expect(JSON.stringify(service('delivery').healthcheck?.test)).toContain(`127.0.0.1:${envOf(service('delivery')).DELIVERY_HEALTH_PORT}/readyz`);
    expect(publishedPorts(service('api'))).toContain(3000);
  });

  it('is internally consistent: dependencies and named volumes exist', () => {
    const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(services)) {
      const deps = Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect({ service: name, dependsOn: dep, exists: dep in services }).toMatchObject({ exists: true });
      for (const v of s.volumes ?? []) {
        const source = v.source ?? '';
        if (v.type === 'volume') {
          expect({ service: name, volume: source, declared: declaredVolumes.has(source) }).toMatchObject({ declared: true });
        }
      }
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileText.split(/^FROM /m).slice(1);
  const final = stages[stages.length - 1]!;

  it('builds on Node 20, in stages', () => {
    expect(dockerfileText).toMatch(/^ARG NODE_IMAGE=node:20([-.]|$)/m);
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('ships production dependencies only: the page is built in a stage of its own', () => {
    expect(dockerfileText).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(final).not.toMatch(/^RUN npm ci\b/m);
    expect(final).toMatch(/^COPY --from=deps \/app\/node_modules /m);
    expect(final).toMatch(/^COPY --from=web \S+\/web\/dist /m);
    expect(final).not.toMatch(/^COPY \. /m); // no tests, tooling or local state in the image
  });

  it('runs unprivileged in production mode with a health check, serving the API by default', () => {
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/APP_ENV=production/);
    expect(final).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(final).toMatch(/^EXPOSE 3000$/m);
    expect(final).toMatch(/^CMD .*bin\/api\.ts/m);
  });
});
