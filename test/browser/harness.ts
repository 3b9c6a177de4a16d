/**
 * What every browser test file needs (issue #6): the real API on a free port with a real Temporal
 * worker in-process (and, when asked, the notification consumers), the built page, and Debian's
 * Chromium driven by playwright-core. Nothing downloads a browser: `npm test` installs the
 * `chromium` package (scripts/test.sh). Each page records console errors and uncaught exceptions
 * so a test can assert there were none; screenshots go to .artifacts/screenshots/ (git-ignored).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { closeProductStream } from '../../api/routes/product-stream';
import { WEB_DIST } from '../../api/routes/web';
import { startConsumers, type RunningConsumers } from '../../consumers';
import { createTestContext, type TestContext } from '../helpers/context';
import { listen } from '../helpers/sse';
import { startTestWorker, type TestWorker } from '../helpers/worker';
import type { TestUser } from '../helpers/users';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
export const SCREENSHOTS = join(ROOT, '.artifacts', 'screenshots');

/** Flags that work on the build machines (no GPU, no sandbox as root, nothing phoning home). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BrowserEnv {
  ctx: TestContext;
  db: Knex;
  /** the API (and the page at `${url}/`) */
  url: string;
  browser: Browser;
  /** `locale`: the browser's language (navigator.language, Accept-Language); en-US unless given */
  newPage(options?: { width?: number; height?: number; locale?: string }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** console errors and uncaught exceptions, as text */
  problems: string[];
}

/** Builds the page if it is missing or older than its sources (cheap when it is current). */
function ensurePageBuilt(): void {
  execFileSync('bash', [join(ROOT, 'web', 'build.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error('web/dist/index.html is missing after `bash web/build.sh`');
}

export async function startBrowserEnv(options: { consumers?: string[] } = {}): Promise<BrowserEnv> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test.sh does: apt-get install -y chromium)`);
  ensurePageBuilt();
  const ctx = await createTestContext();
  const opened: { close(): Promise<void> }[] = [];
  try {
    const worker: TestWorker = await startTestWorker(ctx);
    opened.push({ close: () => worker.stop() });
    let consumers: RunningConsumers | undefined;
    if (options.consumers) {
      // groups of their own, starting at the topics' current end: this file's events only
      consumers = await startConsumers({ groups: options.consumers, groupSuffix: `browser-${randomUUID().slice(0, 8)}`, startFromNow: true, db: ctx.db });
      opened.push({ close: () => consumers!.stop() });
    }
    const server = await listen(ctx.app);
    opened.push(server);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    opened.push({ close: () => browser.close() });
    mkdirSync(SCREENSHOTS, { recursive: true });

    return {
      ctx,
      db: ctx.db,
      url: server.url,
      browser,
      async newPage({ width = 1280, height = 900, locale = 'en-US' } = {}) {
        const context = await browser.newContext({ viewport: { width, height }, locale, timezoneId: 'UTC' });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
        });
        page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
        return { page, context, problems };
      },
      async close() {
        // the server first (it ends the SSE streams), then the rest in reverse order
        for (const o of opened.reverse()) await o.close().catch(() => undefined);
        await closeProductStream();
        await ctx.close();
      },
    };
  } catch (err) {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
    await ctx.close();
    throw err;
  }
}

/** Logs in through the form, with the keyboard (Enter submits), and waits for the dashboard. */
/**
 * startBrowserEnv in beforeAll and its close in afterAll; a file's own beforeAll, declared after
 * this call, runs once the environment is up. The fields are read inside hooks and tests (before
 * the environment started they throw).
 */
export function useBrowserEnv(options: { consumers?: string[] } = {}): BrowserEnv {
  let env: BrowserEnv | undefined;
  beforeAll(async () => {
    env = await startBrowserEnv(options);
  }, 120_000);
  afterAll(async () => {
    await env?.close();
  });
  const started = (): BrowserEnv => {
    if (!env) throw new Error('the browser environment starts in beforeAll');
    return env;
  };
  return {
    get ctx() {
      return started().ctx;
    },
    get db() {
      return started().db;
    },
    get url() {
      return started().url;
    },
    get browser() {
      return started().browser;
    },
    newPage: (pageOptions) => started().newPage(pageOptions),
    close: () => started().close(),
  };
}

export async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Products' }).waitFor();
  // both live streams open: what happens from now on reaches the page
  await page.locator('.live.on').waitFor({ timeout: 10_000 });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, `${name}.png`);
  // from the top: a focus() may have scrolled, and the sticky feed would be drawn where it stuck
  await page.evaluate('window.scrollTo(0, 0)');
  // finite animations (the flash of a changed card) are run to their end: the final state
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * Console errors other than the browser's own log line for an API error response the scenario
 * provoked on purpose (Chromium logs every 4xx as "Failed to load resource").
 */
export function unexpectedProblems(problems: string[], expectedStatuses: number[] = []): string[] {
  return problems.filter((p) => {
    const m = /Failed to load resource: the server responded with a status of (\d{3})/.exec(p);
    return !(m && expectedStatuses.includes(Number(m[1])));
  });
}
