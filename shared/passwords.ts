/**
 * Password hashing with scrypt (node:crypto, no native add-on). The stored string carries its own
 * parameters (`scrypt$N$r$p$salt$hash`, base64), so the cost can be raised later: old hashes still
 * verify, and `needsRehash` tells the login to store a new one. The cost comes from the
 * configuration: OWASP's N=2^17, r=8, p=1 (128 MiB, a few hundred ms) by default, cheaper in tests.
 * Hashing runs on libuv's thread pool (async scrypt), not on the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { getConfig } from './config';

const KEY_LENGTH = 64;
const SALT_BYTES = 16;

export interface Cost {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, cost: Cost, keyLength: number): Promise<Buffer> {
  // maxmem must cover 128·N·r bytes, or the larger costs a stored hash may carry would be refused
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: Cost = getConfig().auth.scrypt): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, cost, KEY_LENGTH);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Whether a stored hash was made with other parameters than `cost` (or is not ours): hash it anew. */
export function needsRehash(stored: string, cost: Cost = getConfig().auth.scrypt): boolean {
  const parts = stored.split('$');
  return parts.length !== 6 || parts[0] !== 'scrypt' || parts[1] !== String(cost.N) || parts[2] !== String(cost.r) || parts[3] !== String(cost.p);
}

/** False for a wrong password and for anything that is not a hash this module wrote. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // bounds keep a corrupted or hostile row from asking for gigabytes of memory
  const sane = Number.isInteger(n) && n > 1 && n <= 2 ** 20 && (n & (n - 1)) === 0 && Number.isInteger(r) && r >= 1 && r <= 32 && Number.isInteger(p) && p >= 1 && p <= 16;
  if (!sane) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || expected.length === 0) return false;
  const actual = await derive(password, salt, { N: n, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}
