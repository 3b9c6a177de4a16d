/**
 * The local trace backend (issue #16): the Zipkin server, one executable jar from Maven Central,
 * resolved once into the cache and run on the machine's Java 17 with a small heap and in-memory
 * storage (traces last until it stops). Its UI is at /zipkin/, its API at /api/v2/; by default it
 * would listen on every interface, so the Armeria port is bound to 127.0.0.1.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig } from '../shared/config';
import { cacheDir, stateFile } from './paths';
import { commandExists, readPid, run, say, startServerDaemon, stopDaemon } from './proc';

export const ZIPKIN_VERSION = '3.5.1';

/** The server's jar, resolving it with Maven on first use (131 MB). */
export function zipkinJar(): string {
  const dir = join(cacheDir(), `zipkin-${ZIPKIN_VERSION}`);
  const jar = join(dir, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`);
  if (existsSync(jar)) return jar;
  if (!commandExists('mvn') || !commandExists('java')) {
    throw new Error('the local Zipkin needs Java 17 and Maven (mvn) to resolve its jar; install them, or set OTEL_EXPORTER_ZIPKIN_ENDPOINT or OTEL_TRACES_EXPORTER');
  }
  say(`resolving the Zipkin server ${ZIPKIN_VERSION} (131 MB) from Maven Central into ${dir} (once)…`);
  // into a scratch directory first: an interrupted download never passes for the jar
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  run('mvn', ['-B', 'dependency:copy', `-Dartifact=io.zipkin:zipkin-server:${ZIPKIN_VERSION}:jar:exec`, `-DoutputDirectory=${partial}`], {
    // Maven's "Downloading … / Downloaded … (131 MB at …)" lines are the progress a person waits on
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(join(partial, `zipkin-server-${ZIPKIN_VERSION}-exec.jar`))) throw new Error(`Maven resolved no Zipkin jar into ${partial}`);
  mkdirSync(cacheDir(), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return jar;
}

function files() {
  const dir = stateFile('zipkin');
  return { dir, log: join(dir, 'zipkin.log'), pid: join(dir, 'zipkin.pid') };
}

/**
 * How many spans the in-memory storage keeps (the oldest traces go first). It must fit the 256 MB
 * heap with room to spare: a span of ours takes about 2.5 KB there, and at 200 000 the heap filled
 * near 100 000 spans — the server then spent its time collecting garbage (tens of ms of CPU per
 * sale, the bench's tracing rounds paid for it) and died of OutOfMemoryError. 50 000 spans is
 * about a thousand sales' traces (test/integration/zipkin-capacity.test.ts).
 */
export const ZIPKIN_MAX_SPANS = 50_000;

export function zipkinServerArgs(jar: string): string[] {
  const port = getConfig().tracing.localZipkinPort;
  return [
    '-Xmx256m',
    '-XX:+UseSerialGC', // one small heap; the machine's cores are the app's
    '-jar', jar,
    `--armeria.ports[0].port=${port}`,
    '--armeria.ports[0].ip=127.0.0.1',
    '--armeria.ports[0].protocols=http',
    '--zipkin.storage.type=mem',
    `--zipkin.storage.mem.max-spans=${ZIPKIN_MAX_SPANS}`,
  ];
}

export function zipkinRunning(): boolean {
  return readPid(files().pid) !== undefined;
}

export async function startZipkin(): Promise<void> {
  const jar = zipkinJar();
  if (zipkinRunning()) return;
  const { tracing } = getConfig();
  const f = files();
  await startServerDaemon('java', zipkinServerArgs(jar), {
    dir: f.dir,
    logFile: f.log,
    pidFile: f.pid,
    announce: `starting Zipkin: UI ${tracing.uiUrl}, API http://127.0.0.1:${tracing.localZipkinPort}/api/v2/`,
    ports: [
      {
        port: tracing.localZipkinPort,
        what: 'Zipkin',
        timeoutMs: 120_000,
        mustBeFree: { what: 'the trace backend (Zipkin)', setting: 'LOCAL_ZIPKIN_PORT, or OTEL_EXPORTER_ZIPKIN_ENDPOINT to use another Zipkin' },
      },
    ],
  });
}

export async function stopZipkin(): Promise<boolean> {
  return stopDaemon(files().pid, 15_000);
}

export function zipkinStatus(): string {
  const { tracing } = getConfig();
  return zipkinRunning() ? `running: UI ${tracing.uiUrl} (log ${files().log})` : 'stopped';
}
