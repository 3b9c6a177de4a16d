/** The resolution cache tracing installs under require-in-the-middle (shared/resolve-cache.ts). */
import { rememberDependencyResolutions } from '../../shared/resolve-cache';

function fakeLoader() {
  const calls: string[] = [];
  const loader = {
    _resolveFilename(request: string, parent: { filename?: string | null } | undefined): string {
      calls.push(`${parent?.filename} ${request}`);
      if (request.includes('missing')) throw new Error(`Cannot find module '${request}'`);
      return `${parent?.filename}/../${request}.js`;
    },
  };
  rememberDependencyResolutions(loader);
  return { loader, calls };
}

const kafkajsFetch = { filename: '/app/node_modules/kafkajs/src/protocol/requests/fetch/index.js' };

test("a dependency's relative request is resolved once, then answered from memory", () => {
  const { loader, calls } = fakeLoader();
  const first = loader._resolveFilename('./v11/request', kafkajsFetch);
  expect(loader._resolveFilename('./v11/request', kafkajsFetch)).toBe(first);
  expect(calls).toHaveLength(1);
  // another file asking for the same relative path is another resolution
  loader._resolveFilename('./v11/request', { filename: '/app/node_modules/kafkajs/src/protocol/requests/produce/index.js' });
  expect(calls).toHaveLength(2);
});

test("bare specifiers, the app's own files, calls with options and failures are resolved every time", () => {
  const { loader, calls } = fakeLoader();
  for (let i = 0; i < 2; i++) {
    loader._resolveFilename('kafkajs', kafkajsFetch);
    loader._resolveFilename('./sales', { filename: '/app/activities/index.ts' });
    (loader._resolveFilename as (...a: unknown[]) => string)('./v11/request', kafkajsFetch, false, { paths: ['/elsewhere'] });
    expect(() => loader._resolveFilename('./missing', kafkajsFetch)).toThrow('Cannot find module');
  }
  expect(calls).toHaveLength(8);
});

test('installing twice wraps once', () => {
  const { loader, calls } = fakeLoader();
  rememberDependencyResolutions(loader);
  loader._resolveFilename('./a', kafkajsFetch);
  loader._resolveFilename('./a', kafkajsFetch);
  expect(calls).toHaveLength(1);
});
