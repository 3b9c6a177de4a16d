/**
 * No Kubernetes can run on the build machines, so this test is what keeps the chart (deploy/) honest:
 * `npm run check:deploy` (helm lint, helm template, kubeconform against the pinned Kubernetes
 * version's schemas) must pass, must fail on a manifest Kubernetes would reject, and the rendered
 * manifests must carry what the processes need: the entry points, the health probes, a stop grace
 * longer than the code's own drain, settings the config module actually reads, the hook that runs the
 * migrations first, and the PDBs, the API's autoscaler and the NetworkPolicy.
 *
 * The tools (helm, kubeconform, the schemas) are built once into the project cache by
 * scripts/ensure-deploy-tools.sh, which scripts/test.sh runs before jest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { STOP_TIMEOUT_MS } from '../../runtime/lifecycle';
import { WORKER_SHUTDOWN_GRACE_MS } from '../../runtime/worker';
import { ENV_NAMES } from '../../shared/config';

const root = path.resolve(__dirname, '../..');
const chart = path.join(root, 'deploy/sales-saga');
const productionValues = path.join(root, 'deploy/values-production.yaml');

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  command?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    egress?: Array<{ ports?: Array<{ port: number | string }> }>;
    ingress?: Array<{ ports?: Array<{ port: number | string }> }>;
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
  };
}

let tools: Record<string, string>;

beforeAll(() => {
  // cheap when the cache is warm; builds helm and kubeconform otherwise (minutes)
  const out = execFileSync('bash', [path.join(root, 'scripts/ensure-deploy-tools.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  tools = Object.fromEntries(out.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}, 20 * 60_000);

function render(args: string[] = []): Manifest[] {
  const out = execFileSync(tools.HELM!, ['template', 'sales-saga', chart, '--namespace', 'sales-saga', '--kube-version', tools.KUBERNETES_VERSION!, ...args], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function checkDeploy(args: string[] = []) {
  const result = spawnSync('bash', [path.join(root, 'scripts/check-deploy.sh'), ...args], { encoding: 'utf8', cwd: root });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered; got ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

function container(m: Manifest): Container {
  const c = m.spec?.template?.spec.containers[0];
  if (!c) throw new Error(`${m.kind} ${m.metadata.name} has no container`);
  return c;
}

describe('npm run check:deploy', () => {
  test('lints, renders and validates the chart with the default and the production values', () => {
    const { status, output, stdout } = checkDeploy();
    expect({ status, output }).toMatchObject({ status: 0 });
    const summary = /Summary: (\d+) resources found in 2 files - Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(stdout);
    expect(summary).not.toBeNull();
    const [, found, valid, invalid, errors, skipped] = summary!.map(Number);
    expect(found).toBeGreaterThanOrEqual(25);
    expect({ valid, invalid, errors, skipped }).toEqual({ valid: found, invalid: 0, errors: 0, skipped: 0 });
  }, 120_000);

  test('fails when a value renders a manifest Kubernetes would reject', () => {
    // a misspelt field passes helm (values are free-form) but not kubeconform's strict schemas
    const { status, output } = checkDeploy(['--set', 'securityContext.readOnlyRootFileSystem=true']);
    expect(status).not.toBe(0);
    expect(output).toMatch(/Deployment sales-saga-api is invalid: .*additional properties 'readOnlyRootFileSystem' not allowed/);
  }, 120_000);
});

describe.each([
  ['default values', [] as string[]],
  ['production values', ['--values', productionValues]],
])('the chart rendered with the %s', (_label, args) => {
  let manifests: Manifest[];
  let deployments: Manifest[];
  beforeAll(() => {
    manifests = render(args);
    deployments = manifests.filter((m) => m.kind === 'Deployment');
  });

  test('runs api, worker, consumers and delivery, each with its entry point, as a non-root user with resources', () => {
    const entryPoints = Object.fromEntries(deployments.map((d) => [d.metadata.name, container(d).command?.at(-1)]));
    expect(entryPoints).toEqual({
      'sales-saga-api': 'bin/api.ts',
      'sales-saga-worker': 'bin/worker.ts',
      'sales-saga-consumers': 'bin/consumers.ts',
      'sales-saga-delivery': 'bin/delivery.ts',
    });
    for (const d of deployments) {
      const pod = d.spec!.template!.spec;
      expect({ name: d.metadata.name, ...pod.securityContext }).toMatchObject({ name: d.metadata.name, runAsNonRoot: true, runAsUser: expect.any(Number) });
      expect(pod.securityContext!.runAsUser).toBeGreaterThan(0);
      expect(container(d).securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container(d).resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    }
  });

  test('probes the API on /healthz (liveness) and /readyz (readiness), on the port it listens on', () => {
    const config = find(manifests, 'ConfigMap', 'sales-saga');
    const api = container(find(manifests, 'Deployment', 'sales-saga-api'));
    expect(api.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(api.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(api.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: Number(config.data!.PORT) })]);
    expect(config.data!.HOST).toBe('0.0.0.0');
  });

  test("probes the worker on its metrics server, and gives it longer to stop than the code's drain", () => {
    const deployment = find(manifests, 'Deployment', 'sales-saga-worker');
    const worker = container(deployment);
    const metricsAddress = worker.env?.find((e) => e.name === 'WORKER_METRICS_ADDRESS')?.value;
    expect(metricsAddress).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(worker.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: Number(metricsAddress!.split(':')[1]) })]);
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    const grace = deployment.spec!.template!.spec.terminationGracePeriodSeconds!;
    expect(grace).toBeGreaterThan(WORKER_SHUTDOWN_GRACE_MS / 1000);
    expect(grace).toBeGreaterThan(STOP_TIMEOUT_MS / 1000);
    for (const d of deployments) expect(d.spec!.template!.spec.terminationGracePeriodSeconds).toBeGreaterThan(STOP_TIMEOUT_MS / 1000);
  });

  test.each([
    ['consumers', 'CONSUMERS_HEALTH_PORT'],
    ['delivery', 'DELIVERY_HEALTH_PORT'],
  ])('probes %s on its health port (%s): /healthz for liveness, /readyz for readiness; scrapers may reach it', (name, variable) => {
    const deployment = find(manifests, 'Deployment', `sales-saga-${name}`);
    const c = container(deployment);
    const port = c.env?.find((e) => e.name === variable)?.value;
    expect(port).toMatch(/^\d+$/);
    expect(c.ports).toEqual([expect.objectContaining({ name: 'health', containerPort: Number(port) })]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(find(manifests, 'NetworkPolicy', `sales-saga-${name}`).spec!.ingress).toEqual([expect.objectContaining({ ports: [{ port: 'health', protocol: 'TCP' }] })]);
  });

  test('runs the migrations as a pre-install/pre-upgrade hook Job with the same settings', () => {
    const job = find(manifests, 'Job', 'sales-saga-migrate');
    expect(job.metadata.annotations?.['helm.sh/hook']?.split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
    expect(container(job).command?.at(-1)).toBe('bin/migrate.ts');
    expect(job.spec!.template!.spec.restartPolicy).toBe('Never');
    // what the Job reads exists at hook time: hook copies of the ConfigMap (and Secret), or an existing Secret
    const sources = container(job).envFrom!;
    const configMap = find(manifests, 'ConfigMap', sources.find((s) => s.configMapRef)!.configMapRef!.name);
    expect(configMap.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(configMap.data).toEqual(find(manifests, 'ConfigMap', 'sales-saga').data);
    const apiSecret = container(find(manifests, 'Deployment', 'sales-saga-api')).envFrom!.find((s) => s.secretRef)!.secretRef!.name;
    const jobSecret = sources.find((s) => s.secretRef)!.secretRef!.name;
    const renderedSecret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === jobSecret);
    if (renderedSecret) expect(renderedSecret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    else expect(jobSecret).toBe(apiSecret); // an existing Secret, managed outside the release
  });

  test('hands the processes only settings shared/config.ts reads, with the secret ones in a Secret', () => {
    const known = new Set(ENV_NAMES);
    const config = find(manifests, 'ConfigMap', 'sales-saga');
    expect(Object.keys(config.data!).filter((name) => !known.has(name))).toEqual([]);
    expect(Object.keys(config.data!)).not.toEqual(expect.arrayContaining(['DATABASE_URL']));
    expect(Object.keys(config.data!)).not.toEqual(expect.arrayContaining(['JWT_SECRET']));
    expect(config.data!.APP_ENV).toBe('production');
    const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'sales-saga');
    if (secret) {
      expect(Object.keys(secret.data!).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET']);
      expect(Buffer.from(secret.data!.JWT_SECRET!, 'base64').toString().length).toBeGreaterThanOrEqual(32);
    }
    for (const d of deployments) {
      const c = container(d);
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'sales-saga' } }, { secretRef: { name: secret ? 'sales-saga' : 'sales-saga-env' } }]);
      // variables set on the container itself: the app's, or node's own (NODE_*)
      for (const { name } of c.env ?? []) expect(known.has(name) || name.startsWith('NODE_')).toBe(true);
    }
  });

  test('has a PodDisruptionBudget per component, an autoscaler for the API and a NetworkPolicy', () => {
    for (const d of deployments) {
      const pdb = find(manifests, 'PodDisruptionBudget', d.metadata.name);
      expect(pdb.spec!.selector!.matchLabels).toEqual(d.spec!.selector!.matchLabels);
      expect(d.spec!.template!.metadata!.labels).toMatchObject(d.spec!.selector!.matchLabels!);
    }
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'sales-saga-api');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'sales-saga-api' });
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    // the autoscaler owns the replica count; a fixed one would fight it on every upgrade
    expect(find(manifests, 'Deployment', 'sales-saga-api').spec!.replicas).toBeUndefined();

    const policy = find(manifests, 'NetworkPolicy', 'sales-saga');
    expect(policy.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    for (const d of deployments) expect(d.spec!.template!.metadata!.labels).toMatchObject(policy.spec!.podSelector!.matchLabels!);
    const egressPorts = policy.spec!.egress!.flatMap((rule) => rule.ports?.map((p) => p.port) ?? []);
    expect(egressPorts).toEqual(expect.arrayContaining([53, 5432, 9093, 7233, 587]));
    expect(find(manifests, 'NetworkPolicy', 'sales-saga-api').spec!.ingress).toEqual([expect.objectContaining({ ports: [{ port: 'http', protocol: 'TCP' }] })]);
  });
});
