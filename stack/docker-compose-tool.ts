/**
 * The Docker Compose CLI, for validating docker-compose.yml on machines without a container engine:
 * `docker-compose config` loads, interpolates and validates the file exactly as `docker compose up`
 * would, and needs no engine. Built once from the Go module proxy into the cache. `go install` cannot
 * do it (the module has `exclude` directives, which `go install pkg@version` refuses), so it is
 * built inside a scratch module that requires it as a tool dependency.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths';
import { commandExists, run, say } from './proc';

export const DOCKER_COMPOSE_VERSION = 'v2.40.3';

const COMPOSE_PACKAGE = 'github.com/docker/compose/v2/cmd';

/** Path of the cached binary, building it first when absent (a few minutes, once). */
export function dockerComposeBinary(): string {
  const bin = join(cacheDir(), 'bin', `docker-compose-${DOCKER_COMPOSE_VERSION}`);
  if (existsSync(bin)) return bin;
  if (!commandExists('go')) throw new Error('building docker-compose needs Go (it is only used to validate docker-compose.yml)');
  // A per-process scratch module, and a rename at the end, so two builds at once cannot collide.
  const work = join(cacheDir(), 'build', `docker-compose-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const env = { ...process.env, GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' };
  const opts = { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] as ('ignore' | 'inherit')[] };
  try {
    say(`building docker-compose ${DOCKER_COMPOSE_VERSION} from the Go module proxy (once; about 3 minutes)…`);
    run('go', ['mod', 'init', 'sales-saga/compose-tool'], opts);
    say('docker-compose: resolving modules…');
    run('go', ['get', '-tool', `${COMPOSE_PACKAGE}@${DOCKER_COMPOSE_VERSION}`], opts);
    say('docker-compose: compiling…');
    run('go', ['build', '-o', 'docker-compose', COMPOSE_PACKAGE], opts);
    mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
    renameSync(join(work, 'docker-compose'), bin);
    say(`docker-compose ready: ${bin}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
