/**
 * The project's own wiring (issue #12): every TypeScript folder is type-checked by `tsc` (bin/ and
 * runtime/ once were not), and every npm script that runs a file names one that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const tsconfig = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

// web/ is the browser page with its own tsconfig (DOM types), checked by `npm run build:web`
const OWN_TSCONFIG = new Set(['web']);

test('tsc covers every top-level folder holding TypeScript', () => {
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules' && !OWN_TSCONFIG.has(d.name))
    .filter((d) => readdirSync(path.join(root, d.name), { recursive: true }).some((f) => String(f).endsWith('.ts')))
    .map((d) => d.name);
  expect(folders).toEqual(expect.arrayContaining(['bin', 'runtime']));
  expect(folders.filter((f) => !tsconfig.include.includes(f))).toEqual([]);
});

test.each(Object.entries(pkg.scripts))('npm run %s names files that exist', (_name, script) => {
  for (const [, file] of script.matchAll(/(?:tsx|bash|node)\s+(\S+\.(?:ts|sh|js))/g)) {
    expect({ file, exists: existsSync(path.join(root, file!)) }).toEqual({ file, exists: true });
  }
});
