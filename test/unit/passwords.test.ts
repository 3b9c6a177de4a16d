import { getConfig } from '../../shared/config';
import { hashPassword, needsRehash, verifyPassword } from '../../shared/passwords';

describe('password hashing (scrypt)', () => {
  test('a hash verifies its own password and no other', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  test('the stored format is scrypt$N$r$p$salt$hash and never contains the password', async () => {
    const hash = await hashPassword('s3cret-password');
    const parts = hash.split('$');
    expect(parts).toHaveLength(6);
    const { N, r, p } = getConfig().auth.scrypt;
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(N), String(r), String(p)]);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(64);
    expect(hash).not.toContain('s3cret-password');
  });

  test('the salt is random: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', a)).toBe(true);
    expect(await verifyPassword('same', b)).toBe(true);
  });

  test('a tampered hash or salt does not verify', async () => {
    const hash = await hashPassword('pw');
    const parts = hash.split('$');
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] = buf[0]! ^ 0xff;
      return buf.toString('base64');
    };
    expect(await verifyPassword('pw', [...parts.slice(0, 5), flip(parts[5]!)].join('$'))).toBe(false);
    expect(await verifyPassword('pw', [...parts.slice(0, 4), flip(parts[4]!), parts[5]].join('$'))).toBe(false);
  });

  test('hashes it did not write are rejected, not thrown on', async () => {
    for (const stored of ['', 'plain-text', 'bcrypt$2b$10$abc', 'scrypt$16384$8$1$$', 'scrypt$1000$8$1$c2FsdA==$aGFzaA==', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaA==']) {
      await expect(verifyPassword('pw', stored)).resolves.toBe(false);
    }
  });

  test('hashes with other (valid) cost parameters still verify, so the cost can be raised later', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('older', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('older', stored)).toBe(true);
    expect(await verifyPassword('newer', stored)).toBe(false);
  });

  test("OWASP's cost (N=2^17, r=8, p=1, 128 MiB) hashes and verifies: maxmem is raised for it", async () => {
    const owasp = { N: 2 ** 17, r: 8, p: 1 };
    const hash = await hashPassword('expensive but fine', owasp);
    expect(hash.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(await verifyPassword('expensive but fine', hash)).toBe(true);
    expect(needsRehash(hash, owasp)).toBe(false);
  });

  test('needsRehash: true for a hash of another cost or format, false for the current one', async () => {
    const current = getConfig().auth.scrypt;
    expect(needsRehash(await hashPassword('pw'), current)).toBe(false);
    expect(needsRehash(await hashPassword('pw', { N: 1024, r: 8, p: 1 }), current)).toBe(true);
    expect(needsRehash('scrypt$16384$8$1$c2FsdA==$aGFzaA==', { N: 2 ** 17, r: 8, p: 1 })).toBe(true);
    expect(needsRehash('bcrypt$2b$10$abc', current)).toBe(true);
  });
});
