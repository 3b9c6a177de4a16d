/**
 * Where the local stack keeps things. Downloads and builds are cached outside the clone
 * (~/.cache/sales-saga) so a fresh clone reuses them; data, logs and pid files live in the
 * clone's git-ignored .state/ folder.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { getConfig } from '../shared/config';

export const repoRoot = resolve(__dirname, '..');

export function stateDir(): string {
  return getConfig().stack.stateDir ?? join(repoRoot, '.state');
}

export function cacheDir(): string {
  return getConfig().stack.cacheDir ?? join(homedir(), '.cache', 'sales-saga');
}

export function stateFile(...parts: string[]): string {
  return join(stateDir(), ...parts);
}
