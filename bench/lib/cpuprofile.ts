/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`) into self time per function and per module, so a
 * profile taken under the bench's load reads as "where does this process spend its CPU".
 * Self time of a node = the sum of the sample intervals whose sample landed in that node.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** self time with idle excluded (what the process actually spent) */
  busyMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
}

/** The package (node_modules/<pkg> or node:<builtin>) or app directory a frame belongs to. */
export function moduleOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  const app = /\/(api|activities|workflows|consumers|shared|runtime|bin|bench|stack)\//.exec(url);
  if (app) return `app:${app[1]}`;
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, busyMs: number, n: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / 1000 / busyMs) * 1000) / 10 }));
}

/**
 * `window` (µs of the monotonic clock, as process.hrtime reads it) keeps only the samples taken in
 * it, e.g. a measured load without the process's start-up (module loading, the workflow bundle).
 */
export function summarizeProfile(file: string, n = 25, window?: { start: number; end: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.start || at > window.end)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=(api|activities|workflows|consumers|shared|runtime|bin)\/)/, '')}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const mod = moduleOf(frame);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  return { totalMs: Math.round(totalUs / 1000), busyMs: Math.round(busyMs), functions: top(functions, busyMs, n), modules: top(modules, busyMs, n) };
}

/** Markdown tables of a summary; `perLifecycle` divides the self times by the lifecycles the profile covered. */
export function profileMarkdown(title: string, s: ProfileSummary, lifecycles?: number): string {
  const per = (ms: number) => (lifecycles ? ` | ${Math.round((ms / lifecycles) * 100) / 100}` : '');
  const head = lifecycles ? ' | ms / lifecycle' : '';
  const sep = lifecycles ? '|---' : '';
  const rows = (list: SelfTime[]) => list.map((t) => `| ${t.name.replace(/\|/g, '\\|')} | ${t.ms} | ${t.share} %${per(t.ms)} |`).join('\n');
  return [
    `### ${title}`,
    '',
    `busy ${s.busyMs} ms of ${s.totalMs} ms profiled${lifecycles ? ` (${lifecycles} lifecycles)` : ''}`,
    '',
    `| module | self ms | share${head} |`,
    `|---|---|---${sep}|`,
    rows(s.modules),
    '',
    `| function | self ms | share${head} |`,
    `|---|---|---${sep}|`,
    rows(s.functions),
    '',
  ].join('\n');
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top-n]\n');
    process.exit(2);
  }
  process.stdout.write(profileMarkdown(file, summarizeProfile(file, Number(n || 25))));
}
