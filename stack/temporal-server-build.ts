/**
 * The Temporal server, its schema tool and the Temporal UI server, built once from the Go module
 * proxy into the cache (issue #15). `go install` works for these tags: their go.mod asks for a Go
 * the machine has and carries no `replace` directive (both checked before building, so a newer
 * tag fails with a sentence instead of a compiler error). v1.29.1 is the server the CLI dev server
 * (stack/temporal.ts, v1.5.1) embeds, so both topologies run the same engine.
 *
 * Both the server and the schema tool install as binaries named after their folder (`server`,
 * `sql`), hence one GOBIN each. The PostgreSQL schema files are copied from the module source, so a
 * build is self-contained. Everything goes into a scratch folder that is renamed into place with a
 * `.complete` marker last: an interrupted build never passes for a finished one, and two builds at
 * once cannot collide.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths';
import { commandExists, run, say } from './proc';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerBuild {
  /** the server binary (all roles: `start --service frontend|history|matching|worker`) */
  server: string;
  /** temporal-sql-tool: create-database, setup-schema, update-schema */
  sqlTool: string;
  /** the Temporal UI server */
  uiServer: string;
  /** schema/postgresql/v12 of the server's module: temporal/versioned and visibility/versioned */
  schemaDir: string;
}

const goEnv = (): NodeJS.ProcessEnv => ({ ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' });

function goVersion(): number[] {
  const version = run('go', ['env', 'GOVERSION'], { env: goEnv() }).trim(); // e.g. go1.26.8
  return version.replace(/^go/, '').split(/[.\-a-z]/).slice(0, 3).map(Number);
}

function versionAtLeast(have: number[], need: number[]): boolean {
  for (let i = 0; i < 3; i += 1) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

/** Downloads the module and refuses one that `go install pkg@version` cannot build here. Returns its source folder. */
function checkedModule(module: string, version: string): string {
  const info = JSON.parse(run('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv() })) as { Dir: string; GoMod: string };
  const goMod = readFileSync(info.GoMod, 'utf8');
  const need = /^go\s+(\S+)/m.exec(goMod)?.[1];
  if (need && !versionAtLeast(goVersion(), need.split('.').map(Number))) {
    throw new Error(`${module}@${version} needs Go ${need}; this machine has ${run('go', ['env', 'GOVERSION']).trim()}`);
  }
  if (/^\s*replace\b/m.test(goMod)) throw new Error(`${module}@${version} has a replace directive, which go install refuses`);
  return info.Dir;
}

function goInstall(pkg: string, gobin: string): void {
  const started = Date.now();
  mkdirSync(gobin, { recursive: true });
  run('go', ['install', pkg], { env: { ...goEnv(), GOBIN: gobin }, stdio: ['ignore', 'ignore', 'inherit'] });
  say(`built ${pkg} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Builds into `dir` unless its `.complete` marker is there; `fill` writes into a scratch folder. */
function cachedBuild(dir: string, what: string, fill: (scratch: string) => void): void {
  if (existsSync(join(dir, '.complete'))) return;
  if (!commandExists('go')) throw new Error(`building ${what} needs Go (go install); install it, or set TEMPORAL_ADDRESS to use a running server`);
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    say(`building ${what} with go install into ${dir} (once; several minutes on 2 cores)…`);
    fill(scratch);
    writeFileSync(join(scratch, '.complete'), `${new Date().toISOString()}\n`);
    if (existsSync(join(dir, '.complete'))) return; // another process finished first
    rmSync(dir, { recursive: true, force: true });
    renameSync(scratch, dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The binaries and schema files, building them first when the cache has none (idempotent). */
export function temporalServerBuild(): TemporalServerBuild {
  const serverDir = join(cacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const uiDir = join(cacheDir(), `temporal-ui-server-${TEMPORAL_UI_SERVER_VERSION}`);
  cachedBuild(serverDir, `the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool`, (scratch) => {
    const source = checkedModule(SERVER_MODULE, TEMPORAL_SERVER_VERSION);
    goInstall(`${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, join(scratch, 'gobin-server'));
    goInstall(`${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, join(scratch, 'gobin-sql'));
    mkdirSync(join(scratch, 'bin'));
    renameSync(join(scratch, 'gobin-server', 'server'), join(scratch, 'bin', 'temporal-server'));
    renameSync(join(scratch, 'gobin-sql', 'sql'), join(scratch, 'bin', 'temporal-sql-tool'));
    rmSync(join(scratch, 'gobin-server'), { recursive: true });
    rmSync(join(scratch, 'gobin-sql'), { recursive: true });
    // the module cache is read-only: copies are plain files the next build may replace
    cpSync(join(source, 'schema', 'postgresql', 'v12'), join(scratch, 'schema', 'postgresql', 'v12'), { recursive: true });
    run('chmod', ['-R', 'u+w', join(scratch, 'schema')]);
  });
  cachedBuild(uiDir, `the Temporal UI server ${TEMPORAL_UI_SERVER_VERSION}`, (scratch) => {
    checkedModule(UI_MODULE, TEMPORAL_UI_SERVER_VERSION);
    goInstall(`${UI_MODULE}/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`, join(scratch, 'gobin'));
    mkdirSync(join(scratch, 'bin'));
    renameSync(join(scratch, 'gobin', 'server'), join(scratch, 'bin', 'temporal-ui-server'));
    rmSync(join(scratch, 'gobin'), { recursive: true });
  });
  return {
    server: join(serverDir, 'bin', 'temporal-server'),
    sqlTool: join(serverDir, 'bin', 'temporal-sql-tool'),
    uiServer: join(uiDir, 'bin', 'temporal-ui-server'),
    schemaDir: join(serverDir, 'schema', 'postgresql', 'v12'),
  };
}
