/**
 * One chaos run per state dir at a time. Several people (and their `npm test`) share this tree; a
 * second run would wipe and restart the first one's servers under it. The lock is a file next to
 * the state dir holding the owner's pid; a lock whose owner is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function acquireLock(file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  // on a fresh clone the folder (.state) does not exist yet
  mkdirSync(dirname(file), { recursive: true });
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch {
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || !ownerAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another chaos run (pid ${owner}) holds ${file}; it did not finish within ${timeoutMs / 60_000} min`);
      if (!told) process.stderr.write(`[chaos] another chaos run (pid ${owner}) is using this stack; waiting for it to finish…\n`);
      told = true;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  }
}

export function releaseLock(file: string): void {
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
  } catch {
    /* not ours or gone */
  }
}
