/**
 * With tracing on, the OpenTelemetry instrumentations hook `require` (require-in-the-middle), and
 * the hook resolves the file name of every `require()` call, even of a module loaded long ago.
 * kafkajs requires its protocol encoder on every request it sends (fetch, offset commit, produce),
 * and under tsx each resolution formats a stack trace: measured at about 4 ms of CPU per sale in
 * the consumers and 2 ms in the worker (README "Tracing").
 *
 * This remembers the resolution of a relative request from a module inside node_modules, as Node's
 * own loader already does for plain `require()` calls (its relative-resolve cache): the same
 * request from the same file always names the same file while the process runs.
 */
import Module from 'node:module';

type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, isMain?: boolean, options?: unknown) => string;

interface Loader {
  _resolveFilename: ResolveFilename;
}

const patched = new WeakSet<Loader>();

/** `loader`: Node's Module (a stand-in in the tests). Idempotent. */
export function rememberDependencyResolutions(loader: Loader = Module as unknown as Loader): void {
  if (patched.has(loader)) return;
  patched.add(loader);
  const resolve = loader._resolveFilename;
  const known = new Map<string, string>();
  loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    const from = parent?.filename;
    // only what Node's own cache would answer: relative requests, no options, from a dependency
    const cacheable = options === undefined && !isMain && typeof from === 'string' && from.includes('/node_modules/') && (request.startsWith('./') || request.startsWith('../'));
    if (!cacheable) return resolve.call(this, request, parent, isMain, options);
    const key = `${from}\0${request}`;
    let filename = known.get(key);
    if (filename === undefined) {
      filename = resolve.call(this, request, parent, isMain, options);
      known.set(key, filename);
    }
    return filename;
  };
}
